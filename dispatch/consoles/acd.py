"""The ACD (``dispatch.queues``) as the consoles need it, through its service functions."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.errors import spoken
from dispatch.queues import offers, service, summary
from dispatch.queues.schemas import OfferOut, QueueStatsOut, Skills
from dispatch.queues.states import OperatorState

# States in which the operator's ``call_id`` is the call they work on (not just ringing).
WORKING = frozenset({OperatorState.ON_CALL.value, OperatorState.WRAP_UP.value})


async def operator_state(session: AsyncSession, username: str) -> dict[str, Any]:
    """The operator's state as the console shows it."""
    row = await service.get_operator(session, username)
    return {
        "state": row.state,
        "reason": row.reason,
        **spoken("reason", row.reason_said),
        "since": iso(row.state_since),
        "call_id": str(row.call_id) if row.call_id else None,
        "queue": row.queue,
        "wrap_up_until": iso(row.wrap_up_until),
        "skills": Skills.from_flat(dict(row.skills or {})).model_dump(mode="json"),
        "queues": row.queues,
        "calls_taken": row.calls_taken,
    }


async def working_call(session: AsyncSession, username: str) -> str | None:
    """The call the operator is on or wrapping up, if any."""
    row = await service.get_operator(session, username)
    return str(row.call_id) if row.call_id and row.state in WORKING else None


async def current_offer(session: AsyncSession, username: str) -> dict[str, Any] | None:
    """The call ringing at the operator's console now, if any."""
    offer = await offers.active_for_operator(session, username)
    return OfferOut.model_validate(offer).model_dump(mode="json") if offer else None


async def heartbeat(session: AsyncSession, username: str, *, now: datetime) -> object:
    """A console is there: keeps its operator (or a supervisor taking calls) in the rotation.
    Nothing is written for someone signed out of the ACD — signing in stamps the time anyway —
    so 500 idle consoles do not take the database's write lock every few milliseconds."""
    row = await service.get_operator(session, username)
    if row.state == OperatorState.SIGNED_OUT.value:
        return None
    return await service.heartbeat(session, username, now=now)


async def queue_summary(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """Waiting calls, longest wait, operators free and today's service level, per queue."""
    result = await summary.summary(session, now=now, tz=tz)
    return {
        "at": iso(result.at),
        "overall": _brief(result.overall),
        "queues": [_brief(item) for item in result.queues],
    }


def queue_now(item: QueueStatsOut) -> dict[str, Any]:
    """A queue (or all together) now: calls waiting and offered, operators free and busy; the
    part the operator's and the supervisor's consoles both show."""
    return {
        "name": item.name,
        "title": item.title,
        "names": item.names,
        "waiting": item.waiting,
        "offered": item.offered,
        "longest_wait_s": item.longest_wait_s,
        "available": item.available,
        "busy": item.busy,
        "on_break": item.on_break,
    }


def _brief(item: QueueStatsOut) -> dict[str, Any]:
    levels = item.today.service_level
    return {
        **queue_now(item),
        "answered_today": item.today.answered,
        "abandoned_today": item.today.abandoned,
        "service_level_today": levels[0].model_dump(mode="json") if levels else None,
    }


def iso(value: datetime | None) -> str | None:
    """An instant as ISO 8601 text for a console part (None stays None)."""
    return value.isoformat() if value else None
