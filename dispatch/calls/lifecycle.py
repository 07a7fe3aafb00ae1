"""The call state machine, and a call's timeline derived from its events (pure, no I/O).

States (``CallStatus``)::

    waiting ──ringing──► ringing ──answered──► connected ──ended──► ended
       │  └──answered──────────────────────►    │ ▲ │
       │                                         │ │ ├─held─► held ──resumed──► connected
       │                                         │ │ │         └─ transferred, ended, dropped
       │                                         │ │ └─transferred─► transferring
       ├─abandoned / dropped (before an answer)  │                    ├─ringing / answered (target)
       ▼                                         └─dropped            ├─ended / dropped
    abandoned, dropped                                                └─abandoned

``held``: the operator put the caller on hold (music, the operator does not hear them); the
gateway reports ``held`` when it did and ``resumed`` when the caller is back (issue 26).
``waiting`` is the start: the call sits in its queue (``dispatch.queues``).
``ended``, ``abandoned`` (the caller hung up before an answer) and ``dropped`` (the line was
lost) are final. Text conversations use the same states: ``answered`` when an operator takes
the conversation, ``ended`` when it is closed.

Gateways deliver events over HTTP, so they may arrive out of order. The state is therefore
never "the last event received": it is replayed from every event of the call sorted by its
``at`` (ties by arrival). During the replay a step the table allows directly is in sequence; a
step that some missing events could explain (``ended`` straight after ``waiting``: the
``ringing`` and ``answered`` are still on their way) is accepted and marks the timeline
incomplete; a step no missing event could explain — anything after a final state — is an
illegal transition, refused with 409.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dispatch.errors import Conflict


class CallStatus(StrEnum):
    """Where a call stands."""

    WAITING = "waiting"
    RINGING = "ringing"
    CONNECTED = "connected"
    HELD = "held"
    TRANSFERRING = "transferring"
    ENDED = "ended"
    ABANDONED = "abandoned"
    DROPPED = "dropped"


class CallEventType(StrEnum):
    """What a gateway reports happened to a call."""

    RINGING = "ringing"
    ANSWERED = "answered"
    HELD = "held"
    RESUMED = "resumed"
    TRANSFERRED = "transferred"
    DROPPED = "dropped"
    ABANDONED = "abandoned"
    ENDED = "ended"


# Each event moves the call to one state, whatever the state before.
EVENT_STATUS: Mapping[CallEventType, CallStatus] = {
    CallEventType.RINGING: CallStatus.RINGING,
    CallEventType.ANSWERED: CallStatus.CONNECTED,
    CallEventType.HELD: CallStatus.HELD,
    CallEventType.RESUMED: CallStatus.CONNECTED,
    CallEventType.TRANSFERRED: CallStatus.TRANSFERRING,
    CallEventType.DROPPED: CallStatus.DROPPED,
    CallEventType.ABANDONED: CallStatus.ABANDONED,
    CallEventType.ENDED: CallStatus.ENDED,
}

CALL_TRANSITIONS: Mapping[CallStatus, frozenset[CallStatus]] = {
    CallStatus.WAITING: frozenset(
        {CallStatus.RINGING, CallStatus.CONNECTED, CallStatus.ABANDONED, CallStatus.DROPPED}
    ),
    CallStatus.RINGING: frozenset(
        {CallStatus.RINGING, CallStatus.CONNECTED, CallStatus.ABANDONED, CallStatus.DROPPED}
    ),
    CallStatus.CONNECTED: frozenset(
        {CallStatus.HELD, CallStatus.TRANSFERRING, CallStatus.ENDED, CallStatus.DROPPED}
    ),
    CallStatus.HELD: frozenset(
        {CallStatus.CONNECTED, CallStatus.TRANSFERRING, CallStatus.ENDED, CallStatus.DROPPED}
    ),
    CallStatus.TRANSFERRING: frozenset(
        {
            CallStatus.RINGING,
            CallStatus.CONNECTED,
            CallStatus.ENDED,
            CallStatus.ABANDONED,
            CallStatus.DROPPED,
        }
    ),
    CallStatus.ENDED: frozenset(),
    CallStatus.ABANDONED: frozenset(),
    CallStatus.DROPPED: frozenset(),
}

FINAL = frozenset(status for status, nexts in CALL_TRANSITIONS.items() if not nexts)


def _reachable(start: CallStatus) -> frozenset[CallStatus]:
    seen: set[CallStatus] = set()
    frontier = set(CALL_TRANSITIONS[start])
    while frontier:
        status = frontier.pop()
        if status not in seen:
            seen.add(status)
            frontier |= CALL_TRANSITIONS[status]
    return frozenset(seen)


# States a call can still reach from each state through any number of events.
REACHABLE: Mapping[CallStatus, frozenset[CallStatus]] = {s: _reachable(s) for s in CallStatus}


@dataclass(frozen=True)
class Step:
    """One event as the replay needs it; ``seq`` is the arrival order (breaks ties in ``at``)."""

    event_id: str
    type: CallEventType
    at: datetime
    seq: int
    operator: str | None = None
    media_url: str | None = None


@dataclass(frozen=True)
class Timeline:
    """What a call's events say about it."""

    status: CallStatus
    operator: str | None
    offered_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    talk_seconds: float | None
    media_url: str | None
    complete: bool


class IllegalTransition(Conflict):
    """An event no ordering of the call's events can explain (409)."""


def replay(steps: Iterable[Step], *, call_id: object, new_event_id: str | None = None) -> Timeline:
    """The call's timeline from its events in ``at`` order; IllegalTransition when impossible."""
    status = CallStatus.WAITING
    previous: Step | None = None
    complete = True
    operator = media_url = None
    offered_at = answered_at = ended_at = None
    for step in sorted(steps, key=lambda s: (s.at, s.seq)):
        target = EVENT_STATUS[step.type]
        if target not in CALL_TRANSITIONS[status]:
            if target not in REACHABLE[status]:
                raise IllegalTransition(_refusal(call_id, status, previous, step, new_event_id))
            complete = False
        status = target
        previous = step
        operator = step.operator or operator
        media_url = step.media_url or media_url
        if step.type is CallEventType.RINGING and offered_at is None:
            offered_at = step.at
        if step.type is CallEventType.ANSWERED and answered_at is None:
            answered_at = step.at
        if status in FINAL:
            ended_at = step.at
    talk_seconds = None
    if answered_at is not None and ended_at is not None:
        talk_seconds = round((ended_at - answered_at).total_seconds(), 3)
    return Timeline(
        status=status,
        operator=operator,
        offered_at=offered_at,
        answered_at=answered_at,
        ended_at=ended_at,
        talk_seconds=talk_seconds,
        media_url=media_url,
        complete=complete,
    )


def _refusal(
    call_id: object,
    status: CallStatus,
    previous: Step | None,
    step: Step,
    new_event_id: str | None,
) -> str:
    since = f" since {previous.type} at {previous.at.isoformat()}" if previous else ""
    allowed = ", ".join(sorted(CALL_TRANSITIONS[status])) or "nothing (it is final)"
    if new_event_id is None or step.event_id == new_event_id:
        return (
            f"call {call_id} is {status}{since}; a {step.type} event at {step.at.isoformat()} "
            f"cannot follow (from {status} the call can become: {allowed})"
        )
    return (
        f"call {call_id}: this event would make the {step.type} at {step.at.isoformat()} "
        f"(event {step.event_id}) follow {status}{since}, which is not allowed "
        f"(from {status} the call can become: {allowed})"
    )
