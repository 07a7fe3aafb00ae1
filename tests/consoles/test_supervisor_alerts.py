"""What the supervisor is told when callers wait: the service level counting the callers still
waiting past the target, alerts one per queue and kind (long waits, service level, ring-outs),
and a staffing hint that agrees with the queue — on a ManualClock, through the parts the
supervisor stream carries."""

from __future__ import annotations

from typing import Any

import pytest

from dispatch.consoles import supervisor_parts
from dispatch.consoles.views import PartContext
from dispatch.core.database import unit_of_work
from tests.queues.conftest import START, Acd, acd, clock

__all__ = ["acd", "clock"]

pytestmark = pytest.mark.asyncio


async def at(acd: Acd, second: float) -> None:
    """Move the clock to ``second`` seconds after the start."""
    acd.clock.advance(second - (acd.clock.now() - START).total_seconds())


async def parts(acd: Acd, *names: str) -> dict[str, Any]:
    """The supervisor parts ``names`` computed now, in one round."""
    runtime = acd.api.runtime
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        context = PartContext(session=session, runtime=runtime, user=None, now=acd.clock.now())
        return {name: await getattr(supervisor_parts, name)(context) for name in names}


async def two_callers_waiting_after_a_ring_out(acd: Acd) -> tuple[str, str]:
    """operator1 lets an offer ring out and goes on break; two callers wait 40 and 35 s."""
    await acd.configure("voice-uz", offer_timeout_s=10)
    await acd.state("operator1", "available")
    first = await acd.call()
    assert await acd.tick() == 1
    await at(acd, 5)
    second = await acd.call()
    await at(acd, 11)
    await acd.tick()  # the offer rings out
    await acd.state("operator1", "on_break", "training")
    await at(acd, 40)
    return first["id"], second["id"]


async def test_callers_waiting_past_the_target_count_as_missed(acd: Acd) -> None:
    await two_callers_waiting_after_a_ring_out(acd)
    uz = next(q for q in (await acd.summary())["queues"] if q["name"] == "voice-uz")
    ten, twenty = uz["interval"]["service_level"]
    # Nobody answered: the answered-only figure has nothing to say, the callers' figure is 0.
    assert (ten["percent"], ten["waiting_past"], ten["percent_with_waiting"]) == (None, 2, 0.0)
    assert (twenty["waiting_past"], twenty["percent_with_waiting"]) == (2, 0.0)
    assert uz["today"]["service_level"][0]["waiting_past"] == 2


async def test_alerts_come_one_per_queue_and_kind(acd: Acd) -> None:
    first, second = await two_callers_waiting_after_a_ring_out(acd)
    alerts = (await parts(acd, "alerts"))["alerts"]
    uz = [a for a in alerts if a["queue"] == "voice-uz"]
    assert [a["kind"] for a in uz] == [
        "long_wait",
        "service_level",
        "service_level",
        "ring_no_answer",
    ]
    waiting, now, today, rang = uz
    assert (waiting["count"], waiting["call_id"], waiting["call_ids"]) == (
        2,
        first,
        [first, second],
    )
    assert (now["period"], today["period"]) == ("now", "today")
    assert (now["percent"], now["answered_percent"], now["waiting_past"]) == (0.0, None, 2)
    assert (rang["count"], rang["operators"], rang["window_minutes"]) == (1, ["operator1"], 15)
    assert [a["queue"] for a in alerts] == sorted(a["queue"] for a in alerts)

    # Fifteen minutes later the ring-out is old news; the waiting callers are not.
    await at(acd, 40 + 15 * 60)
    later = (await parts(acd, "alerts"))["alerts"]
    assert "ring_no_answer" not in {a["kind"] for a in later}
    assert "long_wait" in {a["kind"] for a in later}


async def test_the_staffing_hint_agrees_with_callers_waiting_and_nobody_free(acd: Acd) -> None:
    # operator2 is on a call; two more callers wait 40 and 35 s; nobody else is free.
    await acd.state("operator2", "available")
    await acd.call()
    assert await acd.tick() == 1
    await acd.accept("operator2")
    await acd.call()
    await at(acd, 5)
    await acd.call()
    await at(acd, 40)
    staffing = (await parts(acd, "staffing"))["staffing"]
    assert staffing["available"] is True
    assert (staffing["staffed"], staffing["waiting_past_target"]) == (1, 2)
    # Three calls in the last half hour ask Erlang C for fewer operators than the queue shows:
    # the hint goes by the queue (one on shift, two callers waiting past the target, none free).
    assert staffing["basis"] == "waiting"
    assert (staffing["shortfall"], staffing["needed"]) == (2, 3)
    assert staffing["observed_percent"] == 33.33
