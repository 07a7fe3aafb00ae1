"""A tick reads only what it can offer (the first calls of a queue, as many as there are free
operators who could take them) and still never leaves a free operator idle while a call they
could take waits — behind calls in a language nobody free speaks, behind calls meant for a busy
operator, behind callbacks nobody free may dial."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.callbacks.models import CallbackTask
from tests.queues.conftest import Acd

pytestmark = pytest.mark.asyncio

VOICE = {"channels": {"voice": 0}}


@contextmanager
def rows_read(engine: AsyncEngine, table: str) -> Iterator[list[object]]:
    """Every row the database returns meanwhile to a statement selecting the columns of
    ``table`` (``SELECT table.id, ...``): what the process reads of that table."""
    seen: list[object] = []

    def count(_conn: object, cursor: Any, statement: str, *_: object) -> None:
        if statement.lstrip().startswith(f"SELECT {table}."):
            # SQLAlchemy's async adapters hold a statement's rows here once it ran.
            seen.extend(cursor._rows)

    event.listen(engine.sync_engine, "after_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "after_cursor_execute", count)


@contextmanager
def loaded_objects(model: type[Any]) -> Iterator[list[object]]:
    """Every ``model`` object the ORM loads meanwhile (any session)."""
    seen: list[object] = []

    def load(target: object, _context: object) -> None:
        seen.append(target)

    event.listen(model, "load", load)
    try:
        yield seen
    finally:
        event.remove(model, "load", load)


async def waiting_ids(acd: Acd, queue: str) -> list[str]:
    """The calls waiting (not ringing) in a queue, in offering order."""
    calls = (await acd.queue(queue))["calls"]
    return [c["call_id"] for c in calls if c["status"] == "waiting"]


async def test_a_tick_reads_as_many_waiting_calls_as_operators_are_free(acd: Acd) -> None:
    await acd.configure("voice-uz", strategy="longest-idle")
    calls = [await acd.call(caller_number=None) for _ in range(30)]
    await acd.state("operator1", "available")
    with rows_read(acd.api.runtime.engine, "queue_entries") as rows:
        assert await acd.tick() == 1
    assert len(rows) == 1  # not the 30 waiting
    assert (await acd.offer("operator1") or {}).get("call_id") == calls[0]["id"]

    await acd.state("operator2", "available")  # Uzbek with penalty 1: the same queue
    with rows_read(acd.api.runtime.engine, "queue_entries") as rows:
        assert await acd.tick() == 1
    assert len(rows) == 1
    assert (await acd.offer("operator2") or {}).get("call_id") == calls[1]["id"]
    assert len(await waiting_ids(acd, "voice-uz")) == 28


async def test_a_call_in_a_language_nobody_free_speaks_does_not_block_the_next(
    acd: Acd,
) -> None:
    # voice-other needs the caller's own language (lang:{call}).
    english = [await acd.call(language="en", caller_number=None) for _ in range(3)]
    german = await acd.call(language="de", caller_number=None)
    assert {c["queue"] for c in [*english, german]} == {"voice-other"}
    await acd.add_operator("hans", languages={"de": 0}, **VOICE)
    await acd.state("hans", "available")
    with rows_read(acd.api.runtime.engine, "queue_entries") as rows:
        assert await acd.tick() == 1
    assert (await acd.offer("hans") or {}).get("call_id") == german["id"]
    assert len(rows) == 1  # the German call, read for the one German speaker free

    # Two free, one speaking English and German, one German only: both get a call in one tick
    # (the German speaker is not left idle behind the English calls).
    await acd.event(german["id"], "abandoned")
    second = await acd.call(language="de", caller_number=None)
    await acd.add_operator("mary", languages={"en": 0, "de": 1}, **VOICE)
    await acd.state("mary", "available")
    assert await acd.tick() == 2
    assert (await acd.offer("hans") or {}).get("call_id") == second["id"]
    assert (await acd.offer("mary") or {}).get("call_id") == english[0]["id"]
    assert await waiting_ids(acd, "voice-other") == [english[1]["id"], english[2]["id"]]


async def test_calls_meant_for_a_busy_operator_do_not_block_the_queue(acd: Acd) -> None:
    await acd.configure("voice-uz", strategy="longest-idle")
    await acd.state("operator2", "on_break", "coaching")
    meant = [await acd.call(caller_number=None) for _ in range(2)]
    for call in meant:  # a supervisor wants operator2, on a break, to take these
        moved = await acd.api.post(
            f"/api/v1/calls/{call['id']}/move", user="supervisor1", json={"operator": "operator2"}
        )
        assert moved.status_code == 200, moved.text
    other = await acd.call(caller_number=None)
    await acd.state("operator1", "available")
    assert await acd.tick() == 1
    assert (await acd.offer("operator1") or {}).get("call_id") == other["id"]

    await acd.state("operator2", "available")  # back: the oldest call meant for them
    assert await acd.tick() == 1
    assert (await acd.offer("operator2") or {}).get("call_id") == meant[0]["id"]


async def test_a_callback_nobody_free_may_dial_does_not_block_a_call(acd: Acd) -> None:
    # A dropped English call gets a callback task in voice-other, due at once; nobody speaks it.
    await acd.add_operator("john", languages={"en": 0}, **VOICE)
    await acd.state("john", "available")
    dropped = await acd.call(language="en")
    assert await acd.tick() == 1
    await acd.accept("john")
    await acd.state("operator1", "available")
    await acd.event(dropped["id"], "dropped")
    await acd.state("john", "signed_out")
    # The operator who had the call is gone; the task keeps for them no longer (no wait).
    uzbek = await acd.call(caller_number=None)
    with loaded_objects(CallbackTask) as tasks:
        assert await acd.tick() == 1
    assert tasks == []  # not locked: nobody free speaks English
    assert (await acd.offer("operator1") or {}).get("call_id") == uzbek["id"]
    pending = await acd.api.get(
        "/api/v1/callbacks", user="supervisor1", params={"status": "pending"}
    )
    assert [t["call_id"] for t in pending.json()["items"]] == [dropped["id"]]
