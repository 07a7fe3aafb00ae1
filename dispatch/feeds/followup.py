"""Cards that stall at a service: not acknowledged in time, not completed in time, or refused.

Deadlines come from the incident type (``ack_deadline_s``, ``complete_deadline_min``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cardschema import ServiceStatus
from dispatch.cards import store
from dispatch.cards.models import CardRow
from dispatch.cards.routing import Classifier, UnknownIncidentType

# Without an incident type the strictest norm applies.
DEFAULT_ACK_S = 30
DEFAULT_COMPLETE_MIN = 60
DONE = frozenset({ServiceStatus.COMPLETED})
REFUSED = frozenset({ServiceStatus.REFUSED, ServiceStatus.NOT_ACCEPTED})
# How far back to look; older stalled cards were long handled by hand.
WINDOW = timedelta(days=7)


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


async def follow_ups(
    session: AsyncSession, classifier: Classifier, *, now: datetime
) -> list[FollowUp]:
    """Every stalled (card, service), most urgent first (priority, then oldest deadline)."""
    rows = await session.scalars(
        select(CardRow).where(
            CardRow.status.in_(("routed", "closed")), CardRow.updated_at >= now - WINDOW
        )
    )
    found: list[FollowUp] = []
    for row in rows.all():
        card = store.to_card(row)
        try:
            kind = classifier.get(card.incident.type) if card.incident.type else None
        except UnknownIncidentType:
            kind = None
        ack_s = kind.ack_deadline_s if kind else DEFAULT_ACK_S
        complete_min = kind.complete_deadline_min if kind else DEFAULT_COMPLETE_MIN
        for service in card.services:
            if service.status in DONE:
                continue
            reason: str | None = None
            deadline: datetime | None = None
            if service.status in REFUSED:
                reason = "refused"
                since = service.history[-1].at if service.history else service.routed_at
            elif service.status is ServiceStatus.ROUTED and service.handoff is None:
                deadline = service.routed_at + timedelta(seconds=ack_s)
                reason = "not_acknowledged" if deadline <= now else None
                since = service.routed_at
            else:
                deadline = service.routed_at + timedelta(minutes=complete_min)
                reason = "not_completed" if deadline <= now else None
                since = service.routed_at
            if reason is not None:
                found.append(
                    FollowUp(
                        card_id=str(card.id),
                        number=card.number,
                        service=service.code,
                        service_status=service.status.value,
                        reason=reason,
                        since=since,
                        deadline=deadline,
                        incident_type=card.incident.type,
                        priority=card.incident.priority,
                    )
                )
    found.sort(key=lambda f: (f.priority or 9, f.deadline or f.since))
    return found
