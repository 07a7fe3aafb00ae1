"""A create sent again with the same ``Idempotency-Key`` (after a lost answer) gets the first
answer back and changes nothing more: cards, notes, hand-offs and service status reports here,
callback requests in ``tests/callbacks``."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dispatch.cards.models import CardRow
from dispatch.core import idempotency
from tests.feeds.conftest import routed_card, service_key
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint

pytestmark = pytest.mark.asyncio

KEY = {"Idempotency-Key": "a1b2c3-retry-after-crash"}


async def _cards(engine: AsyncEngine) -> int:
    async with AsyncSession(engine) as session:
        return int(await session.scalar(select(func.count()).select_from(CardRow)) or 0)


async def test_a_card_created_again_with_its_key_is_the_same_card(
    api: Api, engine: AsyncEngine
) -> None:
    body = {"incident": {"description": "smoke on the third floor"}}
    first = await api.post("/api/v1/cards", user="operator1", json=body, headers=KEY)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    cards = await _cards(engine)
    again = await api.post("/api/v1/cards", user="operator1", json=body, headers=KEY)
    assert again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert await _cards(engine) == cards
    replays = await api.get("/api/v1/audit?action=request.replayed", user="admin")
    assert [e["target_id"] for e in replays.json()["items"]] == [first.json()["id"]]
    # Another account's key is its own: the same key makes operator2 a card of their own.
    theirs = await api.post("/api/v1/cards", user="operator2", json=body, headers=KEY)
    assert theirs.status_code == 201
    assert theirs.json()["id"] != first.json()["id"]
    assert "idempotent-replayed" not in theirs.headers


async def test_a_key_used_for_another_request_or_malformed_is_refused(
    api: Api, engine: AsyncEngine
) -> None:
    made = await api.post("/api/v1/cards", user="operator1", json={}, headers=KEY)
    assert made.status_code == 201
    before = await fingerprint(engine)
    other = await api.post("/api/v1/cards", user="operator1", json={"language": "ru"}, headers=KEY)
    assert other.status_code == 422
    assert "used for another request" in other.json()["detail"]
    for bad in ("", "has space", "x" * 256):
        response = await api.post(
            "/api/v1/cards", user="operator1", json={}, headers={"Idempotency-Key": bad}
        )
        assert response.status_code == 422, bad
        assert "Idempotency-Key" in response.json()["detail"]
    assert await fingerprint(engine) == before


async def test_a_refused_request_keeps_no_answer(api: Api) -> None:
    refused = await api.post(
        "/api/v1/cards", user="operator1", json={"incident": {"priority": 9}}, headers=KEY
    )
    assert refused.status_code == 422
    made = await api.post(
        "/api/v1/cards", user="operator1", json={"incident": {"priority": 2}}, headers=KEY
    )
    assert made.status_code == 201  # the key was not spent on the refusal


async def test_notes_hand_offs_and_status_reports_are_made_once(api: Api) -> None:
    card = await routed_card(api, ["102", "104"])
    url = f"/api/v1/cards/{card['id']}"
    for _ in range(2):
        noted = await api.post(
            f"{url}/notes", user="operator1", json={"text": "caller is on the roof"}, headers=KEY
        )
        assert noted.status_code == 201, noted.text
    assert [n["text"] for n in noted.json()["notes"]] == ["caller is on the roof"]
    hand_key = {"Idempotency-Key": "handoff-1"}
    for _ in range(2):  # without the key the second would be a 409 (already handed)
        handed = await api.post(
            f"{url}/handoffs",
            user="operator1",
            json={"service": "104", "contact": "duty officer"},
            headers=hand_key,
        )
        assert handed.status_code == 201, handed.text
    police = await service_key(api, "102")
    status_url = f"/api/v1/feeds/102/cards/{card['id']}/status"
    report = {"status": "received", "at": "2026-12-05T10:00:00+05:00"}
    answers = [await api.post(status_url, json=report, headers={**police, **KEY}) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[1].json() == answers[0].json()
    assert answers[0].json()["changed"] is True
    history = await api.get(f"{url}/history", user="operator1")
    changes = [v["change"] for v in history.json()]
    assert changes.count("note") == 1
    assert changes.count("handoff") == 1
    assert changes.count("service_status") == 1


async def test_two_requests_with_one_key_at_once_make_one_card(
    api: Api, engine: AsyncEngine
) -> None:
    cards = await _cards(engine)
    headers = {**(await api.headers("operator1")), "Idempotency-Key": "both-at-once"}
    answers = await asyncio.gather(
        *(api.client.post("/api/v1/cards", json={}, headers=headers) for _ in range(2))
    )
    assert sorted(a.status_code for a in answers) in ([201, 201], [201, 409])
    assert await _cards(engine) == cards + 1
    made = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(made) == 1


async def test_a_key_is_kept_a_day(api: Api, engine: AsyncEngine) -> None:
    made = await api.post("/api/v1/cards", user="operator1", json={}, headers=KEY)
    assert made.status_code == 201
    async with AsyncSession(engine) as session:
        (stored_at,) = (
            await session.execute(text("SELECT created_at FROM idempotency_keys"))
        ).one()
        assert stored_at is not None
        row = await session.get(idempotency.IdempotentAnswer, ("operator1", KEY["Idempotency-Key"]))
        assert row is not None
        later = row.created_at + idempotency.KEEP + timedelta(seconds=1)
        found = await idempotency.find(
            session, "operator1", KEY["Idempotency-Key"], row.fingerprint, now=later
        )
        assert found is None  # past a day the key is new again (and the old answer gone)
        gone = await session.get(
            idempotency.IdempotentAnswer, ("operator1", KEY["Idempotency-Key"])
        )
        assert gone is None
