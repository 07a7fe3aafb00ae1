"""A leg's kinds, targets and states, and the moves between them (pure).

::

    dialing ──ack──► connected ──the operator leaves──► completed
       │                 ├──removed──► ended (left the call)
       │                 └──the call ends──► ended
       ├──ack of a blind transfer──► completed
       ├──nack──► busy, no_answer, rejected
       └──removed, or the call ends──► cancelled
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class LegKind(StrEnum):
    """What the leg is for."""

    TRANSFER = "transfer"
    CONFERENCE = "conference"
    MONITOR = "monitor"


class LegMode(StrEnum):
    """How: a transfer is blind or attended (warm); a monitor listens, whispers or barges in."""

    BLIND = "blind"
    ATTENDED = "attended"
    LISTEN = "listen"
    WHISPER = "whisper"
    BARGE = "barge"


TRANSFER_MODES = frozenset({LegMode.BLIND, LegMode.ATTENDED})
MONITOR_MODES = frozenset({LegMode.LISTEN, LegMode.WHISPER, LegMode.BARGE})


class TargetKind(StrEnum):
    """Whom the leg reaches."""

    OPERATOR = "operator"  # a colleague at the centre (a psychologist: skill psychological_support)
    QUEUE = "queue"  # another queue: the call waits there for its next operator
    DIRECTORY = "directory"  # an entry of the transfer directory (a service's desk, a specialist)
    NUMBER = "number"  # a number dialled as typed


class LegStatus(StrEnum):
    """Where a leg stands; the outcome the card records (``cardschema.CallControlOutcome``)."""

    DIALING = "dialing"
    CONNECTED = "connected"
    COMPLETED = "completed"  # the call was handed to the party
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # withdrawn before an answer
    ENDED = "ended"  # the party left, or the call ended with it on


L = LegStatus
LEG_TRANSITIONS: Mapping[LegStatus, frozenset[LegStatus]] = {
    L.DIALING: frozenset(
        {L.CONNECTED, L.COMPLETED, L.BUSY, L.NO_ANSWER, L.REJECTED, L.CANCELLED, L.ENDED}
    ),
    L.CONNECTED: frozenset({L.COMPLETED, L.ENDED}),
    L.COMPLETED: frozenset(),
    L.BUSY: frozenset(),
    L.NO_ANSWER: frozenset(),
    L.REJECTED: frozenset(),
    L.CANCELLED: frozenset(),
    L.ENDED: frozenset(),
}
OPEN_LEG = frozenset(status for status, nexts in LEG_TRANSITIONS.items() if nexts)
# What a gateway's failure of a leg's command may say happened (anything else: rejected).
FAILURES = frozenset({L.BUSY, L.NO_ANSWER, L.REJECTED})


def can_move(current: LegStatus, new: LegStatus) -> bool:
    """Whether the table allows ``current`` → ``new``."""
    return new in LEG_TRANSITIONS[current]
