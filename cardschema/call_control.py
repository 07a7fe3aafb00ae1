"""The call-control record of a card (revision 1.4): the transfers and conferences made while
the caller was on the line, so that services and QA see who involved whom.

Each leg is one party the operator tried to bring into the call: a colleague at 112, a queue,
an entry of the transfer directory or a number dialled as typed. A transfer hands the call to
that party, blind (the operator leaves at once) or attended (the operator speaks to the party
first); a conference adds the party to the call and has no mode. The leg records who asked for
it and when, the number the gateway dialled, how it ended and the gateway's or the operator's
words about it.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

from cardschema import rules
from cardschema.errors import CardDataError


class CallControlKind(enum.StrEnum):
    """What a leg did with the call."""

    TRANSFER = "transfer"
    CONFERENCE = "conference"


class CallControlMode(enum.StrEnum):
    """How a transfer was made; a conference has no mode."""

    BLIND = "blind"  # the operator left as the party was dialled
    ATTENDED = "attended"  # the operator spoke to the party before handing the call over


class CallControlTargetKind(enum.StrEnum):
    """What ``CallControlRecord.target`` names."""

    OPERATOR = "operator"  # a colleague at 112: their username
    QUEUE = "queue"  # a queue: its code
    DIRECTORY = "directory"  # an entry of the transfer directory: its id
    NUMBER = "number"  # a number dialled as typed


class CallControlOutcome(enum.StrEnum):
    """How a leg stands or ended."""

    DIALING = "dialing"  # not settled yet
    CONNECTED = "connected"  # the party answered and is on the call
    COMPLETED = "completed"  # the call was handed to the party: the operator left
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # withdrawn before it was answered, or the party was removed
    ENDED = "ended"  # the call ended with the party on it


@dataclass(frozen=True, slots=True, kw_only=True)
class CallControlRecord:
    """One transfer or conference leg of the call (revision 1.4).

    ``id`` is the leg's UUID, like every id on the card. ``mode`` is required for a transfer
    and refused on a conference. ``target`` is what ``target_kind`` names (a username, a queue
    code, a directory entry's id or the number as typed), ``target_name`` its display name and
    ``number`` the number the gateway dialled, if it dialled one.
    """

    id: uuid.UUID
    kind: CallControlKind
    mode: CallControlMode | None = None
    requested_at: datetime
    requested_by: str
    target_kind: CallControlTargetKind
    target: str
    target_name: str | None = None
    number: str | None = None
    outcome: CallControlOutcome
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.kind == CallControlKind.TRANSFER:
            if self.mode is None:
                raise CardDataError("mode", "is required for a transfer (blind or attended)")
        elif self.mode is not None:
            raise CardDataError("mode", f"a conference has no mode, got {self.mode}")
        rules.check_timestamp("requested_at", self.requested_at)
        rules.check_user("requested_by", self.requested_by)
        rules.check_text("target", self.target, rules.SHORT_TEXT_MAX)
        rules.check_optional_text("target_name", self.target_name, rules.SHORT_TEXT_MAX)
        rules.check_optional_pattern(
            "number", self.number, rules.DIALLED_NUMBER_PATTERN, "+998712001146"
        )
        rules.check_optional_timestamp("answered_at", self.answered_at)
        rules.check_optional_timestamp("ended_at", self.ended_at)
        rules.check_optional_text("reason", self.reason, rules.CALL_CONTROL_REASON_MAX)
