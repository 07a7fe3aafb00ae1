"""What the supervisor console shows, each a function of one round's ``PartContext``.

Every value here is computed through the owning capability's service functions (the ACD's
summary and floor, escalations, cards, feeds' follow-up, analytics' Erlang C). Values that
change with time alone carry the instant they count from (``entered_at``, ``since``), so the
screen can count on its own between updates without a delta every second.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from dispatch.auth import service as auth
from dispatch.calls import service as calls
from dispatch.cards import lifecycle
from dispatch.cards import service as cards
from dispatch.cards import store as card_store
from dispatch.cards.routing import default_classifier
from dispatch.consoles.acd import iso, queue_now
from dispatch.consoles.views import PartContext
from dispatch.control import legs as control_legs
from dispatch.errors import spoken
from dispatch.escalations import service as escalations
from dispatch.escalations.schemas import EscalationOut, EscalationStatus
from dispatch.feeds import followup
from dispatch.queues import floor, queue_log, service, shortfall, summary
from dispatch.queues.schemas import (
    PeriodOut,
    QueuesSummary,
    QueueStatsOut,
    ServiceLevelOut,
    Skills,
)
from dispatch.queues.states import QUEUED, QueueEvent
from dispatch.queues.supervisor import Placed

OPEN_CALLS = 200
OPEN_CARDS = 50
FOLLOW_UPS = 100
RESOLVED_SHOWN = 10


async def _summary(context: PartContext) -> QueuesSummary:
    tz = context.runtime.settings.tz
    return await context.once(
        "acd.summary", lambda: summary.summary(context.session, now=context.now, tz=tz)
    )


async def _open_calls(context: PartContext) -> list[Placed]:
    return await context.once("acd.open_calls", lambda: floor.open_calls(context.session))


# -- queues, calls, operators --------------------------------------------------------------------


async def queues(context: PartContext) -> dict[str, Any]:
    """Every queue and all together: waiting, longest wait, service level now and today."""
    result = await _summary(context)
    return {
        "interval_minutes": result.interval_minutes,
        "wait_alert_s": context.runtime.settings.supervisor_wait_alert_s,
        "overall": _queue(result.overall),
        "queues": [_queue(item) for item in result.queues],
    }


def _queue(item: QueueStatsOut) -> dict[str, Any]:
    return {
        **queue_now(item),
        "signed_in": item.signed_in,
        "now": _period(item.interval),
        "today": _period(item.today),
    }


def _period(period: PeriodOut) -> dict[str, Any]:
    return {
        "start": period.start.isoformat(),
        "entered": period.entered,
        "answered": period.answered,
        "abandoned": period.abandoned,
        "abandon_percent": period.abandon_percent,
        "asa_s": period.asa_s,
        "avg_handle_s": period.avg_handle_s,
        "service_level": [level.model_dump(mode="json") for level in period.service_level],
    }


async def open_calls(context: PartContext) -> list[dict[str, Any]]:
    """Calls waiting (in offering order per queue), ringing and connected, with the caller."""
    found = []
    shown = (await _open_calls(context))[:OPEN_CALLS]
    legs: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for leg in await control_legs.open_on(context.session, [item.entry.call_id for item in shown]):
        legs.setdefault(leg.call_id, []).append(
            {
                "id": str(leg.id),
                "kind": leg.kind.value,
                "mode": leg.mode.value if leg.mode else None,
                "status": leg.status.value,
                "requested_by": leg.requested_by,
                "target": leg.target,
                "target_name": leg.target_name,
            }
        )
    for item in shown:
        entry = item.entry
        call = await calls.get_call(context.session, entry.call_id)
        found.append(
            {
                "call_id": str(entry.call_id),
                "queue": entry.queue,
                "status": entry.status,
                "priority": entry.priority,
                "position": item.position,
                "entered_at": entry.entered_at.isoformat(),
                "connected_at": iso(entry.connected_at),
                "channel": entry.channel,
                "language": entry.language,
                "caller": call.caller_number or call.caller_address,
                "target_operator": entry.target_operator,
                "operator": entry.operator,
                "no_answers": entry.no_answers,
                "call_status": call.status,  # held: the caller is on hold
                "legs": legs.get(entry.call_id, []),  # parties asked on, supervisors listening
            }
        )
    return found


async def operators(context: PartContext) -> list[dict[str, Any]]:
    """Every operator: state and since when, current call, calls and handle time today."""
    session = context.session
    names = {user.username: user.full_name for user in await auth.list_users(session)}
    day = summary.today_start(context.now, context.runtime.settings.tz)
    days = await floor.operator_days(session, since=day)
    found = []
    for row in await service.list_operators(session):
        today = days.get(row.username, floor.OperatorDay())
        found.append(
            {
                "username": row.username,
                "full_name": names.get(row.username, row.username),
                "state": row.state,
                "reason": row.reason,
                **spoken("reason", row.reason_said),
                "since": row.state_since.isoformat(),
                "call_id": str(row.call_id) if row.call_id else None,
                "queue": row.queue,
                "wrap_up_until": iso(row.wrap_up_until),
                "skills": Skills.from_flat(dict(row.skills or {})).model_dump(mode="json"),
                "queues": row.queues,
                "calls_today": today.answered,
                "handle_s": today.avg_handle_s,
            }
        )
    return found


# -- alerts and the staffing hint ----------------------------------------------------------------


async def alerts(context: PartContext) -> list[dict[str, Any]]:
    """What needs a supervisor now, one alert per queue and kind, grouped by queue: a service
    level below its target (now or today, counting the callers still waiting past it), calls
    waiting too long, offers that rang out unanswered lately."""
    found: list[dict[str, Any]] = []
    for item in (await _summary(context)).queues:
        for name, period in (("now", item.interval), ("today", item.today)):
            missed = next((level for level in period.service_level if _below_target(level)), None)
            if missed is not None:
                found.append(
                    {
                        "key": f"service_level:{item.name}:{name}",
                        "kind": "service_level",
                        "queue": item.name,
                        "period": name,
                        "seconds": missed.seconds,
                        "percent": shortfall.honest(missed),
                        "answered_percent": missed.percent,
                        "waiting_past": missed.waiting_past,
                        "target_percent": missed.target_percent,
                    }
                )
    limit = context.runtime.settings.supervisor_wait_alert_s
    waiting: dict[str, list[Any]] = {}
    for placed in await _open_calls(context):
        entry = placed.entry
        if entry.status in QUEUED and (context.now - entry.entered_at).total_seconds() > limit:
            waiting.setdefault(entry.queue, []).append(entry)
    for queue, entries in waiting.items():
        oldest = min(entries, key=lambda e: e.entered_at)
        found.append(
            {
                "key": f"long_wait:{queue}",
                "kind": "long_wait",
                "queue": queue,
                "count": len(entries),
                "call_id": str(oldest.call_id),
                "call_ids": [str(e.call_id) for e in entries],
                "since": oldest.entered_at.isoformat(),
                "threshold_s": limit,
            }
        )
    found += await _ring_outs(context)
    return sorted(found, key=lambda alert: (alert["queue"], _KINDS.index(alert["kind"])))


_KINDS = ("long_wait", "service_level", "ring_no_answer")
# Offers that rang out unanswered within this window raise an alert for their queue.
RING_OUT_WINDOW = timedelta(minutes=15)


def _below_target(level: ServiceLevelOut) -> bool:
    shown = shortfall.honest(level)
    return level.target_percent is not None and shown is not None and shown < level.target_percent


async def _ring_outs(context: PartContext) -> list[dict[str, Any]]:
    """Per queue: offers that rang out at an operator's set in the last 15 minutes."""
    lines = await queue_log.lines(
        context.session,
        since=context.now - RING_OUT_WINDOW,
        events=[QueueEvent.RING_NO_ANSWER],
        limit=10_000,
    )
    by_queue: dict[str, list[Any]] = {}
    for line in lines:
        by_queue.setdefault(line.queue or "", []).append(line)
    return [
        {
            "key": f"ring_no_answer:{queue}",
            "kind": "ring_no_answer",
            "queue": queue,
            "count": len(rung),
            "operators": sorted({line.operator for line in rung if line.operator}),
            "last_at": rung[-1].at.isoformat(),
            "window_minutes": int(RING_OUT_WINDOW.total_seconds() // 60),
        }
        for queue, rung in by_queue.items()
    ]


async def staffing(context: PartContext) -> dict[str, Any]:
    """Erlang C for the last half hour's arrivals and today's handle time: operators needed
    for the first service-level target, against those signed in and not on break
    (``queues.shortfall``), and whether the centre is in surge (``queues.surge``)."""
    return await shortfall.staffing(context.session, await _summary(context), now=context.now)


# -- escalations, cards, follow-up ---------------------------------------------------------------


async def escalation_list(context: PartContext) -> list[dict[str, Any]]:
    """Escalations waiting or taken (newest first), then the latest resolved ones."""
    waiting = await escalations.list_escalations(
        context.session, status=(EscalationStatus.OPEN, EscalationStatus.TAKEN), limit=100
    )
    done = await escalations.list_escalations(
        context.session, status=EscalationStatus.RESOLVED, limit=RESOLVED_SHOWN
    )
    return [EscalationOut.model_validate(row).model_dump(mode="json") for row in waiting + done]


async def cards_in_progress(context: PartContext) -> list[dict[str, Any]]:
    """Cards being filled (open or routed, not closed): who, which type, how complete."""
    classifier = default_classifier()
    found = []
    for row in await cards.cards_in_progress(context.session, limit=OPEN_CARDS):
        found.append(
            {
                "id": str(row.id),
                "number": row.number,
                "call_id": str(row.call_id) if row.call_id else None,
                "operator": row.operator_id,
                "status": row.status,
                "incident_type": row.incident_type,
                "priority": row.priority,
                "created_at": row.created_at.isoformat(),
                "completeness": lifecycle.completeness(card_store.to_card(row), classifier),
            }
        )
    return found


async def follow_ups(context: PartContext) -> list[dict[str, Any]]:
    """The services' follow-up list: cards not acknowledged or completed in time, or refused."""
    found = await followup.follow_ups(context.session, default_classifier(), now=context.now)
    return [
        {**asdict(item), "since": item.since.isoformat(), "deadline": iso(item.deadline)}
        for item in found[:FOLLOW_UPS]
    ]
