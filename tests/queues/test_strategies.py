"""Each strategy of a queue, driven through the API on a ManualClock."""

from __future__ import annotations

import pytest

from tests.queues.conftest import Acd

pytestmark = pytest.mark.asyncio

UZ_VOICE = {"languages": {"uz": 0}, "channels": {"voice": 0}}


async def offered_to(acd: Acd, names: list[str]) -> str:
    """Post a call, tick once, and say who it was offered to; the caller then hangs up (a
    withheld number: no callback follows)."""
    call = await acd.call(caller_number=None)
    assert await acd.tick() == 1
    holders = [name for name in names if (await acd.offer(name) or {}).get("call_id") == call["id"]]
    assert len(holders) == 1, holders
    await acd.event(call["id"], "abandoned")  # frees the operator; counters stay as they were
    return holders[0]


async def test_longest_idle_fewest_calls_least_talk_time_and_round_robin(acd: Acd) -> None:
    names = ["pavel", "qodir", "rano"]
    for name in names:
        await acd.add_operator(name, **UZ_VOICE)
        await acd.state(name, "available")
    await acd.configure("voice-uz", strategy="longest-idle", wrap_up_s=0)
    # pavel: 3 short calls (15 s), idle longest; qodir: 1 long call (100 s); rano: 2 calls
    # (6 s), idle last.
    for name, talks in (("pavel", [5, 5, 5]), ("qodir", [100]), ("rano", [3, 3])):
        for other in names:
            if other != name:
                await acd.state(other, "on_break", "training")
        await acd.state(name, "available")
        for talk in talks:
            acd.clock.advance(1)
            await acd.handle(name, talk)
    for name in names:
        await acd.state(name, "available")
    counters = {name: await acd.me(name) for name in names}
    assert {n: (m["calls_taken"], m["talk_seconds"]) for n, m in counters.items()} == {
        "pavel": (3, 15.0),
        "qodir": (1, 100.0),
        "rano": (2, 6.0),
    }

    assert await offered_to(acd, names) == "pavel"
    await acd.configure("voice-uz", strategy="fewest-calls")
    assert await offered_to(acd, names) == "qodir"
    await acd.configure("voice-uz", strategy="least-talk-time")
    assert await offered_to(acd, names) == "rano"
    await acd.configure("voice-uz", strategy="round-robin")
    assert [await offered_to(acd, names) for _ in range(4)] == ["pavel", "qodir", "rano", "pavel"]


async def test_penalties_order_who_is_offered_first_and_skills_stay_mandatory(acd: Acd) -> None:
    # The seeded Uzbek queue ranks by penalty and admits every penalty at once (issue 19).
    assert (await acd.queue("voice-uz"))["queue"]["penalty_steps"] == [
        {"after_s": 0, "max_penalty": 9}
    ]
    await acd.add_operator("fluent", languages={"uz": 2}, channels={"voice": 0})
    await acd.add_operator("learner", languages={"uz": 1}, channels={"voice": 1})
    await acd.add_operator("russian", languages={"ru": 0}, channels={"voice": 0})
    for name in ("fluent", "learner", "russian"):
        await acd.state(name, "available")

    first = await acd.call()
    assert await acd.tick() == 1  # at once: the lowest penalty of those with the skills
    assert (await acd.offer("learner") or {}).get("call_id") == first["id"]
    second = await acd.call()
    assert await acd.tick() == 1  # the only one left with Uzbek, penalty 2, still at once
    assert (await acd.offer("fluent") or {}).get("call_id") == second["id"]
    third = await acd.call()
    assert await acd.tick() == 0  # never to an operator without the skill
    assert await acd.offer("russian") is None
    assert [
        c["call_id"] for c in (await acd.queue("voice-uz"))["calls"] if c["status"] == "waiting"
    ] == [third["id"]]


async def test_a_widening_window_holds_a_call_a_few_seconds_at_most(acd: Acd) -> None:
    await acd.configure(
        "voice-uz",
        strategy="skills",
        penalty_steps=[
            {"after_s": 0, "max_penalty": 0},
            {"after_s": 10, "max_penalty": 1},
            {"after_s": 20, "max_penalty": 2},
        ],
    )
    await acd.add_operator("fluent", languages={"uz": 2}, channels={"voice": 0})
    await acd.add_operator("learner", languages={"uz": 1}, channels={"voice": 1})
    await acd.add_operator("native", **UZ_VOICE)
    for name in ("fluent", "learner", "native"):
        await acd.state(name, "available")
    # The native speaker serves only the Russian queue today.
    moved = await acd.api.request(
        "PUT", "/api/v1/operators/native/queues", user="supervisor1", json={"queues": ["voice-ru"]}
    )
    assert moved.json()["queues"] == ["voice-ru"]

    call = await acd.call()
    assert await acd.tick() == 0  # penalty 0 first: only "native", who is not in voice-uz
    acd.clock.advance(4.9)
    assert await acd.tick() == 0
    acd.clock.advance(0.1)
    assert await acd.tick() == 1  # 5 s beside free operators with the skills: the best of them
    offer = await acd.offer("learner")
    assert offer is not None
    assert offer["call_id"] == call["id"]
    await acd.accept("learner")

    second = await acd.call()
    acd.clock.advance(5)
    assert await acd.tick() == 1  # not the configured 20 s
    assert (await acd.offer("fluent") or {}).get("call_id") == second["id"]

    # Back in every queue, the native speaker takes the next call at once.
    await acd.api.request(
        "PUT", "/api/v1/operators/native/queues", user="supervisor1", json={"queues": None}
    )
    third = await acd.call()
    assert await acd.tick() == 1
    assert (await acd.offer("native") or {}).get("call_id") == third["id"]
