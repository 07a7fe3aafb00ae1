"""The busiest requests of a surge read nothing twice: an operator's accept reads its offer and
its operator's row together, does not look up the operator's own role nor the call it has just
locked, and an abandoned call's callback counts the caller's earlier attempts once (each
statement is a round trip, made with the call's row held). The gateway's ``ringing`` report,
which an accept arriving at the same instant waits for, checks its operator and command before
it takes the call's row and does not touch the queue entry."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from dispatch.calls.gateway.models import GatewayCommand
from dispatch.core.database import session_factory
from tests.fixtures.statements import statements
from tests.queues.conftest import Acd

pytestmark = pytest.mark.asyncio


async def test_an_accept_reads_neither_the_operators_role_nor_the_locked_call_again(
    acd: Acd,
) -> None:
    await acd.state("operator1", "available")
    call = await acd.call()
    assert await acd.tick() == 1
    offer = await acd.offer("operator1")
    assert offer is not None
    with statements(acd.api.runtime.engine) as seen:
        response = await acd.api.post(f"/api/v1/offers/{offer['id']}/accept", user="operator1")
    assert acd.check(response, 200)["status"] == "accepted"
    assert seen, "no statement seen: the listener is not on the app's engine"
    assert not [s for s in seen if "FROM users" in s], seen
    # The operator's row came with the offer; read alone only to be locked.
    assert "JOIN operators" in next(s for s in seen if s.startswith("SELECT")), seen
    alone = [s for s in seen if s.startswith("SELECT operators.")]
    assert len(alone) == 1, seen
    assert " FOR " in alone[0] or "sqlite" in str(acd.api.runtime.engine.url), alone
    assert not [s for s in seen if s.startswith("SELECT calls.caller_number")], seen
    # The call was read once (locked), and the connect command still went to the gateway.
    assert len([s for s in seen if s.startswith("SELECT calls.")]) == 1, seen
    assert [s for s in seen if s.startswith("INSERT INTO gateway_commands")], seen
    assert (await acd.me("operator1"))["call_id"] == call["id"]


async def test_a_gateways_event_naming_an_operator_still_checks_who_that_is(acd: Acd) -> None:
    call = await acd.call()
    with statements(acd.api.runtime.engine) as seen:
        await acd.event(call["id"], "ringing", operator="operator1")
    assert [s for s in seen if "FROM users" in s], seen
    answer = await acd.event(call["id"], "answered", expect=422, operator="analyst1")
    assert "not an operator or supervisor" in answer["detail"]


async def test_a_ringing_report_holds_the_calls_row_only_for_its_own_reads_and_writes(
    acd: Acd,
) -> None:
    await acd.state("operator1", "available")
    call = await acd.call()
    assert await acd.tick() == 1
    async with session_factory(acd.api.runtime.engine)() as session:
        command_id = await session.scalar(
            select(GatewayCommand.command_id).where(
                GatewayCommand.call_id == uuid.UUID(call["id"]), GatewayCommand.command == "offer"
            )
        )
    assert command_id is not None
    with statements(acd.api.runtime.engine) as seen:
        answer = await acd.event(
            call["id"], "ringing", operator="operator1", command_id=str(command_id)
        )
    assert answer["call_status"] == "ringing"
    locked = next(i for i, s in enumerate(seen) if s.startswith("SELECT calls."))
    before, held = seen[:locked], seen[locked:]
    # The operator and the command were checked, before the call's row was taken...
    assert [s for s in before if "FROM users" in s], seen
    assert [s for s in before if "FROM gateway_commands" in s], seen
    # ...and with it held: the call's events, then its writes; no queue entry read or locked.
    assert not [s for s in held if "FROM users" in s or "FROM gateway_commands" in s], held
    assert not [s for s in held if "queue_entries" in s], held
    # An answer still brings the entry in line (the call's operator is on it).
    await acd.event(call["id"], "answered", operator="operator1")
    assert (await acd.me("operator1"))["call_id"] == call["id"]


async def test_a_refused_events_errors_keep_their_order(acd: Acd) -> None:
    call = await acd.call()
    unknown = "0b5a1c1e-0c5e-4f43-9b59-2b4f0d4c0a11"
    # An unknown call is told before the operator and the command checked ahead of its lock.
    missing = await acd.event(unknown, "ringing", expect=404, operator="ghost", command_id=unknown)
    assert unknown in missing["detail"]
    # A repeat of a stored event is its earlier answer, the same id for another event a clash,
    # before any refusal of what it names.
    first = await acd.event(call["id"], "ringing", event_id="q-twice", operator="operator1")
    again = await acd.event(
        call["id"], "ringing", expect=200, event_id="q-twice", at=first["at"], operator="operator1"
    )
    assert again == first
    clash = await acd.event(
        call["id"], "ringing", expect=409, event_id="q-twice", at=first["at"], operator="ghost"
    )
    assert "already used" in clash["detail"]
    bad = await acd.event(call["id"], "answered", expect=422, operator="ghost", command_id=unknown)
    assert "operator" in bad["detail"]


async def test_an_abandoned_calls_callback_counts_the_earlier_attempts_once(acd: Acd) -> None:
    call = await acd.call()
    with statements(acd.api.runtime.engine) as seen:
        await acd.event(call["id"], "abandoned")
    assert [s for s in seen if s.startswith("INSERT INTO callback_tasks")], seen
    assert len([s for s in seen if "FROM callback_attempts" in s]) == 1, seen
