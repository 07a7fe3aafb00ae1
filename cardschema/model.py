"""The call card as frozen dataclasses; constructing one checks every rule of the XSD.

Field names are snake_case and form the JSON contract of the server's API; the XML element
names are their camelCase forms. A dataclass that constructs without error always builds
into a valid XML card.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from cardschema import rules
from cardschema.call_control import CallControlRecord
from cardschema.codes import (
    AUTOMATIC_LOCATION_SOURCES,
    CallbackOutcome,
    CallerCondition,
    CardStatus,
    Channel,
    LinkKind,
    LocationSource,
    Outcome,
    ServiceStatus,
)
from cardschema.errors import CardDataError
from cardschema.parties import Attachment, Person, Vehicle
from cardschema.protocols import ProtocolRecord


def _optional_user(path: str, value: str | None) -> None:
    if value is not None:
        rules.check_user(path, value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """The person who called, as far as known.

    ``conditions`` and ``condition_note`` (revision 1.2) say what changes how to talk to or
    reach them; each condition appears at most once.
    """

    number: str | None = None
    name: str | None = None
    callback_number: str | None = None
    conditions: tuple[CallerCondition, ...] = ()
    condition_note: str | None = None

    def __post_init__(self) -> None:
        rules.check_optional_pattern("number", self.number, rules.PHONE_PATTERN, "+998901234567")
        rules.check_optional_text("name", self.name, rules.SHORT_TEXT_MAX)
        rules.check_optional_pattern(
            "callback_number", self.callback_number, rules.PHONE_PATTERN, "+998901234567"
        )
        for index, condition in enumerate(self.conditions):
            if condition in self.conditions[:index]:
                raise CardDataError(f"conditions[{index}]", f"duplicate value {condition}")
        rules.check_optional_text("condition_note", self.condition_note, rules.TEXT_MAX)


ADDRESS_PARTS = ("street", "house", "building", "entrance", "floor", "flat", "mahalla", "landmark")
"""The parts of a ``StructuredAddress`` in the order of the XSD."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StructuredAddress:
    """The address in parts beside the free text (revision 1.2); every part is optional."""

    street: str | None = None
    house: str | None = None
    building: str | None = None
    entrance: str | None = None
    floor: str | None = None
    flat: str | None = None
    mahalla: str | None = None
    landmark: str | None = None

    def __post_init__(self) -> None:
        for name in ("street", "mahalla", "landmark"):
            rules.check_optional_text(name, getattr(self, name), rules.SHORT_TEXT_MAX)
        for name in ("house", "building", "entrance", "floor", "flat"):
            rules.check_optional_text(name, getattr(self, name), rules.ADDRESS_PART_MAX)

    def is_empty(self) -> bool:
        """Tell whether no part is known (the 112 system then leaves the address out)."""
        return all(getattr(self, name) is None for name in ADDRESS_PARTS)


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    """A region (ISO 3166-2 code such as UZ-SA) or a district."""

    code: str
    name: str | None = None

    def __post_init__(self) -> None:
        rules.check_pattern("code", self.code, rules.CODE_PATTERN, "UZ-SA")
        rules.check_optional_text("name", self.name, rules.SHORT_TEXT_MAX)


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """Where help is needed; ``lat`` and ``lon`` are given together or not at all.

    ``confirmed`` is True once the operator has confirmed this location with the caller; a
    later automatic position then goes to ``Card.proposed_location`` instead of here.
    """

    address: str | None = None
    structured_address: StructuredAddress | None = None
    lat: float | None = None
    lon: float | None = None
    radius_m: float | None = None
    source: LocationSource | None = None
    region: Place | None = None
    district: Place | None = None
    confirmed: bool = False

    def __post_init__(self) -> None:
        rules.check_optional_text("address", self.address, rules.TEXT_MAX)
        if self.lat is not None:
            rules.check_float("lat", self.lat, -90.0, 90.0)
            if self.lon is None:
                raise CardDataError("lon", "is required when lat is given")
        if self.lon is not None:
            rules.check_float("lon", self.lon, -180.0, 180.0)
            if self.lat is None:
                raise CardDataError("lat", "is required when lon is given")
        if self.radius_m is not None:
            rules.check_float("radius_m", self.radius_m, 0.0, rules.RADIUS_MAX_M)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProposedLocation:
    """An automatic position (AML or network) that arrived after the location was confirmed.

    It is shown beside ``Card.location`` for the operator to accept or dismiss; it never
    replaces the confirmed location by itself.
    """

    lat: float
    lon: float
    radius_m: float | None = None
    source: LocationSource
    received_at: datetime
    positioned_at: datetime | None = None
    method: str | None = None
    region: Place | None = None
    district: Place | None = None

    def __post_init__(self) -> None:
        rules.check_float("lat", self.lat, -90.0, 90.0)
        rules.check_float("lon", self.lon, -180.0, 180.0)
        if self.radius_m is not None:
            rules.check_float("radius_m", self.radius_m, 0.0, rules.RADIUS_MAX_M)
        if self.source not in AUTOMATIC_LOCATION_SOURCES:
            allowed = ", ".join(sorted(AUTOMATIC_LOCATION_SOURCES))
            raise CardDataError(
                "source", f"must be an automatic source ({allowed}), got {self.source}"
            )
        rules.check_timestamp("received_at", self.received_at)
        rules.check_optional_timestamp("positioned_at", self.positioned_at)
        rules.check_optional_text("method", self.method, rules.POSITIONING_METHOD_MAX)


@dataclass(frozen=True, slots=True, kw_only=True)
class Incident:
    """What happened, as far as known."""

    type: str | None = None
    priority: int | None = None
    description: str | None = None
    victims: int | None = None
    hazards: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        rules.check_optional_pattern(
            "type", self.type, rules.INCIDENT_TYPE_PATTERN, "fire.residential"
        )
        if self.priority is not None:
            rules.check_int("priority", self.priority, 1, 5)
        rules.check_optional_text("description", self.description, rules.LONG_TEXT_MAX)
        if self.victims is not None:
            rules.check_int("victims", self.victims, 0)
        for index, hazard in enumerate(self.hazards):
            rules.check_pattern(f"hazards[{index}]", hazard, rules.HAZARD_PATTERN, "gas_leak")


@dataclass(frozen=True, slots=True, kw_only=True)
class Unit:
    """A unit of a service, e.g. a fire station or an ambulance substation."""

    code: str
    name: str | None = None

    def __post_init__(self) -> None:
        rules.check_pattern("code", self.code, rules.CODE_PATTERN, "SAM-FS-03")
        rules.check_optional_text("name", self.name, rules.SHORT_TEXT_MAX)


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChange:
    """One status a service reported (or ``routed``, set by 112)."""

    status: ServiceStatus
    at: datetime
    note: str | None = None
    by: str | None = None

    def __post_init__(self) -> None:
        rules.check_timestamp("at", self.at)
        rules.check_optional_text("note", self.note, rules.TEXT_MAX)
        rules.check_optional_text("by", self.by, rules.SHORT_TEXT_MAX)


@dataclass(frozen=True, slots=True, kw_only=True)
class Handoff:
    """A card passed to a service by telephone because the service's system was down."""

    at: datetime
    by: str
    contact: str
    note: str | None = None

    def __post_init__(self) -> None:
        rules.check_timestamp("at", self.at)
        rules.check_user("by", self.by)
        rules.check_text("contact", self.contact, rules.SHORT_TEXT_MAX)
        rules.check_optional_text("note", self.note, rules.TEXT_MAX)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutedService:
    """A service the card was routed to, with its current status and history.

    ``handoff`` records that 112 also told the service by telephone (its system was down).
    """

    code: str
    status: ServiceStatus
    routed_at: datetime
    name: str | None = None
    unit: Unit | None = None
    history: tuple[StatusChange, ...] = ()
    handoff: Handoff | None = None

    def __post_init__(self) -> None:
        rules.check_pattern("code", self.code, rules.SERVICE_CODE_PATTERN, "103")
        rules.check_optional_text("name", self.name, rules.SHORT_TEXT_MAX)
        rules.check_timestamp("routed_at", self.routed_at)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackAttempt:
    """A call from 112 back to the caller; attempts are numbered 1 to 3."""

    attempt: int
    at: datetime
    outcome: CallbackOutcome
    operator_id: str | None = None

    def __post_init__(self) -> None:
        rules.check_int("attempt", self.attempt, 1, rules.MAX_CALLBACKS)
        rules.check_timestamp("at", self.at)
        _optional_user("operator_id", self.operator_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class Note:
    """A note added to the card; notes are append-only."""

    at: datetime
    author: str
    text: str

    def __post_init__(self) -> None:
        rules.check_timestamp("at", self.at)
        rules.check_user("author", self.author)
        rules.check_text("text", self.text, rules.LONG_TEXT_MAX)


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """A link from this card to another card about the same incident."""

    card_id: uuid.UUID
    kind: LinkKind
    number: str | None = None

    def __post_init__(self) -> None:
        rules.check_optional_pattern(
            "number", self.number, rules.CARD_NUMBER_PATTERN, "112-20261122-000123"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Card:
    """An electronic call card; every timestamp must be timezone-aware.

    ``incident_id`` (revision 1.2) is the id of the head card of the incident this card
    belongs to; the head carries its own id once another card joined it. ``protocols``
    (revision 1.3) are the protocols walked on the card, each code at most once.
    ``call_control`` (revision 1.4) are the transfers and conferences made while the caller
    was on the line, in the order they were requested, each id at most once.
    """

    id: uuid.UUID
    number: str
    version: int
    status: CardStatus
    created_at: datetime
    updated_at: datetime
    channel: Channel
    language: str
    closed_at: datetime | None = None
    call_id: uuid.UUID | None = None
    caller: Caller = field(default_factory=Caller)
    location: Location = field(default_factory=Location)
    proposed_location: ProposedLocation | None = None
    incident: Incident = field(default_factory=Incident)
    persons: tuple[Person, ...] = ()
    vehicles: tuple[Vehicle, ...] = ()
    services: tuple[RoutedService, ...] = ()
    callbacks: tuple[CallbackAttempt, ...] = ()
    notes: tuple[Note, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    links: tuple[Link, ...] = ()
    incident_id: uuid.UUID | None = None
    outcome: Outcome | None = None
    operator_id: str | None = None
    supervisor_id: str | None = None
    protocols: tuple[ProtocolRecord, ...] = ()
    call_control: tuple[CallControlRecord, ...] = ()

    def __post_init__(self) -> None:
        rules.check_pattern("number", self.number, rules.CARD_NUMBER_PATTERN, "112-20261122-000123")
        rules.check_int("version", self.version, 1)
        rules.check_timestamp("created_at", self.created_at)
        rules.check_timestamp("updated_at", self.updated_at)
        rules.check_optional_timestamp("closed_at", self.closed_at)
        rules.check_pattern("language", self.language, rules.LANGUAGE_PATTERN, "uz")
        _optional_user("operator_id", self.operator_id)
        _optional_user("supervisor_id", self.supervisor_id)
        if len(self.callbacks) > rules.MAX_CALLBACKS:
            raise CardDataError(
                "callbacks", f"at most {rules.MAX_CALLBACKS} attempts, got {len(self.callbacks)}"
            )
        _refuse_duplicates("services", [service.code for service in self.services], "code")
        _refuse_duplicates(
            "callbacks", [callback.attempt for callback in self.callbacks], "attempt"
        )
        _refuse_duplicates("links", [link.card_id for link in self.links], "card_id")
        _check_count("persons", len(self.persons), rules.MAX_PERSONS)
        _check_count("vehicles", len(self.vehicles), rules.MAX_VEHICLES)
        _check_count("attachments", len(self.attachments), rules.MAX_ATTACHMENTS)
        _refuse_duplicates("attachments", [item.id for item in self.attachments], "id")
        _check_count("protocols", len(self.protocols), rules.MAX_PROTOCOLS)
        _refuse_duplicates("protocols", [item.code for item in self.protocols], "code")
        _check_count("call_control", len(self.call_control), rules.MAX_CALL_CONTROL_LEGS)
        _refuse_duplicates("call_control", [leg.id for leg in self.call_control], "id")


def _check_count(path: str, count: int, most: int) -> None:
    if count > most:
        raise CardDataError(path, f"at most {most}, got {count}")


def _refuse_duplicates(path: str, keys: list[object], key_name: str) -> None:
    seen: set[object] = set()
    for index, key in enumerate(keys):
        if key in seen:
            raise CardDataError(f"{path}[{index}].{key_name}", f"duplicate value {key}")
        seen.add(key)


def incident_problems(card: Card) -> tuple[str, ...]:
    """Say how the card's incident id and links contradict each other; empty when they agree.

    These are the sender's rules (the XSD cannot express them, like the status table): a card
    links neither to itself nor to more than one head or survivor; a ``parent`` link names the
    card's incident, and a card with ``child`` links heads its own incident.
    """
    problems: list[str] = []
    kinds = [link.kind for link in card.links]
    if any(link.card_id == card.id for link in card.links):
        problems.append("a card cannot link to itself")
    for kind in (LinkKind.PARENT, LinkKind.MERGED_INTO):
        if kinds.count(kind) > 1:
            problems.append(f"at most one {kind.value} link, got {kinds.count(kind)}")
    for link in card.links:
        if link.kind is LinkKind.PARENT and card.incident_id != link.card_id:
            problems.append(
                f"the parent link names {link.card_id}, the incident is {card.incident_id}"
            )
    if LinkKind.CHILD in kinds and card.incident_id != card.id:
        problems.append(
            f"a card with child links heads its incident: incident_id must be {card.id}"
        )
    return tuple(problems)
