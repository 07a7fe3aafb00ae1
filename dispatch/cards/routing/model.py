"""Value types and errors of the incident classifier (no I/O here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

INCIDENT_TYPES_ENDPOINT = "GET /api/v1/incident-types"

# Every name map carries these; the operator console shows the caller's language.
REQUIRED_LANGUAGES = ("uz", "ru", "en")

# Dotted paths into the card JSON that an incident type may make required.
CARD_FIELDS = (
    "caller.number",
    "caller.name",
    "caller.callback_number",
    "location.address",
    "location.lat",
    "incident.description",
    "incident.victims",
    "incident.hazards",
)


@dataclass(frozen=True)
class Category:
    """A group of incident types (fire, medical, ...)."""

    code: str
    names: Mapping[str, str]


@dataclass(frozen=True)
class IncidentType:
    """One entry of the published classifier."""

    code: str
    category: str
    names: Mapping[str, str]
    priority: int
    services: tuple[str, ...]
    ack_deadline_s: int
    complete_deadline_min: int
    required: tuple[str, ...]
    keywords: Mapping[str, tuple[str, ...]]

    def name(self, language: str) -> str:
        """Return the name in `language`, falling back to English."""
        return self.names.get(language) or self.names["en"]


@dataclass(frozen=True)
class Hazard:
    """A hazard token an operator can tick on the card."""

    code: str
    names: Mapping[str, str]


@dataclass(frozen=True)
class Suggestion:
    """A service the card should go to, with English reasons for the operator and the audit."""

    service: str
    reasons: tuple[str, ...]


class ClassifierError(ValueError):
    """The classifier file is malformed; the message names the entry and the field."""


class UnknownIncidentType(LookupError):
    """An incident type code that the classifier does not contain."""

    def __init__(self, code: str) -> None:
        super().__init__(
            f"unknown incident type {code!r}; the list of incident types is at "
            f"{INCIDENT_TYPES_ENDPOINT}"
        )
        self.code = code


class UnknownHazard(ValueError):
    """Hazard tokens that are not in the classifier's hazard vocabulary."""

    def __init__(self, tokens: Sequence[str], known: Sequence[str]) -> None:
        super().__init__(
            f"unknown hazard token(s): {', '.join(repr(t) for t in tokens)}; "
            f"known hazards: {', '.join(known)}"
        )
        self.tokens = tuple(tokens)
