"""Typed bus topics: the names they stand for, what subscriptions by them receive, and mypy
refusing a payload that does not fit its topic."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TypedDict

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.cards import events as card_events
from dispatch.core.bus import Event, InProcessBus, emit
from dispatch.core.database import session_factory, unit_of_work
from dispatch.core.events import EVERY, Prefix, Topic

ROOT = Path(__file__).resolve().parents[2]


class Closed(TypedDict):
    card_id: str
    number: str


CLOSED = Topic[Closed]("card.closed")


def test_topics_prefixes_and_families_stand_for_their_names() -> None:
    assert CLOSED.pattern == "card.closed"
    assert card_events.CARD("closed") == card_events.CLOSED == CLOSED
    assert card_events.CARD.pattern == "card.*"
    assert card_events.CARD.covers("card.closed")
    assert not card_events.CARD.covers("cards.closed")
    assert Prefix("queue.").pattern == "queue.*"
    assert EVERY.pattern == "*"
    assert EVERY.covers("anything")


def test_of_gives_the_payload_of_its_own_topic_only() -> None:
    event = Event("card.closed", {"card_id": "c1", "number": "N-1"})
    assert CLOSED.of(event) == {"card_id": "c1", "number": "N-1"}
    assert card_events.CREATE.of(event) is None


@pytest.mark.asyncio
async def test_emit_publishes_the_payload_as_built_to_subscribers_by_constant(
    engine: AsyncEngine,
) -> None:
    bus = InProcessBus()
    exact, family, other = (
        bus.subscribe(CLOSED),
        bus.subscribe(card_events.CARD),
        bus.subscribe(card_events.CREATE),
    )
    payload = Closed(card_id="c1", number="N-1")
    async with unit_of_work(session_factory(engine), bus) as session:
        emit(session, CLOSED, payload)
    got = exact.queue.get_nowait()
    assert got is not None
    assert got.topic == "card.closed"
    assert got.payload is payload  # the same dict: keys and order exactly as built
    assert list(got.payload) == ["card_id", "number"]
    assert family.queue.get_nowait() is got
    assert other.queue.empty()
    await bus.close()


SNIPPET = """
    from sqlalchemy.ext.asyncio import AsyncSession

    from dispatch.cards import events
    from dispatch.core.bus import emit


    def each(session: AsyncSession) -> None:
        emit(session, events.PROTOCOL_PENDING, events.ProtocolPending(card_id="1", run_id="2"))
        emit(session, events.CARD("closed"), events.CardChanged(
            card_id="1", number="N", version=2, status="closed", owner=None, outcome="no_incident"))
        emit(session, events.PROTOCOL_PENDING, events.ProtocolPending(card_id="1", run="2"))
        emit(session, events.CARD("closed"), events.CardChanged(
            card_id="1", number="N", version="2", status="closed", owner=None))
        emit(session, events.CARD("closed"), events.CardChanged(
            card_id="1", number="N", version=2, status="closed", owner=None, outcom="no_incident"))
        emit(session, events.CLOSED, events.ProtocolPending(card_id="1", run_id="2"))
        emit(session, events.CARD("opened"), events.CardChanged(
            card_id="1", number="N", version=2, status="closed", owner=None))
        emit(session, events.PROTOCOL_PENDING, {"card_id": "1", "run_id": "2"})
        emit(session, "protocol.pending", events.ProtocolPending(card_id="1", run_id="2"))
"""


def test_mypy_refuses_a_payload_that_does_not_fit_its_topic(tmp_path: Path) -> None:
    """The first two emits fit; each later one is refused: a wrong key, a wrong type, an
    unknown detail key, another topic's payload, a change cards do not make, a bare dict,
    a name written as a string."""
    (tmp_path / "snippet.py").write_text(textwrap.dedent(SNIPPET), encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--follow-imports=silent",
            f"--cache-dir={tmp_path / 'cache'}",
            "snippet.py",
        ],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = {int(n) for n in re.findall(r"^snippet\.py:(\d+): error", result.stdout, re.M)}
    emits = [
        node
        for node in ast.walk(ast.parse(textwrap.dedent(SNIPPET)))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "emit"
    ]
    emits.sort(key=lambda node: node.lineno)
    refused = [any(e.lineno <= n <= (e.end_lineno or e.lineno) for n in lines) for e in emits]
    assert refused == [False, False, True, True, True, True, True, True, True], result.stdout
