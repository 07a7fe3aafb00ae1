"""The hub's flush and refresh under load: the shared picture (the queue) goes out before a
slow personal part is done, and the periodic refresh marks each user once per period a slice
at a time, never every user at once."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import structlog

from dispatch.auth.roles import Role
from dispatch.consoles.hub import ConsoleHub
from dispatch.consoles.pacing import note_late, refresh_slice, watch_loop
from dispatch.consoles.views import ConsoleUser, Lookups, Part, PartContext, Touch, View
from dispatch.core.bus import Event
from dispatch.core.settings import Settings
from tests.fixtures.api import running_api
from tests.fixtures.waiting import eventually


class Sink:
    """A console's socket that keeps what was sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_text(self, data: str) -> None:
        self.sent.append(data)

    def credentials_changed(self) -> None:
        """Not asked here."""


async def _no_touches(event: Event, lookups: Lookups) -> list[Touch]:
    return []


def _user(name: str) -> ConsoleUser:
    return ConsoleUser(username=name, role=Role.OPERATOR, full_name=name, language="uz")


def _decoded(fragments: dict[str, str] | None) -> dict[str, Any] | None:
    return None if fragments is None else {k: json.loads(v) for k, v in fragments.items()}


@pytest.mark.asyncio
async def test_shared_parts_go_out_before_slow_personal_parts(settings: Settings) -> None:
    release = asyncio.Event()
    counter = {"shared": 0}

    async def shared(context: PartContext) -> int:
        counter["shared"] += 1
        return counter["shared"]

    async def slow(context: PartContext) -> str:
        if counter["shared"] > 1:
            await release.wait()  # a user's part that takes long (a slow query)
        return context.username

    view = View(
        name="test",
        roles=frozenset({Role.OPERATOR}),
        parts=(Part("queue", shared, shared=True), Part("mine", slow)),
        touches=_no_touches,
    )
    async with running_api(settings) as api:
        hub = ConsoleHub(api.runtime, [view], refresh_s=3600)
        console = hub.attach(Sink(), _user("operator1"), "test")
        await hub.flush()
        assert _decoded(console.snapshot) == {"queue": 1, "mine": "operator1"}
        console.snapshot = None  # as if sent

        hub.mark(view, [Touch("queue"), Touch("mine", "operator1")])
        flushing = asyncio.create_task(hub.flush())
        await eventually(
            lambda: console.pending.get("queue") == "2", what="the shared part handed out first"
        )
        assert not flushing.done()  # the personal part is still being computed
        release.set()
        await flushing


@pytest.mark.asyncio
async def test_the_running_hub_sends_a_shared_change_while_personal_parts_still_compute(
    settings: Settings,
) -> None:
    release = asyncio.Event()
    counter = {"shared": 0}

    async def shared(context: PartContext) -> int:
        counter["shared"] += 1
        return counter["shared"]

    async def slow(context: PartContext) -> str:
        if counter["shared"] > 1:
            await release.wait()
        return context.username

    view = View(
        name="test",
        roles=frozenset({Role.OPERATOR}),
        parts=(Part("queue", shared, shared=True), Part("mine", slow)),
        touches=_no_touches,
    )
    async with running_api(settings) as api:
        hub = ConsoleHub(api.runtime, [view], refresh_s=3600)
        subscription = api.runtime.bus.subscribe("test.nothing")
        running = asyncio.create_task(hub.run(subscription))
        try:
            sink = Sink()
            console = hub.attach(sink, _user("operator1"), "test")
            sender = asyncio.create_task(console.run(api.runtime.clock.now))
            await eventually(lambda: sink.sent, what="the snapshot")
            hub.mark(view, [Touch("mine", "operator1")])  # the user's parts: stuck
            await asyncio.sleep(0.3)
            hub.mark(view, [Touch("queue")])
            delta = await eventually(lambda: sink.sent[1:], what="the queue's delta")
            assert json.loads(delta[0])["parts"] == {"queue": 2}
            release.set()
            sender.cancel()
        finally:
            release.set()
            await subscription.close()
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)


@pytest.mark.asyncio
async def test_a_slow_flush_is_logged_with_how_long_it_took(settings: Settings) -> None:
    slow = {"on": False}

    async def shared(context: PartContext) -> int:
        if slow["on"]:
            await asyncio.sleep(1.5)  # a query held up behind a lock, say
        return 1

    view = View(
        name="test",
        roles=frozenset({Role.OPERATOR}),
        parts=(Part("queue", shared, shared=True),),
        touches=_no_touches,
    )
    async with running_api(settings) as api:
        # A bound well above what a flush takes on a loaded machine (0.2 s was not: CI run 83).
        hub = ConsoleHub(api.runtime, [view], refresh_s=3600, slow_flush_s=1.0)
        subscription = api.runtime.bus.subscribe("test.nothing")
        running = asyncio.create_task(hub.run(subscription))
        try:
            with structlog.testing.capture_logs() as logs:
                hub.attach(Sink(), _user("operator1"), "test")
                await eventually(lambda: hub.rounds >= 1, what="the first flush")
                assert not [e for e in logs if e["event"] == "consoles.flush_slow"]
                slow["on"] = True
                hub.mark(view, [Touch("queue")])
                found = await eventually(
                    lambda: [
                        e
                        for e in logs
                        if e["event"] == "consoles.flush_slow" and e["flush"] == "flush_shared"
                    ],
                    what="the slow flush's warning",
                )
            assert found[0]["flush"] == "flush_shared"
            assert found[0]["seconds"] >= 1.5
            assert found[0]["shared_parts"] == 1
            assert found[0]["users"] == 0
            assert found[0]["consoles"] == 1
            assert found[0]["log_level"] == "warning"
        finally:
            await subscription.close()
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)


# A shared value with everything JSON must escape, and what only ``default=str`` encodes.
AWKWARD = {
    "caller": "Ahmad \"Aka\" O'g'li \\ Тошкент 🚑",
    "lines": "one\ntwo\ttab\u2028",
    "nested": [{"n": 1, "x": None, "f": 0.1, "ok": True}, []],
    "empty": {},
}
AT = datetime(2026, 11, 22, 8, 35, tzinfo=UTC)


class Encodings:
    """A value JSON can only write through ``str()``: counts how often it was encoded."""

    count = 0

    def __str__(self) -> str:
        Encodings.count += 1
        return "encoded"


@pytest.mark.asyncio
async def test_a_changed_shared_part_is_encoded_once_and_spliced_into_every_console_message(
    settings: Settings,
) -> None:
    state: dict[str, Any] = {"waiting": 0}
    notes: dict[str, str] = {}

    async def queue(context: PartContext) -> dict[str, Any]:
        return {"waiting": state["waiting"], **AWKWARD, "at": AT, "tag": Encodings()}

    async def mine(context: PartContext) -> dict[str, Any]:
        return {
            "user": context.username,
            "note": notes.get(context.username, ""),
            "tag": Encodings(),
        }

    view = View(
        name="test",
        roles=frozenset({Role.OPERATOR}),
        parts=(Part("queue", queue, shared=True), Part("mine", mine)),
        touches=_no_touches,
    )
    users = [f"operator{n}" for n in range(10)]
    async with running_api(settings) as api:
        hub = ConsoleHub(api.runtime, [view], refresh_s=3600)
        sinks = {(user, n): Sink() for user in users for n in range(5)}  # 5 consoles a user
        consoles = {key: hub.attach(sink, _user(key[0]), "test") for key, sink in sinks.items()}
        senders = [
            asyncio.create_task(console.run(api.runtime.clock.now)) for console in consoles.values()
        ]
        try:
            encoded = Encodings.count
            await hub.flush()
            await eventually(lambda: all(s.sent for s in sinks.values()), what="the snapshots")
            # 50 snapshots sent: the queue encoded once, each user's part once (not per console).
            assert Encodings.count - encoded == 1 + len(users)
            for (user, _), sink in sinks.items():
                message = json.loads(sink.sent[0])
                assert list(message) == [
                    "type",
                    "seq",
                    "view",
                    "server_time",
                    "heartbeat_s",
                    "parts",
                ]
                assert message["type"] == "snapshot"
                assert message["seq"] == 1
                assert message["view"] == "test"
                assert message["heartbeat_s"] == 15.0
                assert message["parts"]["mine"] == {"user": user, "note": "", "tag": "encoded"}
                assert message["parts"]["queue"] == {
                    "waiting": 0,
                    **AWKWARD,
                    "at": str(AT),
                    "tag": "encoded",
                }

            # One change of the shared part: encoded once for all 50 consoles.
            state["waiting"] = 7
            encoded = Encodings.count
            hub.mark(view, [Touch("queue")])
            await hub.flush()
            await eventually(
                lambda: all(len(s.sent) == 2 for s in sinks.values()), what="the deltas"
            )
            assert Encodings.count - encoded == 1
            deltas = [json.loads(sink.sent[1]) for sink in sinks.values()]
            for message in deltas:
                assert list(message) == ["type", "seq", "server_time", "parts"]
                assert message["type"] == "delta"
                assert message["seq"] == 2
                assert message["parts"] == {"queue": deltas[0]["parts"]["queue"]}
                assert message["parts"]["queue"]["waiting"] == 7
                assert message["parts"]["queue"]["caller"] == AWKWARD["caller"]
                assert message["parts"]["queue"]["lines"] == AWKWARD["lines"]

            # A user's part is encoded once for all of that user's consoles, and reaches only
            # them; a shared part recomputed to the same value reaches nobody again.
            notes["operator3"] = "ringing"
            encoded = Encodings.count
            hub.mark(view, [Touch("mine", "operator3"), Touch("queue")])
            await hub.flush()
            assert Encodings.count - encoded == 2
            given = {key: console.pending for key, console in consoles.items() if console.pending}
            assert set(given) == {("operator3", n) for n in range(5)}
            fragments = [pending["mine"] for pending in given.values()]
            assert all(text is fragments[0] for text in fragments)  # one encoding, shared
            assert all(set(pending) == {"mine"} for pending in given.values())
            await eventually(
                lambda: all(len(sinks[key].sent) == 3 for key in given), what="operator3's deltas"
            )
            assert Encodings.count - encoded == 2
            assert json.loads(sinks[("operator3", 0)].sent[2])["parts"]["mine"]["note"] == "ringing"
        finally:
            for sender in senders:
                sender.cancel()
            await asyncio.gather(*senders, return_exceptions=True)


@pytest.mark.asyncio
async def test_the_refresh_skips_personal_parts_an_event_recomputed_lately(
    settings: Settings,
) -> None:
    async def value(context: PartContext) -> str:
        return context.username

    view = View(
        name="test",
        roles=frozenset({Role.OPERATOR}),
        parts=(Part("queue", value, shared=True), Part("state", value), Part("me", value)),
        touches=_no_touches,
    )
    async with running_api(settings) as api:
        # A period far longer than a flush on a loaded machine; its passing is simulated below.
        hub = ConsoleHub(api.runtime, [view], refresh_s=30.0)
        hub.attach(Sink(), _user("operator1"), "test")
        key = ("test", "operator1")
        assert hub.stale(key) == ["state", "me"]  # never computed
        await hub.flush()
        assert hub.stale(key) == []  # just computed (the snapshot)
        # Past half the period: the parts were computed 20 s ago, as far as the refresh knows.
        hub.computed_at[key] = {name: at - 20.0 for name, at in hub.computed_at[key].items()}
        hub.mark(view, [Touch("state", "operator1")])  # an event recomputes one part
        await hub.flush()
        assert hub.stale(key) == ["me"]


def test_the_refresh_comes_round_every_user_once_per_period_a_slice_at_a_time() -> None:
    users = [f"operator{n}" for n in range(500)]
    cursor, seen, sizes = 0, [], []
    for _ in range(30):  # one step a second over a 30 s period
        batch, cursor = refresh_slice(users, cursor, step_s=1.0, refresh_s=30.0)
        seen.extend(batch)
        sizes.append(len(batch))
    assert set(seen) == set(users)
    assert max(sizes) == 17  # never all 500 at once
    assert refresh_slice(users[:3], 2, step_s=1.0, refresh_s=0.5) == (
        ["operator2", "operator0", "operator1"],
        2,
    )
    assert refresh_slice([], 5, step_s=1.0, refresh_s=30.0) == ([], 0)


@pytest.mark.asyncio
async def test_a_late_event_and_a_held_event_loop_are_logged() -> None:
    # The probes beside the slow flush (consoles/pacing.py): what reached the hub late, and a
    # loop that something held. They log; nothing here asserts how long anything took.
    with structlog.testing.capture_logs() as logs:
        old = Event("call.created", {}, at=datetime.now(UTC) - timedelta(seconds=3))
        note_late(old, 1.0)
        note_late(Event("call.created", {}), 1.0)
        watcher = asyncio.create_task(watch_loop(0.05))
        try:
            await asyncio.sleep(0.01)
            time.sleep(0.4)  # noqa: ASYNC251 - the point: something holds the loop
            lags = await eventually(
                lambda: [e for e in logs if e["event"] == "consoles.loop_lag"],
                what="the loop's lag logged",
            )
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
    late = [e for e in logs if e["event"] == "consoles.event_late"]
    assert [(e["topic"], e["log_level"]) for e in late] == [("call.created", "warning")]
    assert late[0]["seconds"] >= 3
    assert lags[0]["seconds"] > 0.05
