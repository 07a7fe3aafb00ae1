"""One console's sending: changes given while a send is under way merge into one delta holding
the latest value of each part, and a value the client already has is not sent again."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from dispatch.auth.roles import Role
from dispatch.consoles.console import Console
from dispatch.consoles.pacing import INTERVAL_S
from dispatch.consoles.views import ConsoleUser, Lookups, Part, PartContext, Touch, View
from dispatch.core.bus import Event
from tests.fixtures.waiting import eventually

LOOP_TURNS = 20  # enough for a woken task to send


class Sink:
    """A console's socket that keeps what was sent; ``gate`` cleared holds each send."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.sending = asyncio.Event()

    async def send_text(self, data: str) -> None:
        self.sending.set()
        await self.gate.wait()
        self.sent.append(json.loads(data))

    def credentials_changed(self) -> None:
        """Not asked here."""


async def _nothing(context: PartContext) -> None:
    return None


async def _no_touches(event: Event, lookups: Lookups) -> list[Touch]:
    return []


VIEW = View(
    name="test",
    roles=frozenset({Role.OPERATOR}),
    parts=(Part("queue", _nothing, shared=True), Part("mine", _nothing)),
    touches=_no_touches,
)
USER = ConsoleUser(username="operator1", role=Role.OPERATOR, full_name="O", language="uz")


def _now() -> datetime:
    return datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


async def _turns() -> None:
    for _ in range(LOOP_TURNS):
        await asyncio.sleep(0)


@asynccontextmanager
async def _sending() -> AsyncIterator[tuple[Sink, Console]]:
    """A console running on a :class:`Sink`, its snapshot sent; closed at the end."""
    sink = Sink()
    console = Console(sink, USER, VIEW, interval_s=INTERVAL_S)
    console.give_snapshot({"queue": "1", "mine": '"a"'})
    sender = asyncio.create_task(console.run(_now))
    try:
        await eventually(lambda: sink.sent, what="the snapshot")
        yield sink, console
    finally:
        console.close()
        await asyncio.wait_for(sender, timeout=10)


@pytest.mark.asyncio
async def test_changes_given_during_a_send_merge_into_one_delta_with_the_latest_values() -> None:
    async with _sending() as (sink, console):
        sink.gate.clear()
        sink.sending.clear()
        console.give({"queue": "2"})
        await asyncio.wait_for(sink.sending.wait(), timeout=10)  # held in the send
        console.give({"queue": "3"})
        console.give({"mine": '"b"'})
        console.give({"queue": "4"})
        console.give({"mine": '"a"'})  # back to what the client will have: still news
        sink.gate.set()
        await eventually(lambda: len(sink.sent) >= 3, what="the merged delta")
        await _turns()
        assert [m["parts"] for m in sink.sent[1:]] == [{"queue": 2}, {"queue": 4, "mine": "a"}]


@pytest.mark.asyncio
async def test_a_value_the_client_already_has_is_not_sent_again() -> None:
    async with _sending() as (sink, console):
        console.give({"queue": "1", "mine": '"a"'})
        await _turns()
        assert len(sink.sent) == 1
