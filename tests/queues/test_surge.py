"""The surge policy (issue 22): judged from staffing or switched by a supervisor; in surge no
callback of an unclassified call is dialled by an operator who could take a waiting call, and
a priority 1–2 card's callback still goes first. Through the API, on a ManualClock."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.audit.models import AuditEntry
from dispatch.queues.assignment import tick
from dispatch.queues.worker import AcdWorker
from tests.fixtures.databases import fingerprint
from tests.queues.conftest import Acd

pytestmark = pytest.mark.asyncio

ACCIDENT = {"type": "road.accident_injuries", "victims": 1}  # priority 1


async def surge_tick(acd: Acd) -> int:
    """What the ACD worker does: judge the surge, then tick under that judgement."""
    worker = AcdWorker(acd.api.runtime)
    await worker.judge_surge()
    return (await tick(acd.api.runtime, surge=worker.surge)).offers


async def switch(acd: Acd, mode: str, reason: str | None = "earthquake in Namangan") -> Any:
    body: dict[str, Any] = {"mode": mode}
    if reason is not None:
        body["reason"] = reason
    return acd.check(
        await acd.api.request("PUT", "/api/v1/surge", user="supervisor1", json=body), 200
    )


async def test_a_supervisor_switches_the_surge_by_hand_with_a_reason_audited(
    acd: Acd, engine: AsyncEngine
) -> None:
    shown = acd.check(await acd.api.get("/api/v1/surge", user="operator1"), 200)
    assert (shown["active"], shown["mode"]) == (False, "auto")

    before = await fingerprint(engine)
    for user, body, status in [
        ("operator1", {"mode": "on", "reason": "x"}, 403),
        ("supervisor1", {"mode": "on"}, 422),  # by hand needs a reason
        ("supervisor1", {"mode": "on", "reason": "   "}, 422),
        ("supervisor1", {"mode": "sideways", "reason": "x"}, 422),
        ("supervisor1", {"mode": "on", "reason": "x" * 501}, 422),
    ]:
        refused = await acd.api.request("PUT", "/api/v1/surge", user=user, json=body)
        assert refused.status_code == status, (body, refused.text)
    assert await fingerprint(engine) == before  # refusals change nothing
    unexplained = await acd.api.request(
        "PUT", "/api/v1/surge", user="supervisor1", json={"mode": "off"}
    )
    assert unexplained.json()["detail_code"] == "surge_reason_needed"  # said in the UI language

    on = await switch(acd, "on")
    assert (on["active"], on["mode"], on["why"]) == (True, "on", "switched_on")
    assert (on["mode_set_by"], on["mode_reason"]) == ("supervisor1", "earthquake in Namangan")
    # The ACD's judgement keeps a supervisor's switch.
    await AcdWorker(acd.api.runtime).judge_surge()
    assert acd.check(await acd.api.get("/api/v1/surge", user="analyst1"), 200)["active"] is True

    back = await switch(acd, "auto", reason=None)
    assert (back["active"], back["mode"]) == (False, "auto")
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(AuditEntry.actor, AuditEntry.detail)
                .where(AuditEntry.action == "surge.mode_set")
                .order_by(AuditEntry.id)
            )
        ).all()
    assert [(actor, detail["mode"], detail["previous"]) for actor, detail in rows] == [
        ("supervisor1", "on", "auto"),
        ("supervisor1", "auto", "on"),
    ]


async def test_callers_waiting_past_the_target_with_nobody_free_put_the_centre_in_surge(
    acd: Acd,
) -> None:
    for _ in range(3):
        await acd.call()
    acd.clock.advance(60)  # past every queue's service-level target, nobody signed in
    await AcdWorker(acd.api.runtime).judge_surge()
    shown = acd.check(await acd.api.get("/api/v1/surge", user="supervisor1"), 200)
    assert (shown["active"], shown["mode"]) == (True, "auto")
    # Short by the callers waiting, or by Erlang C on the last ten minutes' arrivals: the same 3.
    assert shown["why"] in {"short_waiting", "short_erlang"}
    assert shown["figures"]["shortfall"] >= 3
    assert shown["figures"]["waiting_past_target"] == 3


async def test_a_burst_of_calls_in_the_last_minute_puts_the_centre_in_surge_at_once(
    acd: Acd,
) -> None:
    for name in ("operator1", "operator2"):
        await acd.state(name, "available")
    for _ in range(14):  # 14 calls in 7 s: the first has not waited the target (10 s) yet
        await acd.call()
        acd.clock.advance(0.5)
    worker = AcdWorker(acd.api.runtime)
    await worker.judge_surge()
    shown = acd.check(await acd.api.get("/api/v1/surge", user="supervisor1"), 200)
    assert (shown["active"], shown["why"]) == (True, "short_erlang")
    # Ten minutes' arrivals read 84 calls/h; the last minute's 14, a rise over none before,
    # show 508/h beyond doubt (95%).
    assert shown["figures"]["calls_per_hour"] >= 400
    assert shown["figures"]["waiting_past_target"] == 0


async def test_an_automatic_surge_holds_a_while_after_the_last_short_judgement(acd: Acd) -> None:
    runtime = acd.api.runtime
    runtime.settings = runtime.settings.model_copy(update={"surge_hold_s": 1200.0})
    calls = [await acd.call() for _ in range(3)]
    acd.clock.advance(60)  # callers waiting past the target, nobody signed in
    worker = AcdWorker(runtime)
    await worker.judge_surge()
    assert worker.surge is True
    for call in calls:
        await acd.event(call["id"], "abandoned")
    for name in ("operator1", "operator2"):  # staffed as Erlang C asks for the half hour's 3
        await acd.state(name, "available")
    acd.clock.advance(660)  # past the ten minutes whose arrivals count on their own
    held = AcdWorker(runtime)
    await held.judge_surge()  # judged staffed now, but short 11 minutes ago: held
    assert held.surge is True
    assert acd.check(await acd.api.get("/api/v1/surge", user="supervisor1"), 200)["active"]
    acd.clock.advance(600)  # past the hold: the surge ends
    ended = AcdWorker(runtime)
    await ended.judge_surge()
    assert ended.surge is False
    shown = acd.check(await acd.api.get("/api/v1/surge", user="supervisor1"), 200)
    assert (shown["active"], shown["why"]) == (False, "staffed")
