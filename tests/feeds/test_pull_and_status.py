"""Pull feeds, acknowledgements and status reports, through the API on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import cardschema
from tests.feeds.conftest import routed_card, service_key
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint

pytestmark = pytest.mark.asyncio


async def test_a_service_pulls_its_cards_in_order_and_acknowledges(api: Api) -> None:
    police = await service_key(api, "102")
    first = await routed_card(api, ["102", "103"])
    second = await routed_card(api, ["102"])
    page = await api.get("/api/v1/feeds/102/cards?limit=10", headers=police)
    assert page.status_code == 200, page.text
    items = page.json()["items"]
    assert [i["card_id"] for i in items] == [first["id"], second["id"]]
    assert [i["redelivery"] for i in items] == [False, False]
    assert items[0]["cursor"] < items[1]["cursor"]
    assert page.json()["next_cursor"] == items[1]["cursor"]
    card = cardschema.parse(items[0]["xml"].encode())
    assert card.number == first["number"]
    assert [s.code for s in card.services] == ["102", "103"]

    again = await api.get("/api/v1/feeds/102/cards", headers=police)
    assert [i["redelivery"] for i in again.json()["items"]] == [True, True]

    ack = await api.post(
        "/api/v1/feeds/102/ack", headers=police, json={"cursor": items[0]["cursor"]}
    )
    assert ack.json() == {"acknowledged": 1, "cursor": items[0]["cursor"]}
    rest = await api.get("/api/v1/feeds/102/cards", headers=police)
    assert [i["card_id"] for i in rest.json()["items"]] == [second["id"]]
    await api.post("/api/v1/feeds/102/ack", headers=police, json={"cursor": items[1]["cursor"]})
    empty = await api.get("/api/v1/feeds/102/cards", headers=police)
    assert empty.json() == {"items": [], "next_cursor": items[1]["cursor"]}

    status = await api.get("/api/v1/feeds/status", user="supervisor1")
    by_service = {s["service"]: s for s in status.json()}
    assert by_service["102"]["acknowledged"] == 2
    assert by_service["103"]["pending"] == 1


async def test_a_new_card_version_reaches_the_routed_services(api: Api) -> None:
    police = await service_key(api, "102")
    card = await routed_card(api, ["102"])
    await api.post(
        f"/api/v1/cards/{card['id']}/notes", user="operator1", json={"text": "Qo‘shimcha"}
    )
    items = (await api.get("/api/v1/feeds/102/cards", headers=police)).json()["items"]
    version = int(str(card["version"]))
    assert [(i["card_id"], i["version"]) for i in items] == [
        (card["id"], version),
        (card["id"], version + 1),
    ]


async def test_a_service_sees_only_its_own_feed(api: Api, engine: AsyncEngine) -> None:
    ambulance = await service_key(api, "103")
    await routed_card(api, ["102"])
    before = await fingerprint(engine)
    response = await api.get("/api/v1/feeds/102/cards", headers=ambulance)
    assert response.status_code == 403
    assert "only its own" in response.json()["detail"]
    ack = await api.post("/api/v1/feeds/102/ack", headers=ambulance, json={"cursor": 1})
    assert ack.status_code == 403
    assert await fingerprint(engine) == before


async def test_bad_acknowledgements_change_nothing(api: Api, engine: AsyncEngine) -> None:
    police = await service_key(api, "102")
    await routed_card(api, ["102"])
    cursor = (await api.get("/api/v1/feeds/status", user="supervisor1")).json()
    assert cursor
    before = await fingerprint(engine)
    for body, status in (({"cursor": 999999}, 404), ({"cursor": 0}, 422), ({}, 422)):
        response = await api.post("/api/v1/feeds/102/ack", headers=police, json=body)
        assert response.status_code == status, response.text
    deliveries = await api.get("/api/v1/feeds/deliveries?service=102", user="supervisor1")
    never_pulled = deliveries.json()[0]["id"]
    response = await api.post(
        "/api/v1/feeds/102/ack", headers=police, json={"cursor": never_pulled}
    )
    assert response.status_code == 409
    assert "fetch it first" in response.json()["detail"]
    assert await fingerprint(engine) == before


async def test_status_reports_land_on_the_card_in_json_and_xml(api: Api) -> None:
    ambulance = await service_key(api, "103")
    card = await routed_card(api, ["102", "103"])
    pulled = await api.get("/api/v1/feeds/103/cards", headers=ambulance)
    assert [i["card_id"] for i in pulled.json()["items"]] == [card["id"]]
    url = f"/api/v1/feeds/103/cards/{card['id']}/status"
    start = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    for offset, status in enumerate(["received", "accepted", "response_started", "arrived"]):
        at = (start + timedelta(minutes=offset)).isoformat()
        response = await api.post(url, headers=ambulance, json={"status": status, "at": at})
        assert response.status_code == 201, response.text
        assert response.json()["changed"] is True
    repeat = await api.post(
        url,
        headers=ambulance,
        json={"status": "arrived", "at": (start + timedelta(minutes=3)).isoformat()},
    )
    assert repeat.json()["changed"] is False
    closed = await api.post(
        f"/api/v1/cards/{card['id']}/close", user="operator1", json={"outcome": "dispatched"}
    )
    assert closed.status_code == 200
    done = await api.post(
        url,
        headers=ambulance,
        json={
            "status": "completed",
            "at": (start + timedelta(hours=1)).isoformat(),
            "note": "Kasalxonaga",
        },
    )
    assert done.status_code == 201, done.text
    shown = await api.get(f"/api/v1/cards/{card['id']}", user="supervisor1")
    service = next(s for s in shown.json()["services"] if s["code"] == "103")
    assert service["status"] == "completed"
    assert [h["status"] for h in service["history"]] == [
        "routed",
        "received",
        "accepted",
        "response_started",
        "arrived",
        "completed",
    ]
    assert service["history"][-1]["by"] == "svc103"
    xml = await api.get(f"/api/v1/cards/{card['id']}.xml", user="supervisor1")
    parsed = cardschema.parse(xml.content)
    assert (
        next(s for s in parsed.services if s.code == "103").status
        is cardschema.ServiceStatus.COMPLETED
    )
    deliveries = await api.get(
        f"/api/v1/feeds/deliveries?service=103&card_id={card['id']}", user="supervisor1"
    )
    # Newest first: the closing, made after the pull, is still owed to the ambulance whatever
    # it reported since; the version it pulled is acknowledged by the reports (sent by pull).
    assert [(d["status"], d["via"]) for d in deliveries.json()] == [
        ("pending", None),
        ("acknowledged", "pull"),
    ]


async def test_a_status_report_does_not_swallow_a_version_the_service_was_never_sent(
    api: Api,
) -> None:
    police = await service_key(api, "102")
    card = await routed_card(api, ["102"])
    first = (await api.get("/api/v1/feeds/102/cards", headers=police)).json()["items"]
    note = await api.post(
        f"/api/v1/cards/{card['id']}/notes", user="operator1", json={"text": "Qurolli shaxs"}
    )
    assert note.status_code == 201, note.text
    # The police report on the card they pulled, before they pull again.
    report = await api.post(
        f"/api/v1/feeds/102/cards/{card['id']}/status",
        headers=police,
        json={"status": "received", "at": datetime.now(UTC).isoformat()},
    )
    assert report.status_code == 201, report.text

    items = (await api.get("/api/v1/feeds/102/cards", headers=police)).json()["items"]

    version = int(str(card["version"]))
    assert [(i["card_id"], i["version"]) for i in first] == [(card["id"], version)]
    assert [(i["card_id"], i["version"]) for i in items] == [(card["id"], version + 1)]
    assert "Qurolli shaxs" in items[0]["xml"]


async def test_illegal_or_malformed_status_reports_change_nothing(
    api: Api, engine: AsyncEngine
) -> None:
    ambulance = await service_key(api, "103")
    card = await routed_card(api, ["103"])
    other = await routed_card(api, ["102"])
    url = f"/api/v1/feeds/103/cards/{card['id']}/status"
    at = "2026-11-22T09:00:00+05:00"
    before = await fingerprint(engine)
    cases = [
        (url, {"status": "arrived", "at": at}, 409, "cannot become 'arrived'"),
        (url, {"status": "teleported", "at": at}, 422, "status"),
        (url, {"status": "received", "at": "2026-11-22T09:00:00"}, 422, "at"),
        (url, {"status": "received"}, 422, "at"),
        (
            f"/api/v1/feeds/103/cards/{other['id']}/status",
            {"status": "received", "at": at},
            404,
            "not routed",
        ),
    ]
    for target, body, status, fragment in cases:
        response = await api.post(target, headers=ambulance, json=body)
        assert response.status_code == status, (body, response.text)
        assert fragment in response.json()["detail"]
    assert await fingerprint(engine) == before


async def test_one_page_carries_each_owed_version_also_the_same_one_twice(api: Api) -> None:
    police = await service_key(api, "102")
    first = await routed_card(api, ["102"])
    noted = await api.post(
        f"/api/v1/cards/{first['id']}/notes", user="operator1", json={"text": "Yo‘l yopilgan"}
    )
    assert noted.status_code == 201, noted.text
    resent = await api.post(f"/api/v1/feeds/102/cards/{first['id']}/resend", user="supervisor1")
    assert resent.status_code == 201, resent.text
    second = await routed_card(api, ["102"])
    items = (await api.get("/api/v1/feeds/102/cards?limit=10", headers=police)).json()["items"]
    expected = [(first["id"], 2), (first["id"], 3), (first["id"], 3), (second["id"], 2)]
    assert [(i["card_id"], i["version"]) for i in items] == expected
    for item in items:
        card = cardschema.parse(item["xml"].encode())
        assert (str(card.id), card.version) == (item["card_id"], item["version"])
    assert [i["redelivery"] for i in items] == [False, False, True, False]
    assert [len(cardschema.parse(i["xml"].encode()).notes) for i in items] == [0, 1, 1, 0]


async def test_supervisor_resends_a_card_marked_as_redelivery(api: Api) -> None:
    police = await service_key(api, "102")
    card = await routed_card(api, ["102"])
    items = (await api.get("/api/v1/feeds/102/cards", headers=police)).json()["items"]
    await api.post("/api/v1/feeds/102/ack", headers=police, json={"cursor": items[-1]["cursor"]})
    resent = await api.post(f"/api/v1/feeds/102/cards/{card['id']}/resend", user="supervisor1")
    assert resent.status_code == 201, resent.text
    assert resent.json()["redelivery"] is True
    again = (await api.get("/api/v1/feeds/102/cards", headers=police)).json()["items"]
    assert [(i["card_id"], i["redelivery"]) for i in again] == [(card["id"], True)]
    not_routed = await api.post(f"/api/v1/feeds/104/cards/{card['id']}/resend", user="supervisor1")
    assert not_routed.status_code == 409


async def test_a_phone_hand_off_counts_as_delivered_marked_manual(
    api: Api, engine: AsyncEngine
) -> None:
    card = await routed_card(api, ["104"])
    url = f"/api/v1/cards/{card['id']}/handoffs"
    before = await fingerprint(engine)
    for body, status, fragment in (
        ({"service": "101", "contact": "dispatcher Karimov"}, 404, "not routed"),
        ({"service": "104"}, 422, "contact"),
        ({"service": "104", "contact": "x", "at": "2026-11-22T10:00:00"}, 422, "at"),
    ):
        response = await api.post(url, user="operator1", json=body)
        assert response.status_code == status, response.text
        assert fragment in response.json()["detail"]
    assert await fingerprint(engine) == before
    handed = await api.post(
        url, user="operator1", json={"service": "104", "contact": "Gaz xizmati navbatchisi Karimov"}
    )
    assert handed.status_code == 201, handed.text
    service = handed.json()["services"][0]
    assert service["status"] == "received"
    assert service["handoff"]["contact"] == "Gaz xizmati navbatchisi Karimov"
    assert service["handoff"]["by"] == "operator1"
    assert service["history"][-1]["note"].startswith("by phone")
    xml = await api.get(f"/api/v1/cards/{card['id']}.xml", user="operator1")
    assert cardschema.parse(xml.content).services[0].handoff is not None
    deliveries = await api.get(f"/api/v1/feeds/deliveries?card_id={card['id']}", user="supervisor1")
    assert [(d["status"], d["via"]) for d in deliveries.json()] == [("acknowledged", "manual")]
    twice = await api.post(url, user="operator1", json={"service": "104", "contact": "again"})
    assert twice.status_code == 409
