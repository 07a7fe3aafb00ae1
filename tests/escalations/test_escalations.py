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


async def test_a_supervisor_takes_then_resolves_an_escalation_audited_and_published(
    api: Api, engine: AsyncEngine
) -> None:
    call = await new_call(api)
    raised = (await _escalate(api, call["id"], reason="Needs a psychologist")).json()
    events = api.runtime.bus.subscribe("escalation.changed")
    taken = await api.post(f"/api/v1/escalations/{raised['id']}/take", user="supervisor1")
    assert taken.status_code == 200, taken.text
    assert (taken.json()["status"], taken.json()["taken_by"]) == ("taken", "supervisor1")
    again = await api.post(f"/api/v1/escalations/{raised['id']}/take", user="supervisor1")
    assert again.json()["taken_at"] == taken.json()["taken_at"]  # taking one's own: no change
    resolved = await api.post(
        f"/api/v1/escalations/{raised['id']}/resolve",
        user="supervisor1",
        json={"resolution": "Psychologist of the 1146 line took the caller"},
    )
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert (body["status"], body["resolution"]) == (
        "resolved",
        "Psychologist of the 1146 line took the caller",
    )
    assert body["resolved_at"] is not None
    published = [events.queue.get_nowait().payload for _ in range(2)]  # type: ignore[attr-defined]
    assert [(p["status"], p["operator"], p["taken_by"]) for p in published] == [
        ("taken", "operator1", "supervisor1"),
        ("resolved", "operator1", "supervisor1"),
    ]
    async with engine.connect() as conn:
        audited = (
            await conn.execute(
                text(
                    "SELECT action, actor FROM audit_log WHERE action LIKE 'escalation.%' "
                    "ORDER BY id"
                )
            )
        ).all()
    assert [tuple(row) for row in audited] == [
        ("escalation.take", "supervisor1"),
        ("escalation.resolve", "supervisor1"),
    ]
    # Resolved, the call may be escalated again.
    assert (await _escalate(api, call["id"], reason="Caller is back")).status_code == 201


async def test_escalation_steps_the_table_does_not_allow_are_refused(api: Api) -> None:
    created = await api.post(
        "/api/v1/users",
        user="admin",
        json={"username": "supervisor2", "role": "supervisor", "password": "supervisor2"},
    )
    assert created.status_code == 201, created.text
    call = await new_call(api)
    raised = (await _escalate(api, call["id"], reason="Non-standard call")).json()
    url = f"/api/v1/escalations/{raised['id']}"
    assert (await api.post(f"{url}/take", user="supervisor1")).status_code == 200
    theirs = await api.post(f"{url}/resolve", user="supervisor2", json={"resolution": "Done"})
    assert theirs.status_code == 409
    assert "supervisor1 took this escalation" in theirs.json()["detail"]
    other = await api.post(f"{url}/take", user="supervisor2")
    assert other.status_code == 409
    assert "already taken by supervisor1" in other.json()["detail"]
    done = await api.post(f"{url}/resolve", user="supervisor1", json={"resolution": "Done"})
    assert done.status_code == 200
    assert (await api.post(f"{url}/take", user="supervisor1")).status_code == 409
    twice = await api.post(f"{url}/resolve", user="supervisor1", json={"resolution": "Again"})
    assert twice.status_code == 409
    assert "already resolved" in twice.json()["detail"]
    missing = await api.post(f"/api/v1/escalations/{uuid.uuid4()}/take", user="supervisor1")
    assert missing.status_code == 404
    empty = await api.post(f"{url}/resolve", user="supervisor1", json={})
    assert empty.status_code == 422


async def test_an_open_escalation_can_be_resolved_at_once(api: Api) -> None:
    call = await new_call(api)
    raised = (await _escalate(api, call["id"], reason="Wrong number, says sorry")).json()
    done = await api.post(
        f"/api/v1/escalations/{raised['id']}/resolve",
        user="supervisor1",
        json={"resolution": "Nothing to do"},
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["taken_by"]) == ("resolved", "supervisor1")
