"""Calls and incidents per district on the real boundaries: placed by the card's location or the
call's own point, unplaced ones counted apart, filters, the drill-down to the cards through
``GET /cards`` and the downloads."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.cards.conftest import new_call, new_card
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint

pytestmark = pytest.mark.asyncio

URL = "/api/v1/analytics/territory"
SAMARQAND = {"lat": 39.6542, "lon": 66.9597}
NUKUS = {"lat": 42.4619, "lon": 59.6003}
KABUL = {"lat": 34.5553, "lon": 69.2075}
TZ = ZoneInfo("Asia/Tashkent")


def around_today() -> str:
    """Yesterday to tomorrow (local): the calls made now fall inside at any hour."""
    today = datetime.now(TZ).date()
    return f"date_from={today - timedelta(days=1)}&date_to={today + timedelta(days=1)}"


async def made(api: Api) -> dict[str, Any]:
    """Two calls in Samarkand (one with a stroke card), a call with no place, a fire card in
    Nukus without a call and a card placed nowhere (a point abroad)."""
    first = await new_call(api, location={**SAMARQAND, "radius_m": 20, "source": "network"})
    stroke = await new_card(api, call_id=first["id"], incident={"type": "medical.stroke"})
    await new_call(api, location={**SAMARQAND, "radius_m": 50, "source": "network"})
    await new_call(api)
    fire = await new_card(
        api, location=NUKUS, incident={"type": "fire.residential", "hazards": ["smoke"]}
    )
    await new_card(api, location=KABUL, incident={"type": "crime.public_disorder"})
    routed = await api.post(f"/api/v1/cards/{stroke['id']}/route", user="operator1")
    assert routed.status_code == 200, routed.text
    return {"stroke": stroke, "fire": fire}


def by_code(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["code"]: d for d in report["districts"]}


async def test_calls_and_incidents_per_district(api: Api) -> None:
    cards = await made(api)
    samarkand = cards["stroke"]["location"]["district"]["code"]
    nukus = cards["fire"]["location"]["district"]["code"]
    response = await api.get(f"{URL}?{around_today()}", user="analyst1")
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["calls"], report["incidents"]) == (3, 3)
    assert report["unplaced"] == {"calls": 1, "incidents": 1}
    assert report["elsewhere"] == {"calls": 0, "incidents": 0}
    districts = by_code(report)
    assert len(districts) > 150  # every district of the country, the empty ones too
    here = districts[samarkand]
    assert (here["calls"], here["incidents"]) == (2, 1)
    assert here["incidents_by_type"] == {"medical.stroke": 1}
    assert here["region"] == "UZ-SA"
    assert here["name"]
    assert here["names"]["en"]
    assert sum(here["calls_by_hour"]) == 2
    assert len(here["calls_by_hour"]) == 24
    assert (districts[nukus]["calls"], districts[nukus]["incidents"]) == (0, 1)
    assert report["districts"][0]["code"] == samarkand  # busiest first
    assert all(d["calls"] == 0 for d in report["districts"][1:])


async def test_one_region_and_the_filters(api: Api) -> None:
    cards = await made(api)
    samarkand = cards["stroke"]["location"]["district"]["code"]
    one = (await api.get(f"{URL}?{around_today()}&region=UZ-SA", user="supervisor1")).json()
    assert {d["region"] for d in one["districts"]} == {"UZ-SA"}
    assert by_code(one)[samarkand]["calls"] == 2
    assert one["elsewhere"] == {"calls": 0, "incidents": 1}  # the Nukus fire
    stroke = (
        await api.get(f"{URL}?{around_today()}&incident_type=medical.stroke", user="admin")
    ).json()
    assert (stroke["calls"], stroke["incidents"]) == (1, 1)
    assert by_code(stroke)[samarkand]["calls"] == 1
    ambulance = (await api.get(f"{URL}?{around_today()}&service=103", user="admin")).json()
    assert (ambulance["calls"], ambulance["incidents"]) == (1, 1)
    fire = (await api.get(f"{URL}?{around_today()}&service=101", user="admin")).json()
    assert (fire["calls"], fire["incidents"]) == (0, 0)


async def test_drill_down_lists_the_cards_of_a_district(api: Api) -> None:
    cards = await made(api)
    samarkand = cards["stroke"]["location"]["district"]["code"]
    since = quote((datetime.now(UTC) - timedelta(hours=1)).isoformat())
    page = await api.get(
        f"/api/v1/cards?district={samarkand}&created_from={since}", user="analyst1"
    )
    assert page.status_code == 200, page.text
    assert [c["id"] for c in page.json()["items"]] == [cards["stroke"]["id"]]
    region = (await api.get("/api/v1/cards?region=UZ-QR", user="analyst1")).json()
    assert [c["id"] for c in region["items"]] == [cards["fire"]["id"]]
    future = quote((datetime.now(UTC) + timedelta(hours=1)).isoformat())
    later = (await api.get(f"/api/v1/cards?created_from={future}", user="analyst1")).json()
    assert later["total"] == 0
    earlier = (await api.get(f"/api/v1/cards?created_to={since}", user="analyst1")).json()
    assert earlier["total"] == 0
    everything = (await api.get("/api/v1/cards", user="analyst1")).json()
    assert everything["total"] == 3


async def test_downloads_and_their_audit(api: Api, engine: AsyncEngine) -> None:
    cards = await made(api)
    samarkand = cards["stroke"]["location"]["district"]["code"]
    book = await api.get(f"{URL}/export.xlsx?{around_today()}&region=UZ-SA", user="analyst1")
    assert book.status_code == 200, book.text
    sheets = load_workbook(io.BytesIO(book.content))
    assert sheets.sheetnames == ["Districts", "Types"]
    rows = [tuple(r) for r in sheets["Districts"].iter_rows(values_only=True)]
    assert rows[0][:7] == (
        "district",
        "region",
        "name_uz",
        "name_ru",
        "name_en",
        "calls",
        "incidents",
    )
    assert rows[1][0] == samarkand
    assert rows[1][5:7] == (2, 1)
    assert [count for count in rows[1][7:] if count] in ([2], [1, 1])
    types = await api.get(f"{URL}/export.csv?{around_today()}&table=types", user="admin")
    assert types.headers["content-type"].startswith("text/csv")
    listed = list(csv.DictReader(io.StringIO(types.text)))
    assert {(r["district"], r["incident_type"], r["incidents"]) for r in listed} >= {
        (samarkand, "medical.stroke", "1")
    }
    async with engine.connect() as connection:
        audited = (
            await connection.execute(
                text(
                    "SELECT actor, detail FROM audit_log WHERE action = 'analytics.export' "
                    "ORDER BY id"
                )
            )
        ).all()
    assert [row[0] for row in audited] == ["analyst1", "admin"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # backend-neutral checks
@pytest.mark.parametrize(
    ("query", "status", "fragment"),
    [
        ("region=UZ-XX", 404, "UZ-XX"),
        ("region=", 422, "region"),
        ("service=" + "9" * 17, 422, "service"),
    ],
)
async def test_bad_questions_change_nothing(
    api: Api, engine: AsyncEngine, query: str, status: int, fragment: str
) -> None:
    before = await fingerprint(engine)
    response = await api.get(f"{URL}?{around_today()}&{query}", user="analyst1")
    assert response.status_code == status, response.text
    assert fragment in response.text
    assert await fingerprint(engine) == before
    bad = await api.get("/api/v1/cards?created_from=yesterday", user="analyst1")
    assert bad.status_code == 422
    assert "created_from" in bad.text
