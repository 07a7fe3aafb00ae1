"""The surveys' background work: a closed card is considered for a survey (``card.closed``),
and scheduled surveys are sent when due (sleeping until the next one or a new schedule).

A card closed while no server listened (a restart between its commit and the event) is not
asked: a survey is a courtesy, not a duty. A scheduled survey survives a restart (its row)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from dispatch.cards import events as card_events
from dispatch.cards.routing import default_classifier
from dispatch.core.actor import SYSTEM
from dispatch.core.bus import Event, Subscription
from dispatch.core.database import unit_of_work
from dispatch.core.leadership import led_by
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.core.settings import Settings
from dispatch.core.workers import stop_tasks
from dispatch.surveys import events, service
from dispatch.surveys.rules import SurveyRules

log = get_logger(__name__)
IDLE_S = 60.0  # another process's schedules are seen at least this often


def rules_of(settings: Settings) -> SurveyRules:
    """The sending rules the settings give (``DISPATCH_SURVEY_*``)."""
    return SurveyRules(
        enabled=settings.survey_enabled,
        channels=frozenset(settings.survey_channels),
        outcomes=frozenset(settings.survey_outcomes),
        quiet=timedelta(days=settings.survey_quiet_days),
        delay=timedelta(minutes=settings.survey_delay_minutes),
        reply_window=timedelta(days=settings.survey_reply_days),
    )


async def on_card_closed(runtime: Runtime, event: Event) -> str | None:
    """Consider the closed card for a survey; the survey's id or None."""
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        survey, why = await service.consider(
            session,
            SYSTEM,
            uuid.UUID(event.payload["card_id"]),
            policy=rules_of(runtime.settings),
            classifier=default_classifier(),
            now=runtime.clock.now(),
        )
    if survey is None:
        log.info("surveys.not_asked", card_id=event.payload["card_id"], why=why)
        return None
    return str(survey.id)


async def send_round(runtime: Runtime) -> datetime | None:
    """Send every due survey, each in its own transaction; when the next one falls due."""
    now = runtime.clock.now()
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        ready, later = await service.due(session, now=now)
    for survey_id in ready:
        try:
            async with unit_of_work(runtime.sessions, runtime.bus) as session:
                await service.send_due(session, SYSTEM, survey_id, now=now)
        except Exception:  # one survey's failure must not hold the others back
            log.exception("surveys.send_failed", survey_id=str(survey_id))
    return later


async def _listen(runtime: Runtime, subscription: Subscription) -> None:
    async for event in subscription:
        try:
            await on_card_closed(runtime, event)
        except Exception:  # one bad event must not stop the listener
            log.exception("surveys.card_event_failed", card_id=event.payload.get("card_id"))


async def _send(runtime: Runtime, subscription: Subscription) -> None:
    wake = asyncio.Event()
    waker = asyncio.create_task(_wake_on(subscription, wake), name="surveys.wake")
    try:
        while True:
            wake.clear()
            later = None
            try:
                later = await send_round(runtime)
            except Exception:  # the sender must outlive any single failure
                log.exception("surveys.sender_failed")
            wait = IDLE_S
            if later is not None:
                wait = min(IDLE_S, max(0.05, (later - runtime.clock.now()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), wait / max(runtime.settings.time_scale, 1e-6))
    finally:
        await stop_tasks([waker])


async def _wake_on(subscription: Subscription, wake: asyncio.Event) -> None:
    async for _ in subscription:
        wake.set()


@asynccontextmanager
async def survey_workers(runtime: Runtime) -> AsyncIterator[None]:
    """Listen for closed cards and send due surveys for as long as the app runs."""
    closed = runtime.bus.subscribe(card_events.CLOSED)
    # remote: one process sends (a singleton); surveys are scheduled in any of them.
    scheduled = runtime.bus.subscribe(events.SCHEDULED, remote=True)
    tasks = [
        asyncio.create_task(_listen(runtime, closed), name="surveys.listener"),
        asyncio.create_task(
            led_by(runtime.leadership, "surveys.sender", lambda: _send(runtime, scheduled)),
            name="surveys.sender",
        ),
    ]
    try:
        yield
    finally:
        await closed.close()
        await scheduled.close()
        await stop_tasks(tasks)
