"""Escalating a call to the supervisors: stored, audited, published, one at a time per call."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.cards.conftest import new_call, new_card
from tests.fixtures.api import Api

pytestmark = pytest.mark.asyncio


async def _escalate(api: Api, call_id: str, user: str = "operator1", **body: Any) -> Any:
    return await api.post(f"/api/v1/calls/{call_id}/escalate", user=user, json=body)


async def test_an_escalation_is_stored_audited_and_published(api: Api, engine: AsyncEngine) -> None:
    call = await new_call(api)
    card = await new_card(api, call_id=call["id"])
    events = api.runtime.bus.subscribe("call.escalated")
    response = await _escalate(
        api, call["id"], reason="Caller speaks only Tajik", kind="language", card_id=card["id"]
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "open"
    assert body["kind"] == "language"
    assert (body["raised_by"], body["call_id"], body["card_id"]) == (
        "operator1",
        call["id"],
        card["id"],
    )
    event = events.queue.get_nowait()  # type: ignore[attr-defined]
    assert event.payload == {
        "escalation_id": body["id"],
        "call_id": call["id"],
        "card_id": card["id"],
        "kind": "language",
        "reason": "Caller speaks only Tajik",
        "operator": "operator1",
        "status": "open",
    }
    async with engine.connect() as conn:
        audited = (
            await conn.execute(
                text("SELECT actor, target_id FROM audit_log WHERE action = 'call.escalate'")
            )
        ).all()
    assert [tuple(row) for row in audited] == [("operator1", call["id"])]
    listed = await api.get("/api/v1/escalations", user="supervisor1")
    assert [e["id"] for e in listed.json()] == [body["id"]]


async def test_a_call_waiting_for_a_supervisor_cannot_be_escalated_again(api: Api) -> None:
    call = await new_call(api)
    assert (await _escalate(api, call["id"], reason="Non-standard call")).status_code == 201
    again = await _escalate(api, call["id"], user="operator2", reason="Still non-standard")
    assert again.status_code == 409
    assert "already escalated by operator1" in again.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 422, "reason"),
        ({"reason": "x"}, 422, "reason"),
        ({"reason": "Help", "kind": "panic"}, 422, "kind"),
        ({"reason": "Help", "extra": 1}, 422, "extra"),
    ],
)
async def test_bad_escalations_are_refused_and_store_nothing(
    api: Api, body: dict[str, Any], status: int, message: str
) -> None:
    call = await new_call(api)
    response = await _escalate(api, call["id"], **body)
    assert response.status_code == status
    assert message in response.text
    assert (await api.get("/api/v1/escalations", user="supervisor1")).json() == []


async def test_unknown_calls_and_foreign_cards_are_refused(api: Api) -> None:
    missing = await _escalate(api, str(uuid.uuid4()), reason="Non-standard call")
    assert missing.status_code == 404
    call, other = await new_call(api), await new_call(api)
    card = await new_card(api, call_id=other["id"])
    foreign = await _escalate(api, call["id"], reason="Non-standard call", card_id=card["id"])
    assert foreign.status_code == 422
    assert "is not the card of call" in foreign.json()["detail"]


async def test_operators_list_their_own_escalations_and_supervisors_everyone(api: Api) -> None:
    first, second = await new_call(api), await new_call(api)
    await _escalate(api, first["id"], reason="Abusive caller", kind="abusive_caller")
    await _escalate(api, second["id"], user="operator2", reason="Needs a psychologist")
    mine = (await api.get("/api/v1/escalations", user="operator1")).json()
    assert [e["call_id"] for e in mine] == [first["id"]]
    everyone = (await api.get("/api/v1/escalations?status=open", user="supervisor1")).json()
    assert {e["call_id"] for e in everyone} == {first["id"], second["id"]}
