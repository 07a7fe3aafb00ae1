"""Cards that stall at a service: not acknowledged in time, not completed in time, or refused.

Deadlines come from the incident type (``ack_deadline_s``, ``complete_deadline_min``). The list
reads ``feed_service_status``, one row per (card, routed service) that ``track`` keeps in the
transaction of every card version that changes a service or the card's deadline inputs, by its
index on (status, routed time): only rows past the shortest deadline are read.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cardschema import ServiceStatus
from dispatch.cards.routing import Classifier, UnknownIncidentType
from dispatch.feeds.models import ServiceProgress

# Without an incident type the strictest norm applies.
DEFAULT_ACK_S = 30
DEFAULT_COMPLETE_MIN = 60
DONE = frozenset({ServiceStatus.COMPLETED})
REFUSED = frozenset({ServiceStatus.REFUSED, ServiceStatus.NOT_ACCEPTED})
# How far back to look (from the routing, or from the refusal); older stalled cards were long
# handled by hand.
WINDOW = timedelta(days=7)
PROGRESS = cast(Table, ServiceProgress.__table__)


@dataclass(frozen=True)
class FollowUp:
    """One card at one service that needs chasing, and why."""

    card_id: str
    number: str
    service: str
    service_status: str
    reason: str  # not_acknowledged | not_completed | refused
    since: datetime
    deadline: datetime | None
    incident_type: str | None
    priority: int | None


def _progress(document: Mapping[str, Any] | None) -> dict[str, tuple[Any, ...]]:
    """What the follow-up list needs of each routed service, from a card's JSON document."""
    if document is None or document["status"] == "open" or not document["services"]:
        return {}
    incident = document["incident"]
    found = {}
    for service in document["services"]:
        history = service["history"]
        found[service["code"]] = (
            service["status"],
            service["routed_at"],
            history[-1]["at"] if history else service["routed_at"],
            service["handoff"] is not None,
            incident["type"],
            incident["priority"],
            document["number"],
        )
    return found


async def track(
    session: AsyncSession,
    document: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    *,
    flush: bool,
) -> int:
    """Keep each routed service's row in step with a new card version (``document``, after
    ``previous``); writes only the services whose follow-up facts changed; returns how many."""
    before = _progress(previous)
    changed = [
        (code, facts) for code, facts in _progress(document).items() if before.get(code) != facts
    ]
    if not changed:
        return 0
    if flush:
        await session.flush()  # a new card's row must exist before these refer to it
    card_id = uuid.UUID(str(document["id"]))
    values = [
        {
            "card_id": card_id,
            "service_code": code,
            "status": status,
            "routed_at": datetime.fromisoformat(routed_at),
            "status_at": datetime.fromisoformat(status_at),
            "handed_off": handed_off,
            "incident_type": incident_type,
            "priority": priority,
            "number": number,
        }
        for code, (status, routed_at, status_at, handed_off, incident_type, priority, number) in (
            changed
        )
    ]
    await session.execute(_upsert(session.get_bind().dialect.name), values)
    return len(values)


@functools.cache
def _upsert(dialect_name: str) -> Any:
    """One statement per dialect, built once: building it per card version cost more than
    running it."""
    insert = (postgresql if dialect_name == "postgresql" else sqlite).insert(PROGRESS)
    kept = ("status", "routed_at", "status_at", "handed_off", "incident_type", "priority")
    return insert.on_conflict_do_update(
        index_elements=["card_id", "service_code"],
        set_={name: insert.excluded[name] for name in kept},
    )


def deadlines(classifier: Classifier, incident_type: str | None) -> tuple[int, int]:
    """Seconds to acknowledge and minutes to complete for an incident type (the strictest
    norm without one); the follow-up list and the period reports both measure against them."""
    try:
        kind = classifier.get(incident_type) if incident_type else None
    except UnknownIncidentType:
        kind = None
    if kind is None:
        return DEFAULT_ACK_S, DEFAULT_COMPLETE_MIN
    return kind.ack_deadline_s, kind.complete_deadline_min


async def follow_ups(
    session: AsyncSession, classifier: Classifier, *, now: datetime
) -> list[FollowUp]:
    """Every stalled (card, service), most urgent first (priority, then oldest deadline)."""
    kinds = list(classifier.types.values())
    soonest_ack = min([DEFAULT_ACK_S, *(k.ack_deadline_s for k in kinds)])
    soonest_complete = min([DEFAULT_COMPLETE_MIN, *(k.complete_deadline_min for k in kinds)])
    start = now - WINDOW
    waiting = ServiceStatus.ROUTED.value
    working = [
        s.value for s in ServiceStatus if s not in DONE and s not in REFUSED and s.value != waiting
    ]
    in_window = PROGRESS.c.routed_at >= start
    rows = await session.execute(
        select(PROGRESS).where(
            or_(
                and_(
                    PROGRESS.c.status.in_([s.value for s in REFUSED]),
                    PROGRESS.c.status_at >= start,
                ),
                and_(
                    PROGRESS.c.status == waiting,
                    in_window,
                    PROGRESS.c.routed_at <= now - timedelta(seconds=soonest_ack),
                ),
                and_(
                    # A service handed the card by phone while still "routed" is chased to
                    # complete, not to acknowledge.
                    PROGRESS.c.status.in_([*working, waiting]),
                    in_window,
                    PROGRESS.c.routed_at <= now - timedelta(minutes=soonest_complete),
                ),
            )
        )
    )
    found: list[FollowUp] = []
    for row in rows:
        status = ServiceStatus(row.status)
        ack_s, complete_min = deadlines(classifier, row.incident_type)
        reason: str | None = None
        deadline: datetime | None = None
        since = row.routed_at
        if status in REFUSED:
            reason, since = "refused", row.status_at
        elif status is ServiceStatus.ROUTED and not row.handed_off:
            deadline = row.routed_at + timedelta(seconds=ack_s)
            reason = "not_acknowledged" if deadline <= now else None
        else:
            deadline = row.routed_at + timedelta(minutes=complete_min)
            reason = "not_completed" if deadline <= now else None
        if reason is not None:
            found.append(
                FollowUp(
                    card_id=str(row.card_id),
                    number=row.number,
                    service=row.service_code,
                    service_status=status.value,
                    reason=reason,
                    since=since,
                    deadline=deadline,
                    incident_type=row.incident_type,
                    priority=row.priority,
                )
            )
    found.sort(key=urgency)
    return found


def urgency(item: FollowUp) -> tuple[int, datetime, str, str]:
    """Most urgent first: priority, then the oldest deadline (or refusal); ties by card
    number and service, so the list is the same on every read."""
    return (item.priority or 9, item.deadline or item.since, item.number, item.service)
