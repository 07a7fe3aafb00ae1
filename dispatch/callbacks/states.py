"""A callback task's states and what each attempt's outcome does to it (pure).

::

    pending ──offered to an operator (originate)──► dialing ──reached──► reached
       ▲                                              │  ──refused──► refused
       └──no_answer, busy, voicemail (next attempt ───┤  ──invalid_number──► unreachable
          after the spacing), no outcome in time      └──third failure──► unreachable

A supervisor may cancel an open task (``cancelled``). At most three attempts per call (the
card's ``callbacks`` element holds three), over all of the call's tasks. ``CALLBACK_TRANSITIONS``
is the table of these moves, ``callbacks.lifecycle.move`` the one function that makes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from cardschema import CallbackOutcome
from cardschema.rules import MAX_CALLBACKS

MAX_ATTEMPTS = MAX_CALLBACKS


class CallbackStatus(StrEnum):
    """Where a callback task stands."""

    PENDING = "pending"  # waiting until due_at, then offered to the next free operator
    DIALING = "dialing"  # an operator's set is dialling the caller (an attempt is open)
    REACHED = "reached"
    REFUSED = "refused"  # the caller answered and refused to talk
    UNREACHABLE = "unreachable"  # three failures, or a number that cannot be called
    CANCELLED = "cancelled"


class Origin(StrEnum):
    """Why the task exists."""

    DROPPED = "dropped"  # the call was cut (technical or other reason)
    ABANDONED = "abandoned"  # the caller hung up while waiting in the queue
    OPERATOR = "operator"  # an operator needs more information


_P, _D, _REACHED, _REFUSED, _UNREACHABLE, _CANCELLED = CallbackStatus
# Every move a task makes (``callbacks.lifecycle.move`` is the one place that makes it). An
# attempt may be recorded on a pending task too (dialled by hand, not through the ACD), and a
# failed one leaves it pending for the next attempt.
CALLBACK_TRANSITIONS: Mapping[CallbackStatus, frozenset[CallbackStatus]] = {
    _P: frozenset({_D, _P, _REACHED, _REFUSED, _UNREACHABLE, _CANCELLED}),
    _D: frozenset({_P, _REACHED, _REFUSED, _UNREACHABLE, _CANCELLED}),
    _REACHED: frozenset(),
    _REFUSED: frozenset(),
    _UNREACHABLE: frozenset(),
    _CANCELLED: frozenset(),
}
OPEN = (CallbackStatus.PENDING.value, CallbackStatus.DIALING.value)
assert {s.value for s, moves in CALLBACK_TRANSITIONS.items() if moves} == set(OPEN)
# Outcomes that settle the task at once, whatever the attempt count.
CLOSING: dict[CallbackOutcome, CallbackStatus] = {
    CallbackOutcome.REACHED: CallbackStatus.REACHED,
    CallbackOutcome.REFUSED: CallbackStatus.REFUSED,
    CallbackOutcome.INVALID_NUMBER: CallbackStatus.UNREACHABLE,
}


def after_attempt(outcome: CallbackOutcome, attempts: int) -> CallbackStatus:
    """The task's status once an attempt (the ``attempts``-th of the call) ended so."""
    if outcome in CLOSING:
        return CLOSING[outcome]
    if attempts >= MAX_ATTEMPTS:
        return CallbackStatus.UNREACHABLE
    return CallbackStatus.PENDING


def rank(card_priority: int | None) -> int:
    """A task's priority on the queue entries' scale (higher first): incident priority 1 → 5."""
    return 0 if card_priority is None else 6 - card_priority
