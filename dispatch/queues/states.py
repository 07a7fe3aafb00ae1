"""The ACD's state machines (pure): operators, calls in a queue, and offers.

Operator states::

    signed_out ──sign in──► available ──offer──► reserved ──accept──► on_call ──call ends──► wrap_up
        ▲  │                 ▲  │  ▲                │  │                                    │
        │  └──► on_break ◄───┘  │  └─decline/cancel─┘  └─no answer──► on_break               │
        │           │           └────────────────── wrap-up ends (timer or operator) ────────┘
        └───────────┴── sign out (operator, supervisor, or no heartbeat within the grace period)

``TRANSITIONS`` is every move the system makes; ``REQUESTABLE`` the subset an operator (or a
supervisor for them) may ask for: nobody leaves ``reserved`` or ``on_call`` by request — an
offer is accepted or declined, a call ends.

A call in a queue (``EntryStatus``): ``waiting`` ⇄ ``offered`` → ``connected`` → ``completed``,
or ``abandoned`` when the call ends before anyone answered. An offer (``OfferStatus``) is
``active`` until it is ``accepted``, ``declined``, ``expired`` (no answer in time) or
``cancelled`` (the call ended, moved or was taken over). ``ENTRY_TRANSITIONS`` and
``OFFER_TRANSITIONS`` are their tables; ``queues.lifecycle`` holds the only functions that change
an entry's or an offer's status.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from dispatch.errors import Conflict, said

# The skill of a colleague trained in psychological support (a psychologist): wellbeing's
# debriefs and call control's transfers to a psychologist both look for it.
PSYCHOLOGICAL_SUPPORT = "psychological_support"


class OperatorState(StrEnum):
    """Where an operator stands in the ACD."""

    SIGNED_OUT = "signed_out"
    AVAILABLE = "available"
    RESERVED = "reserved"  # a call is offered to them (their set rings)
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    ON_BREAK = "on_break"


S = OperatorState
TRANSITIONS: Mapping[OperatorState, frozenset[OperatorState]] = {
    S.SIGNED_OUT: frozenset({S.AVAILABLE, S.ON_BREAK}),
    S.AVAILABLE: frozenset({S.RESERVED, S.ON_CALL, S.ON_BREAK, S.SIGNED_OUT}),
    S.RESERVED: frozenset({S.ON_CALL, S.AVAILABLE, S.ON_BREAK, S.SIGNED_OUT}),
    S.ON_CALL: frozenset({S.WRAP_UP}),
    S.WRAP_UP: frozenset({S.AVAILABLE, S.ON_CALL, S.ON_BREAK, S.SIGNED_OUT}),
    S.ON_BREAK: frozenset({S.AVAILABLE, S.SIGNED_OUT}),
}
REQUESTABLE: Mapping[OperatorState, frozenset[OperatorState]] = {
    S.SIGNED_OUT: frozenset({S.AVAILABLE, S.ON_BREAK}),
    S.AVAILABLE: frozenset({S.ON_BREAK, S.SIGNED_OUT}),
    S.RESERVED: frozenset(),
    S.ON_CALL: frozenset(),
    S.WRAP_UP: frozenset({S.AVAILABLE, S.ON_BREAK, S.SIGNED_OUT}),
    S.ON_BREAK: frozenset({S.AVAILABLE, S.SIGNED_OUT}),
}
# States from which a call answered at the operator's set (not through an offer) puts the
# operator on the call; signed-out and on-break operators are outside the rotation and stay so.
IN_ROTATION = frozenset({S.AVAILABLE, S.RESERVED, S.WRAP_UP})
assert all(REQUESTABLE[s] <= TRANSITIONS[s] for s in OperatorState)


class EntryStatus(StrEnum):
    """Where a call stands in its queue."""

    WAITING = "waiting"
    OFFERED = "offered"
    CONNECTED = "connected"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


_W, _O, _C, _DONE, _GONE = EntryStatus
# Every move of a call in its queue (``queues.lifecycle.move_entry`` and ``entry_update`` make
# them): answered straight from waiting at a set, or after an offer; connected again when it is
# handed from one operator to another.
ENTRY_TRANSITIONS: Mapping[EntryStatus, frozenset[EntryStatus]] = {
    _W: frozenset({_O, _C, _GONE}),
    _O: frozenset({_W, _C, _GONE}),
    _C: frozenset({_C, _W, _DONE}),  # waiting again: transferred to another queue (issue 26)
    _DONE: frozenset(),
    _GONE: frozenset(),
}
QUEUED = (EntryStatus.WAITING.value, EntryStatus.OFFERED.value)
OPEN_ENTRY = (*QUEUED, EntryStatus.CONNECTED.value)
assert {s.value for s, moves in ENTRY_TRANSITIONS.items() if moves} == set(OPEN_ENTRY)


class OfferStatus(StrEnum):
    """Where an offer of a call to an operator stands."""

    ACTIVE = "active"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


# An offer is closed once (``queues.lifecycle.move_offer``).
OFFER_TRANSITIONS: Mapping[OfferStatus, frozenset[OfferStatus]] = {
    OfferStatus.ACTIVE: frozenset(set(OfferStatus) - {OfferStatus.ACTIVE}),
    **{status: frozenset() for status in OfferStatus if status is not OfferStatus.ACTIVE},
}


class IllegalStateChange(Conflict):
    """An operator state change the tables do not allow (409)."""


def check_transition(
    username: str, current: OperatorState, new: OperatorState, *, requested: bool
) -> None:
    """Refuse a move the tables do not allow, saying what is possible instead."""
    table = REQUESTABLE if requested else TRANSITIONS
    if new in table[current]:
        return
    if requested and current is S.RESERVED:
        raise IllegalStateChange(
            f"{username} has a call offered; accept or decline the offer first",
            said=said("state_offer_pending"),
        )
    if requested and current is S.ON_CALL:
        raise IllegalStateChange(
            f"{username} is on a call; the state changes when it ends",
            said=said("state_on_call"),
        )
    allowed = ", ".join(sorted(table[current])) or "nothing"
    raise IllegalStateChange(
        f"{username} is {current}; cannot become {new} (from {current}: {allowed})",
        said=said("state_change_refused", state=current.value, to=new.value),
    )


class QueueEvent(StrEnum):
    """A line of the queue log, named after Asterisk's queue_log events."""

    ENTER = "enter"  # the call entered a queue (also after a move)
    CONNECT = "connect"  # answered: wait_s
    ABANDON = "abandon"  # ended before an answer: wait_s, reason
    COMPLETE = "complete"  # an answered call ended: wait_s, talk_s, reason
    TRANSFER = "transfer"  # moved to another queue or operator, or transferred between operators
    RING_NO_ANSWER = "ring_no_answer"  # an offer expired: ring_s
    DECLINE = "decline"  # an operator declined an offer: ring_s
    WRAP_UP = "wrap_up"  # an operator's wrap-up after a call ended: wrap_s
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"  # reason (e.g. no heartbeat)
    PAUSE = "pause"  # on break: reason
    UNPAUSE = "unpause"
