"""The walk of issue 3 through the API: call → card → fill → note → link → route → close."""

from __future__ import annotations

from typing import Any

import pytest

import cardschema
from dispatch.cards.service import open_cards_of
from dispatch.core.database import session_factory
from tests.cards.conftest import card_xml, new_card
from tests.fixtures.api import Api

pytestmark = pytest.mark.asyncio


async def test_a_call_becomes_a_card_that_is_filled_routed_and_closed(
    api: Api, call: dict[str, Any]
) -> None:
    card = await new_card(api, call_id=call["id"])
    assert card["version"] == 1
    assert card["status"] == "open"
    assert card["number"].startswith("112-")
    assert card["created_at"].endswith("+05:00")
    assert card["caller"] == {
        "number": "+998901234567",
        "name": None,
        "callback_number": "+998901234567",
    }
    assert card["location"]["lat"] == 39.6542
    assert card["location"]["source"] == "aml"
    assert card["operator_id"] == "operator1"
    assert card["completeness"]["missing"] == ["incident.type"]
    card_id = card["id"]

    filled = await api.patch(
        f"/api/v1/cards/{card_id}",
        user="operator1",
        json={
            "incident": {
                "type": "road.accident_injuries",
                "victims": 2,
                "description": "Ikki mashina to‘qnashdi, ikki kishi yaralangan",
            },
            "location": {"address": "Samarqand, Registon ko‘chasi 5"},
        },
    )
    assert filled.status_code == 200, filled.text
    body = filled.json()
    assert body["version"] == 2
    assert body["incident"]["priority"] == 1  # the type's default priority
    assert body["location"]["lat"] == 39.6542  # untouched fields stay
    assert filled.headers["etag"] == '"2"'

    caller = await api.patch(
        f"/api/v1/cards/{card_id}", user="operator1", json={"caller": {"name": "Aziz"}}
    )
    assert caller.json()["caller"]["number"] == "+998901234567"
    assert caller.json()["caller"]["name"] == "Aziz"

    note = await api.post(
        f"/api/v1/cards/{card_id}/notes", user="operator1", json={"text": "Yo‘l yopilgan"}
    )
    assert note.status_code == 201
    assert note.json()["notes"][0]["author"] == "operator1"

    suggested = await api.get(f"/api/v1/cards/{card_id}/suggested-services", user="operator1")
    assert [s["service"] for s in suggested.json()] == ["102", "103"]

    routed = await api.post(f"/api/v1/cards/{card_id}/route", user="operator1")
    assert routed.status_code == 200, routed.text
    assert routed.json()["status"] == "routed"
    services = routed.json()["services"]
    assert [s["code"] for s in services] == ["102", "103"]
    assert {s["status"] for s in services} == {"routed"}
    assert services[0]["history"][0]["by"] == "operator1"

    more = await api.post(
        f"/api/v1/cards/{card_id}/route", user="operator1", json={"services": ["101"]}
    )
    assert [s["code"] for s in more.json()["services"]] == ["102", "103", "101"]

    closed = await api.post(
        f"/api/v1/cards/{card_id}/close", user="operator1", json={"outcome": "dispatched"}
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["outcome"] == "dispatched"
    assert closed.json()["closed_at"] is not None

    xml = await card_xml(api, card_id)
    parsed = cardschema.parse(xml)
    assert parsed.version == 7
    assert [s.code for s in parsed.services] == ["102", "103", "101"]
    assert parsed.outcome is cardschema.Outcome.DISPATCHED

    history = await api.get(f"/api/v1/cards/{card_id}/history", user="supervisor1")
    assert [(v["version"], v["change"]) for v in history.json()] == [
        (1, "create"),
        (2, "update"),
        (3, "update"),
        (4, "note"),
        (5, "routed"),
        (6, "routed"),
        (7, "closed"),
    ]
    first = await api.get(f"/api/v1/cards/{card_id}/versions/1", user="qa1")
    assert first.json()["incident"]["type"] is None
    assert first.json()["version"] == 1


async def test_cards_are_listed_newest_first_with_a_total(api: Api) -> None:
    ids = [(await new_card(api))["id"] for _ in range(3)]
    page = await api.get("/api/v1/cards?limit=2", user="supervisor1")
    assert page.status_code == 200
    assert page.json()["total"] == 3
    assert [c["id"] for c in page.json()["items"]] == ids[::-1][:2]
    rest = await api.get("/api/v1/cards?limit=2&offset=2", user="analyst1")
    assert [c["id"] for c in rest.json()["items"]] == [ids[0]]
    none_closed = await api.get("/api/v1/cards?status=closed", user="analyst1")
    assert none_closed.json()["total"] == 0


async def test_card_numbers_count_up_within_the_day(api: Api) -> None:
    numbers = [(await new_card(api))["number"] for _ in range(3)]
    serials = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert serials == [serials[0], serials[0] + 1, serials[0] + 2]
    assert len({n.rsplit("-", 1)[0] for n in numbers}) == 1


async def test_card_reads_are_audited(api: Api) -> None:
    card = await new_card(api)
    await api.get(f"/api/v1/cards/{card['id']}", user="qa1")
    await card_xml(api, card["id"], user="supervisor1")
    audit = await api.get(f"/api/v1/audit?target_id={card['id']}&action=card.read", user="admin")
    assert [(e["actor"], e["role"]) for e in audit.json()["items"]] == [
        ("supervisor1", "supervisor"),
        ("qa1", "qa"),
    ]


async def test_accept_header_gives_xml(api: Api) -> None:
    card = await new_card(api)
    response = await api.get(
        f"/api/v1/cards/{card['id']}", user="operator1", headers={"Accept": "application/xml"}
    )
    assert response.headers["content-type"].startswith("application/xml")
    assert cardschema.parse(response.content).id.hex == card["id"].replace("-", "")


async def test_an_operators_own_open_cards_for_the_console_are_not_audited(api: Api) -> None:
    mine = await new_card(api)
    await new_card(api, user="operator2")
    closed = await new_card(api)
    await api.post(
        f"/api/v1/cards/{closed['id']}/close", user="operator1", json={"outcome": "hoax"}
    )
    audit_before = (await api.get("/api/v1/audit?action=card.", user="admin")).json()["total"]
    async with session_factory(api.runtime.engine)() as session:
        rows = await open_cards_of(session, "operator1", limit=10)
        await session.commit()
    assert [str(r.id) for r in rows] == [mine["id"]]
    audit_after = (await api.get("/api/v1/audit?action=card.", user="admin")).json()["total"]
    assert audit_after == audit_before
