"""The busiest requests of a surge read nothing twice: an operator's accept reads its offer and
its operator's row together, does not look up the operator's own role nor the call it has just
locked, and an abandoned call's callback counts the caller's earlier attempts once (each
statement is a round trip, made with the call's row held)."""

from __future__ import annotations

import pytest

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


async def test_an_abandoned_calls_callback_counts_the_earlier_attempts_once(acd: Acd) -> None:
    call = await acd.call()
    with statements(acd.api.runtime.engine) as seen:
        await acd.event(call["id"], "abandoned")
    assert [s for s in seen if s.startswith("INSERT INTO callback_tasks")], seen
    assert len([s for s in seen if "FROM callback_attempts" in s]) == 1, seen
