"""Stopping is bounded: a background task that will not end cannot keep the server from
stopping (asyncpg and aiosqlite have known hangs when a task is cancelled mid-statement)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
import structlog

from dispatch.core.bus import Event
from dispatch.core.settings import Settings
from dispatch.core.workers import finish, stop_tasks
from tests.fixtures.api import running_api

pytestmark = pytest.mark.asyncio


async def _deaf(release: asyncio.Event, *, for_s: float = 20.0) -> None:
    """A task that swallows every cancellation until ``release`` is set (or ``for_s`` passed:
    were the product to wait for it, the test fails instead of hanging the run)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + for_s
    while not release.is_set() and loop.time() < deadline:
        try:
            await asyncio.wait_for(release.wait(), max(0.0, deadline - loop.time()))
        except (asyncio.CancelledError, TimeoutError):
            continue


async def _failing() -> None:
    raise RuntimeError("broken while stopping")


async def test_a_task_that_will_not_end_is_left_behind_with_the_place_it_waits_in() -> None:
    release = asyncio.Event()
    deaf = asyncio.create_task(_deaf(release), name="deaf")
    polite = asyncio.create_task(asyncio.sleep(3600), name="polite")
    failing = asyncio.create_task(_failing(), name="failing")
    await asyncio.sleep(0)
    with structlog.testing.capture_logs() as logged:
        await stop_tasks([deaf, polite, failing], within=0.2)
    assert polite.cancelled()
    assert not deaf.done()
    stuck = [entry for entry in logged if entry["event"] == "tasks.stuck"]
    assert [entry["task"] for entry in stuck] == ["deaf"]
    assert any("_deaf" in place for place in stuck[0]["awaiting"])
    failed = [entry for entry in logged if entry["event"] == "tasks.failed_stopping"]
    assert [entry["task"] for entry in failed] == ["failing"]
    release.set()
    await deaf


async def test_an_expected_error_of_a_stopping_task_is_not_reported() -> None:
    failing = asyncio.create_task(_failing())
    await asyncio.sleep(0)
    with structlog.testing.capture_logs() as logged:
        await stop_tasks([failing], within=1, expected=(RuntimeError,))
    assert logged == []


async def test_a_last_step_that_hangs_is_cut_short_and_one_that_fails_is_logged() -> None:
    with structlog.testing.capture_logs() as logged:
        await finish(asyncio.sleep(3600), name="sleeper", within=0.1)
        await finish(_failing(), name="failing", within=1)
        await finish(asyncio.sleep(0), name="quick", within=1)
    assert [(entry["event"], entry["task"]) for entry in logged] == [
        ("tasks.stuck", "sleeper"),
        ("tasks.failed_stopping", "failing"),
    ]


async def test_the_server_stops_although_a_worker_ignores_its_cancellation(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = asyncio.Event()
    entered = asyncio.Event()

    async def deaf_listener(*_: object) -> None:
        entered.set()
        await _deaf(release)

    monkeypatch.setattr("dispatch.core.workers.STOP_S", 0.3)
    monkeypatch.setattr("dispatch.cards.listeners.on_location_proposed", deaf_listener)
    try:
        # the app sets logging up as it starts: the capture begins after, ends after the stop
        with contextlib.ExitStack() as capturing:
            async with asyncio.timeout(30):  # a bound on the test, not a measurement
                async with running_api(settings) as api:
                    logged = capturing.enter_context(structlog.testing.capture_logs())
                    await api.runtime.bus.publish(Event("call.location_proposed", {"call_id": "x"}))
                    await asyncio.wait_for(entered.wait(), 10)
    finally:
        release.set()  # the loop's own end would wait for the deaf task for ever
    stuck = [entry for entry in logged if entry["event"] == "tasks.stuck"]
    assert [entry["task"] for entry in stuck] == ["cards.listeners"]
    assert any("deaf_listener" in place for place in stuck[0]["awaiting"])
