"""The queues' summary adds today's counters up in the database and counts the signed-in
operators per state, skills and queues: the figures are those of adding each stored row up here
(``summary.period``) and of counting each operator one by one — over several intervals and
queues, with yesterday's rows left out, a threshold no queue has ignored, and operators sharing
their skills in different states."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.database import session_factory
from dispatch.queues import catalog, stats, summary
from dispatch.queues.catalog import QueueSpec
from dispatch.queues.models import Operator, QueueStat
from dispatch.queues.states import OperatorState
from tests.queues.conftest import START, Acd

pytestmark = pytest.mark.asyncio

S = OperatorState


def _row(queue: str, minutes: int, seed: int) -> QueueStat:
    """A counter row ``minutes`` after START, its numbers made from ``seed``."""
    row = stats.blank(queue, START + timedelta(minutes=minutes))
    row.entered, row.answered, row.abandoned = 10 + seed, 6 + seed, 2 + seed % 3
    row.completed, row.wrap_ups, row.ring_no_answer = 5 + seed, 4, seed % 2
    row.wait_sum, row.abandon_wait_sum = 31.5 + seed, 7.25 * seed
    row.talk_sum, row.wrap_sum, row.max_wait = 400.0 + seed, 60.0, 9.5 + seed
    row.answered_within = {"10": 3 + seed % 4, "20": 5 + seed % 2, "7": 1}
    row.abandoned_within = {"10": seed % 2} if seed % 3 else {}
    return row


async def test_the_summary_adds_up_what_each_row_would(acd: Acd, engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    rows = [
        _row("voice-uz", -9 * 60 - 15, 1),  # yesterday, 23:45 in Tashkent: not today
        _row("voice-uz", -9 * 60, 2),  # midnight
        _row("voice-uz", -15, 3),
        _row("voice-uz", 0, 4),  # the current interval
        _row("voice-ru", -6 * 60, 5),
        _row("voice-ru", 0, 6),
        _row("video-sign", -4 * 60, 7),
        _row("video-sign", 0, 8),
    ]
    async with sessions() as session:
        session.add_all(rows)
        await session.commit()
    skills = (await acd.me("operator1"))["skills"]
    await acd.set_skills("operator2", **skills)
    await acd.add_operator("operator9", **skills)
    for name in ("operator1", "operator2", "operator9"):
        await acd.state(name, "available")
    await acd.state("operator9", "on_break", "lunch")
    acd.clock.advance(5 * 60)

    found = await acd.summary()

    async with sessions() as session:
        queues = await catalog.queues(session)
        stored = (await session.scalars(select(QueueStat))).all()
        people = (
            await session.scalars(select(Operator).where(Operator.state != S.SIGNED_OUT.value))
        ).all()
    day = summary.today_start(acd.clock.now(), acd.api.runtime.settings.tz)
    today = [row for row in stored if row.interval_start >= day]
    now_rows = [row for row in today if row.interval_start == START]
    assert (len(today), len(now_rows)) == (7, 3)

    current = START.astimezone(acd.api.runtime.settings.tz)

    def expected(queue: QueueSpec | None, targets: Any) -> dict[str, Any]:
        """The queue's (None: all) figures from each row added up here, each person counted."""
        mine = [r for r in today if queue is None or r.queue == queue.name]
        states: dict[str, int] = defaultdict(int)
        for person in people:
            group = summary.Group(person.state, person.skills, person.queues, 1)
            if queue is None or summary._serves(group, queue):
                states[person.state] += 1
        return {
            "available": states[S.AVAILABLE.value],
            "busy": sum(states[s] for s in summary.BUSY),
            "on_break": states[S.ON_BREAK.value],
            "signed_in": sum(states.values()),
            "today": summary.period(day, mine, targets).model_dump(mode="json"),
            "interval": summary.period(
                current, [r for r in mine if r in now_rows], targets
            ).model_dump(mode="json"),
        }

    def shown(item: dict[str, Any]) -> dict[str, Any]:
        keys = ("available", "busy", "on_break", "signed_in", "today", "interval")
        return {k: item[k] for k in keys}

    for queue in queues:
        item = next(q for q in found["queues"] if q["name"] == queue.name)
        targets = [(int(t["seconds"]), float(t["percent"])) for t in queue.sl_targets]
        assert shown(item) == expected(queue, targets), queue.name
    assert shown(found["overall"]) == expected(None, summary.common_targets(queues))
    overall = found["overall"]
    assert overall["today"]["entered"] == sum(r.entered for r in today)
    assert (overall["available"], overall["on_break"], overall["signed_in"]) == (2, 1, 3)
    assert found["overall"]["interval"]["answered"] == 6 + 4 + 6 + 6 + 6 + 8
