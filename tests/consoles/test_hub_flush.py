"""The hub's flush and refresh under load: the shared picture (the queue) goes out before a
slow personal part is done, and the periodic refresh marks each user once per period a slice
at a time, never every user at once."""

from __future__ import annotations

import asyncio

import pytest

from dispatch.auth.roles import Role
from dispatch.consoles.hub import ConsoleHub, refresh_slice
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


async def _no_touches(event: Event, lookups: Lookups) -> list[Touch]:
    return []


def _user(name: str) -> ConsoleUser:
    return ConsoleUser(username=name, role=Role.OPERATOR, full_name=name, language="uz")


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
        assert console.snapshot == {"queue": 1, "mine": "operator1"}
        console.snapshot = None  # as if sent

        hub.mark(view, [Touch("queue"), Touch("mine", "operator1")])
        flushing = asyncio.create_task(hub.flush())
        await eventually(
            lambda: console.pending.get("queue") == 2, what="the shared part handed out first"
        )
        assert not flushing.done()  # the personal part is still being computed
        release.set()
        await flushing


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
