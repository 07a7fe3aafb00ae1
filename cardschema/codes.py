"""The card's closed vocabularies: statuses, channels, sources, outcomes, link kinds and
caller conditions (each an XSD enumeration), and the transitions a service's status may make."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType


class CardStatus(enum.StrEnum):
    """Lifecycle state of a card in the 112 centre."""

    OPEN = "open"
    ROUTED = "routed"
    CLOSED = "closed"


class Channel(enum.StrEnum):
    """How the call reached 112."""

    VOICE = "voice"
    VIDEO = "video"
    SMS = "sms"
    EMAIL = "email"


class LocationSource(enum.StrEnum):
    """Where the location point came from."""

    AML = "aml"
    OPERATOR = "operator"
    NETWORK = "network"


AUTOMATIC_LOCATION_SOURCES: frozenset[LocationSource] = frozenset(
    {LocationSource.AML, LocationSource.NETWORK}
)
"""The sources a ``ProposedLocation`` may come from: positions no person entered."""


class ServiceStatus(enum.StrEnum):
    """Status of a card at one service; ``routed`` is set by 112, the rest by the service."""

    ROUTED = "routed"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    RESPONSE_STARTED = "response_started"
    ARRIVED = "arrived"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REFUSED = "refused"


class CallbackOutcome(enum.StrEnum):
    """Result of one callback attempt."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    INVALID_NUMBER = "invalid_number"
    VOICEMAIL = "voicemail"
    REFUSED = "refused"


class LinkKind(enum.StrEnum):
    """How another card relates to this one (the last four added in revision 1.2).

    An incident is one head card and the cards that joined it: a member has a ``parent`` link
    to the head and the head a ``child`` link to each member; both carry the head's id as
    ``Card.incident_id``. A merge leaves the merged card with ``merged_into`` the survivor and
    the survivor with ``merged_from`` the merged card.
    """

    RELATED = "related"
    DUPLICATE = "duplicate"
    PARENT = "parent"
    CHILD = "child"
    MERGED_INTO = "merged_into"
    MERGED_FROM = "merged_from"


class CallerCondition(enum.StrEnum):
    """A condition of the caller that changes how to talk to or reach them (revision 1.2)."""

    CANNOT_SPEAK = "cannot_speak"
    HEARING_IMPAIRED = "hearing_impaired"
    SPEECH_IMPAIRED = "speech_impaired"
    SIGHT_IMPAIRED = "sight_impaired"
    CHILD = "child"
    LIMITED_MOBILITY = "limited_mobility"
    NON_NATIVE_LANGUAGE = "non_native_language"


class Outcome(enum.StrEnum):
    """How the call ended for 112."""

    DISPATCHED = "dispatched"
    ADVICE_GIVEN = "advice_given"
    TRANSFERRED = "transferred"
    REFERRED = "referred"
    FALSE_ALARM = "false_alarm"
    HOAX = "hoax"
    DUPLICATE = "duplicate"
    CALLER_UNREACHABLE = "caller_unreachable"
    SILENT_CALL = "silent_call"
    MISDIAL = "misdial"
    TEST_CALL = "test_call"


_S = ServiceStatus
ALLOWED_STATUS_TRANSITIONS: Mapping[ServiceStatus, frozenset[ServiceStatus]] = MappingProxyType(
    {
        _S.ROUTED: frozenset({_S.RECEIVED}),
        _S.RECEIVED: frozenset({_S.ACCEPTED, _S.NOT_ACCEPTED, _S.REFUSED}),
        _S.ACCEPTED: frozenset({_S.RESPONSE_STARTED, _S.REFUSED, _S.COMPLETED}),
        _S.RESPONSE_STARTED: frozenset({_S.ARRIVED, _S.COMPLETED, _S.REFUSED}),
        _S.ARRIVED: frozenset({_S.IN_PROGRESS, _S.COMPLETED}),
        _S.IN_PROGRESS: frozenset({_S.COMPLETED}),
        _S.NOT_ACCEPTED: frozenset(),
        _S.REFUSED: frozenset(),
        _S.COMPLETED: frozenset(),
    }
)


def can_transition(old: ServiceStatus, new: ServiceStatus) -> bool:
    """Tell whether a service may move a card from ``old`` to ``new`` (never to itself)."""
    return new in ALLOWED_STATUS_TRANSITIONS[old]
