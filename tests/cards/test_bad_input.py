"""Every bad card input gets a 4xx a person can act on, and the database stays unchanged."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.cards.conftest import GATEWAY, new_card
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint

pytestmark = pytest.mark.asyncio

MISSING = str(uuid.uuid4())


async def test_bad_card_changes_are_refused_and_change_nothing(
    api: Api, engine: AsyncEngine
) -> None:
    card = await new_card(api, incident={"type": "medical.cardiac_arrest"})
    other = await new_card(api)
    consultation = await new_card(api, incident={"type": "info.consultation"})
    closed = await new_card(api, incident={"type": "crime.fraud"})
    assert (
        await api.post(
            f"/api/v1/cards/{closed['id']}/close", user="operator1", json={"outcome": "hoax"}
        )
    ).status_code == 200
    cid, oid, xid = card["id"], other["id"], closed["id"]
    cases: list[tuple[str, str, Any, int, str]] = [
        (
            "POST",
            "/api/v1/cards",
            {"incident": {"type": "no.such_type"}},
            422,
            "unknown incident type",
        ),
        ("POST", "/api/v1/cards", {"call_id": MISSING}, 404, "no call"),
        ("POST", "/api/v1/cards", {"channel": "pigeon"}, 422, "channel"),
        ("POST", "/api/v1/cards", {"colour": "red"}, 422, "colour"),
        (
            "PATCH",
            f"/api/v1/cards/{cid}",
            {"incident": {"type": "nope.nope"}},
            422,
            "unknown incident type",
        ),
        ("PATCH", f"/api/v1/cards/{cid}", {"incident": {"hazards": ["dragons"]}}, 422, "dragons"),
        ("PATCH", f"/api/v1/cards/{cid}", {"incident": {"priority": 9}}, 422, "priority"),
        ("PATCH", f"/api/v1/cards/{cid}", {"incident": {"victims": -1}}, 422, "victims"),
        ("PATCH", f"/api/v1/cards/{cid}", {"location": {"lat": 91, "lon": 60}}, 422, "lat"),
        ("PATCH", f"/api/v1/cards/{cid}", {"location": {"lat": 41.3, "lon": 200}}, 422, "lon"),
        ("PATCH", f"/api/v1/cards/{cid}", {"location": {"lat": 41.3}}, 422, "both lat and lon"),
        ("PATCH", f"/api/v1/cards/{cid}", {"caller": {"number": "call me"}}, 422, "number"),
        ("PATCH", f"/api/v1/cards/{cid}", {"status": "closed"}, 422, "status"),
        ("PATCH", f"/api/v1/cards/{cid}", {}, 422, "nothing to change"),
        ("PATCH", f"/api/v1/cards/{MISSING}", {"language": "ru"}, 404, "no card"),
        ("PATCH", f"/api/v1/cards/{xid}", {"language": "ru"}, 409, "closed"),
        ("POST", f"/api/v1/cards/{cid}/route", {"services": ["999"]}, 422, "unknown service"),
        ("POST", f"/api/v1/cards/{cid}/route", {"services": []}, 422, "services"),
        (
            "POST",
            f"/api/v1/cards/{consultation['id']}/route",
            None,
            422,
            "no services to suggest",
        ),
        ("POST", f"/api/v1/cards/{oid}/route", {"services": ["102"]}, 422, "incident type"),
        ("POST", f"/api/v1/cards/{xid}/route", {"services": ["102"]}, 409, "closed"),
        ("POST", f"/api/v1/cards/{cid}/links", {"card_id": cid, "kind": "related"}, 422, "itself"),
        (
            "POST",
            f"/api/v1/cards/{cid}/links",
            {"card_id": MISSING, "kind": "related"},
            404,
            "no card",
        ),
        ("POST", f"/api/v1/cards/{cid}/links", {"card_id": oid, "kind": "cousin"}, 422, "kind"),
        ("POST", f"/api/v1/cards/{cid}/notes", {"text": ""}, 422, "text"),
        ("POST", f"/api/v1/cards/{cid}/close", {"outcome": "dispatched"}, 422, "route it"),
        ("POST", f"/api/v1/cards/{cid}/close", {"outcome": "duplicate"}, 422, "link the card"),
        ("POST", f"/api/v1/cards/{cid}/close", {"outcome": "gone_fishing"}, 422, "outcome"),
        ("POST", f"/api/v1/cards/{xid}/close", {"outcome": "hoax"}, 409, "cannot become closed"),
        ("GET", f"/api/v1/cards/{MISSING}", None, 404, "no card"),
        ("GET", "/api/v1/cards/not-a-uuid", None, 422, "card_id"),
        ("GET", f"/api/v1/cards/{cid}/versions/99", None, 404, "no version 99"),
    ]
    before = await fingerprint(engine)
    for method, url, body, status, fragment in cases:
        kwargs: dict[str, Any] = {} if body is None else {"json": body}
        response = await api.request(method, url, user="operator1", **kwargs)
        assert response.status_code == status, (method, url, body, response.text)
        detail = response.json()["detail"]
        assert fragment.lower() in detail.lower(), (url, body, detail)
        if method != "GET":
            assert await fingerprint(engine) == before, (method, url, body)


async def test_malformed_json_and_wrong_content_type(api: Api, engine: AsyncEngine) -> None:
    card = await new_card(api)
    before = await fingerprint(engine)
    broken = await api.post(
        "/api/v1/cards",
        user="operator1",
        content=b'{"incident": ',
        headers={"Content-Type": "application/json"},
    )
    assert broken.status_code == 422
    assert "json" in broken.json()["detail"].lower()
    patch = await api.patch(
        f"/api/v1/cards/{card['id']}",
        user="operator1",
        content=b"[1, 2",
        headers={"Content-Type": "application/json"},
    )
    assert patch.status_code == 422
    form = await api.post(
        "/api/v1/cards",
        user="operator1",
        content=b"a=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 415
    assert "application/xml" in form.json()["detail"]
    assert await fingerprint(engine) == before


async def test_calls_refuse_bad_input(api: Api, engine: AsyncEngine) -> None:
    before = await fingerprint(engine)
    cases = [
        ({"channel": "fax"}, "channel"),
        ({"channel": "voice", "caller_number": "not a number"}, "caller_number"),
        ({"channel": "voice", "language": "Uzbek"}, "language"),
        ({"channel": "voice", "location": {"lat": 100, "lon": 60}}, "lat"),
        ({"channel": "voice", "location": {"lat": 41, "lon": 60, "source": "psychic"}}, "source"),
        ({"channel": "sms", "caller_number": "+998901112233"}, "text"),
    ]
    for body, fragment in cases:
        response = await api.post("/api/v1/calls", json=body, headers=GATEWAY)
        assert response.status_code == 422, (body, response.text)
        assert fragment in response.json()["detail"]
    assert await fingerprint(engine) == before


async def test_stale_edit_is_refused_with_if_match(api: Api, engine: AsyncEngine) -> None:
    card = await new_card(api)
    url = f"/api/v1/cards/{card['id']}"
    first = await api.patch(
        url, user="operator1", json={"language": "ru"}, headers={"If-Match": '"1"'}
    )
    assert first.status_code == 200
    before = await fingerprint(engine)
    stale = await api.patch(
        url, user="operator1", json={"language": "kaa"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 409
    assert "version 2, not 1" in stale.json()["detail"]
    garbage = await api.patch(
        url, user="operator1", json={"language": "kaa"}, headers={"If-Match": "x"}
    )
    assert garbage.status_code == 422
    assert await fingerprint(engine) == before


async def test_an_operator_cannot_edit_another_operators_card(
    api: Api, engine: AsyncEngine
) -> None:
    card = await new_card(api, user="operator1")
    url = f"/api/v1/cards/{card['id']}"
    before = await fingerprint(engine)
    response = await api.patch(url, user="operator2", json={"language": "ru"})
    assert response.status_code == 403
    assert "operator1" in response.json()["detail"]
    assert await fingerprint(engine) == before
    supervisor = await api.patch(url, user="supervisor1", json={"language": "ru"})
    assert supervisor.status_code == 200
    note = await api.post(f"{url}/notes", user="operator2", json={"text": "I know this caller"})
    assert note.status_code == 201


async def test_one_card_per_call(api: Api, call: dict[str, Any], engine: AsyncEngine) -> None:
    first = await new_card(api, call_id=call["id"])
    before = await fingerprint(engine)
    again = await api.post("/api/v1/cards", user="operator2", json={"call_id": call["id"]})
    assert again.status_code == 409
    assert first["number"] in again.json()["detail"]
    assert await fingerprint(engine) == before


async def test_the_fingerprint_sees_a_change(api: Api, engine: AsyncEngine) -> None:
    """Guards the tests above: an accepted change must alter the fingerprint."""
    card = await new_card(api)
    before = await fingerprint(engine)
    await api.patch(f"/api/v1/cards/{card['id']}", user="operator1", json={"language": "ru"})
    after = await fingerprint(engine)
    assert after["cards"] != before["cards"]
    assert after["card_versions"][0] == before["card_versions"][0] + 1


async def test_a_group_sent_as_null_clears_it_and_never_fails(api: Api) -> None:
    # Found by schemathesis: "incident": null on a create was a 500.
    nulls = {"caller": None, "location": None, "incident": None}
    created = await api.post("/api/v1/cards", user="operator1", json=nulls)
    assert created.status_code == 201, created.text
    card = await new_card(
        api,
        incident={"description": "smoke", "victims": 2},
        location={"address": "Navoiy 12"},
        caller={"name": "Dilnoza"},
    )
    cleared = await api.patch(f"/api/v1/cards/{card['id']}", user="operator1", json=nulls)
    assert cleared.status_code == 200, cleared.text
    body = cleared.json()
    assert (body["incident"].get("description"), body["incident"].get("victims")) == (None, None)
    assert body["location"].get("address") is None
    assert body["caller"].get("name") is None
    for bad in ({"language": None}, {"channel": "pigeon"}):
        refused = await api.post("/api/v1/cards", user="operator1", json=bad)
        assert refused.status_code == 422, (bad, refused.text)
