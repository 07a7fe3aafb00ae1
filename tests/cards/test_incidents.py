"""One incident, many calls (issue 23): suggestions, joining, the mass-incident shortcut, merge,
and the supervisor's incidents with their calls."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

import cardschema
from dispatch import migrations
from dispatch.cards.incident_suggestions import address_similarity, compatible
from dispatch.core.clock import ManualClock
from dispatch.core.settings import Settings
from tests.cards.conftest import card_xml, new_card
from tests.feeds.conftest import service_key
from tests.fixtures.api import Api, running_api

# Backend-neutral: the queries are plain indexed selects, run on SQLite only.
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# A street corner in Samarqand; 0.0009° of latitude is about 100 m.
LAT, LON = 39.6542, 66.9597


@pytest.fixture
def clock() -> ManualClock:
    """A clock at a fixed instant that moves only when the test moves it."""
    return ManualClock()


@pytest_asyncio.fixture
async def timed(settings: Settings, clock: ManualClock) -> AsyncIterator[Api]:
    """The app on a clock the test moves."""
    async with running_api(settings, clock=clock) as api:
        yield api


async def card_at(
    api: Api,
    incident_type: str | None,
    lat: float | None = LAT,
    lon: float | None = LON,
    *,
    user: str = "operator1",
    address: str | None = None,
) -> dict[str, Any]:
    location: dict[str, Any] = {}
    if lat is not None:
        location |= {"lat": lat, "lon": lon}
    if address is not None:
        location["address"] = address
    fields: dict[str, Any] = {"location": location}
    if incident_type is not None:
        fields["incident"] = {"type": incident_type}
    return await new_card(api, user=user, **fields)


async def suggested(api: Api, card: dict[str, Any], user: str = "operator1") -> list[Any]:
    response = await api.get(f"/api/v1/cards/{card['id']}/incident-suggestions", user=user)
    assert response.status_code == 200, response.text
    result: list[Any] = response.json()
    return result


async def join(
    api: Api, card: dict[str, Any], incident: dict[str, Any], user: str = "operator1", **extra: Any
) -> Any:
    return await api.post(
        f"/api/v1/cards/{card['id']}/incident",
        user=user,
        json={"incident_card_id": incident["id"], **extra},
    )


def test_compatible_types_follow_the_table() -> None:
    assert compatible("fire.residential", "gas.smell_indoors")
    assert compatible("road.accident_injuries", "medical.severe_bleeding")
    assert not compatible("fire.residential", "crime.theft")
    assert not compatible(None, "violence.domestic")  # sensitive: only its own kind
    assert compatible("violence.domestic", "crime.assault")
    assert compatible(None, "fire.building")
    assert compatible(None, None)
    assert not compatible("info.consultation", "fire.building")


def test_addresses_alike_despite_order_and_punctuation() -> None:
    assert address_similarity("Amir Temur ko‘chasi, 15-uy", "amir temur ko'chasi 15 uy") > 0.9
    assert address_similarity("Amir Temur 15", "Navoiy 40") < 0.75
    assert address_similarity(None, "Navoiy 40") == 0.0


@pytest.mark.asyncio
@ON_SQLITE
async def test_a_near_compatible_incident_is_suggested_nearest_first(api: Api) -> None:
    fire = await card_at(api, "fire.residential")
    farther = await card_at(api, "fire.building", LAT + 0.0027, LON, user="operator2")
    far_away = await card_at(api, "fire.residential", LAT + 0.018, LON)
    theft = await card_at(api, "crime.theft", LAT + 0.0001, LON)
    new = await card_at(api, "gas.smell_indoors", LAT + 0.0009, LON, user="operator2")
    found = await suggested(api, new, user="operator2")
    assert [s["number"] for s in found] == [fire["number"], farther["number"]]
    assert found[0]["reason"] == "near"
    assert 90 < found[0]["distance_m"] < 110
    assert (found[0]["incident_id"], found[0]["cards"]) == (fire["id"], 1)
    assert far_away["number"] not in {s["number"] for s in found}
    assert theft["number"] not in {s["number"] for s in found}
    # A card without a type yet sees the fire too.
    untyped = await card_at(api, None, LAT + 0.0005, LON)
    assert fire["number"] in {s["number"] for s in await suggested(api, untyped)}


@pytest.mark.asyncio
@ON_SQLITE
async def test_only_incidents_of_the_last_hours_are_suggested(
    timed: Api, clock: ManualClock
) -> None:
    old = await card_at(timed, "fire.residential")
    clock.advance(4 * 3600)  # beyond the 180-minute window
    recent = await card_at(timed, "fire.residential", LAT + 0.0002, LON)
    clock.advance(60)
    new = await card_at(timed, "fire.residential", LAT + 0.0004, LON)
    assert [s["number"] for s in await suggested(timed, new)] == [recent["number"]]
    assert old["number"] != recent["number"]


@pytest.mark.asyncio
@ON_SQLITE
async def test_a_similar_address_in_the_same_district_is_suggested_without_a_point(
    api: Api,
) -> None:
    first = await card_at(api, "fire.residential", address="Amir Temur ko‘chasi, 15-uy")
    district = first["location"]["district"]
    response = await api.post(
        "/api/v1/cards",
        user="operator2",
        json={
            "incident": {"type": "fire.residential"},
            "location": {"address": "amir temur ko'chasi 15 uy", "district": district},
        },
    )
    assert response.status_code == 201, response.text
    found = await suggested(api, response.json(), user="operator2")
    assert [(s["number"], s["reason"], s["distance_m"]) for s in found] == [
        (first["number"], "same_address", None)
    ]


@pytest.mark.asyncio
@ON_SQLITE
async def test_three_calls_one_incident_and_the_shortcut_closes_the_third(api: Api) -> None:
    fire = await card_at(api, "fire.residential", address="Amir Temur 15")
    second = await card_at(api, "fire.residential", LAT + 0.0003, LON, user="operator2")
    joined = await join(api, second, fire, user="operator2")
    assert joined.status_code == 200, joined.text
    body = joined.json()
    assert body["incident_id"] == fire["id"]
    assert {"card_id": fire["id"], "number": fire["number"], "kind": "parent"} in body["links"]
    head = (await api.get(f"/api/v1/cards/{fire['id']}", user="operator1")).json()
    assert head["incident_id"] == fire["id"]
    assert {"card_id": second["id"], "number": second["number"], "kind": "child"} in head["links"]
    # The third caller: one step, joining through any card of the incident, closed as duplicate.
    third = await card_at(api, None, LAT + 0.0004, LON, user="operator2")
    assert (await suggested(api, third, user="operator2"))[0]["cards"] == 2
    shortcut = await join(api, third, second, user="operator2", close=True, note="same fire")
    assert shortcut.status_code == 200, shortcut.text
    closed = shortcut.json()
    assert (closed["status"], closed["outcome"], closed["incident_id"]) == (
        "closed",
        "duplicate",
        fire["id"],
    )
    incident = await api.get(f"/api/v1/incidents/{fire['id']}", user="supervisor1")
    assert incident.status_code == 200, incident.text
    assert [(c["number"], c["role"]) for c in incident.json()["cards"]] == [
        (fire["number"], "head"),
        (second["number"], "member"),
        (third["number"], "member"),
    ]
    listed = (await api.get("/api/v1/incidents", user="supervisor1")).json()
    assert [i["incident_id"] for i in listed] == [fire["id"]]
    # The XML of each validates and says the incident.
    for card in (fire, second, third):
        document = cardschema.parse(await card_xml(api, card["id"]))
        assert str(document.incident_id) == fire["id"]
    # Already joined: refused, nothing changes.
    again = await join(api, second, fire, user="operator2")
    assert again.status_code == 409
    assert (await api.get(f"/api/v1/cards/{second['id']}", user="operator2")).json()[
        "version"
    ] == body["version"]


@pytest.mark.asyncio
@ON_SQLITE
async def test_joining_refuses_what_cannot_be_one_incident(api: Api) -> None:
    head = await card_at(api, "fire.residential")
    own = await join(api, head, head)
    assert own.status_code == 422
    assert own.json()["code"]
    unknown = await api.post(
        f"/api/v1/cards/{head['id']}/incident",
        user="operator1",
        json={"incident_card_id": "00000000-0000-0000-0000-000000000000"},
    )
    assert unknown.status_code == 404
    bad = await api.post(
        f"/api/v1/cards/{head['id']}/incident", user="operator1", json={"incident": "x"}
    )
    assert bad.status_code == 422
    misdial = await card_at(api, None)
    closed = await api.post(
        f"/api/v1/cards/{misdial['id']}/close", user="operator1", json={"outcome": "misdial"}
    )
    assert closed.status_code == 200, closed.text
    other = await card_at(api, "fire.residential")
    refused = await join(api, other, misdial)
    assert refused.status_code == 409
    # Incident links are made only by joining or merging, never through the plain links.
    plain = await api.post(
        f"/api/v1/cards/{other['id']}/links",
        user="operator1",
        json={"card_id": head["id"], "kind": "parent"},
    )
    assert plain.status_code == 422
    # Another operator's card is theirs to join.
    foreign = await join(api, other, head, user="operator2")
    assert foreign.status_code == 403
    after = (await api.get(f"/api/v1/cards/{other['id']}", user="operator1")).json()
    assert after["version"] == other["version"]
    assert "incident_id" not in after


@pytest.mark.asyncio
@ON_SQLITE
async def test_merging_two_incidents_keeps_one_and_moves_the_calls(api: Api) -> None:
    survivor = await card_at(api, "fire.residential")
    member = await card_at(api, "fire.residential", LAT + 0.0001, LON)
    assert (await join(api, member, survivor)).status_code == 200
    twin = await card_at(api, "fire.building", LAT + 0.0002, LON, user="operator2")
    twin_member = await card_at(api, None, LAT + 0.0003, LON, user="operator2")
    assert (await join(api, twin_member, twin, user="operator2")).status_code == 200
    merged = await api.post(
        f"/api/v1/cards/{twin['id']}/merge", user="operator2", json={"into_card_id": survivor["id"]}
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert (body["status"], body["outcome"], body["incident_id"]) == (
        "closed",
        "duplicate",
        survivor["id"],
    )
    assert [link["kind"] for link in body["links"]] == ["merged_into"]
    cards = (await api.get(f"/api/v1/incidents/{survivor['id']}", user="supervisor1")).json()
    assert {(c["number"], c["role"]) for c in cards["cards"]} == {
        (survivor["number"], "head"),
        (member["number"], "member"),
        (twin["number"], "merged"),
        (twin_member["number"], "member"),
    }
    moved = (await api.get(f"/api/v1/cards/{twin_member['id']}", user="operator2")).json()
    assert moved["incident_id"] == survivor["id"]
    assert [(link["kind"], link["card_id"]) for link in moved["links"]] == [
        ("parent", survivor["id"])
    ]
    head = (await api.get(f"/api/v1/cards/{survivor['id']}", user="operator1")).json()
    kinds = {(link["kind"], link["card_id"]) for link in head["links"]}
    assert {("merged_from", twin["id"]), ("child", twin_member["id"])} <= kinds
    for card in (survivor, twin, twin_member):
        await card_xml(api, card["id"])
    # A merged card is never merged again nor joined; merging the other way round is refused.
    assert (
        await api.post(
            f"/api/v1/cards/{twin['id']}/merge",
            user="operator2",
            json={"into_card_id": member["id"]},
        )
    ).status_code == 409
    late = await card_at(api, "fire.residential", user="operator2")
    assert (await join(api, late, twin, user="operator2")).status_code == 409
    backwards = await api.post(
        f"/api/v1/cards/{survivor['id']}/merge",
        user="supervisor1",
        json={"into_card_id": member["id"]},
    )
    assert backwards.status_code == 409


@pytest.mark.asyncio
@ON_SQLITE
async def test_a_merged_card_reaches_its_services_naming_the_survivor(api: Api) -> None:
    survivor = await card_at(api, "fire.residential", address="Amir Temur 15")
    twin = await card_at(api, "fire.residential", LAT + 0.0001, LON, address="Amir Temur 15")
    routed = await api.post(
        f"/api/v1/cards/{twin['id']}/route",
        user="operator1",
        json={"services": ["101"], "acknowledge": ["expected_hazard_missing"]},
    )
    assert routed.status_code == 200, routed.text
    merged = await api.post(
        f"/api/v1/cards/{twin['id']}/merge",
        user="operator1",
        json={"into_card_id": survivor["id"]},
    )
    assert merged.status_code == 200, merged.text
    fire_service = await service_key(api, "101")
    feed = await api.get("/api/v1/feeds/101/cards?limit=50", headers=fire_service)
    assert feed.status_code == 200, feed.text
    versions = [cardschema.parse(item["xml"].encode()) for item in feed.json()["items"]]
    last = [card for card in versions if str(card.id) == twin["id"]][-1]
    assert [(link.kind.value, str(link.card_id)) for link in last.links] == [
        ("merged_into", survivor["id"])
    ]


def test_migration_0022_copies_the_point_of_recent_cards(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
    migrations.upgrade(url, "0021")
    recent = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    old = (datetime.now(UTC) - timedelta(days=5)).strftime("%Y-%m-%d %H:%M:%S.%f")
    placed = {"location": {"lat": LAT, "lon": LON, "district": {"code": "UZ-SA-SAM"}}}
    with sqlite3.connect(tmp_path / "before.db") as db:
        for key, created, document in (("a" * 32, recent, placed), ("b" * 32, old, placed)):
            db.execute(
                "INSERT INTO cards (id, number, version, status, created_at, updated_at, document)"
                " VALUES (?, ?, 1, 'open', ?, ?, ?)",
                (
                    key,
                    f"112-20261205-00000{key[0] == 'b':d}",
                    created,
                    created,
                    json.dumps(document),
                ),
            )
    migrations.upgrade(url)
    with sqlite3.connect(tmp_path / "before.db") as db:
        rows = db.execute("SELECT id, lat, lon, district_code FROM cards ORDER BY id").fetchall()
    assert rows == [("a" * 32, LAT, LON, "UZ-SA-SAM"), ("b" * 32, None, None, None)]
    migrations.downgrade(url, "0021")
    with sqlite3.connect(tmp_path / "before.db") as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(cards)")}
    assert not {"lat", "lon", "district_code", "incident_id"} & columns
