"""Call cards over the API. The card itself is cardschema's JSON; these are the inputs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from cardschema import (
    AgeBand,
    CallerCondition,
    CardStatus,
    Channel,
    LinkKind,
    LocationSource,
    Outcome,
    PersonRole,
    Sex,
    VehicleRole,
)
from cardschema import rules as card_rules
from dispatch.calls.schemas import LANGUAGE_PATTERN, PHONE_PATTERN, EarlierCall
from dispatch.cards.consistency import CardWarning

INCIDENT_TYPE_PATTERN = r"^[a-z][a-z0-9_.]{1,63}$"
HAZARD_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
SERVICE_CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_.-]{0,31}$"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CallerInput(_Input):
    """Who called and how to call them back."""

    number: str | None = Field(default=None, pattern=PHONE_PATTERN)
    name: str | None = Field(default=None, max_length=200)
    callback_number: str | None = Field(default=None, pattern=PHONE_PATTERN)
    conditions: list[CallerCondition] | None = Field(
        default=None,
        max_length=len(CallerCondition),
        description="what changes how to talk to or reach the caller; each once; the list "
        "sent replaces the card's",
    )
    condition_note: str | None = Field(default=None, min_length=1, max_length=1000)


_PART: Any = Field(default=None, min_length=1, max_length=card_rules.ADDRESS_PART_MAX)
_NAMED: Any = Field(default=None, min_length=1, max_length=card_rules.SHORT_TEXT_MAX)
_TEXT: Any = Field(default=None, min_length=1, max_length=card_rules.TEXT_MAX)


class StructuredAddressInput(_Input):
    """The address in parts, beside the free text; a part sent as ``null`` is cleared."""

    street: str | None = _NAMED
    house: str | None = _PART
    building: str | None = Field(
        default=None,
        min_length=1,
        max_length=card_rules.ADDRESS_PART_MAX,
        description="korpus",
    )
    entrance: str | None = _PART
    floor: str | None = _PART
    flat: str | None = _PART
    mahalla: str | None = _NAMED
    landmark: str | None = Field(
        default=None,
        min_length=1,
        max_length=card_rules.SHORT_TEXT_MAX,
        description="mo‘ljal: what to find the place by",
    )


class PersonInput(_Input):
    """A person involved: the role, and an age or an age band (not both)."""

    role: PersonRole
    name: str | None = _NAMED
    age: int | None = Field(default=None, ge=0, le=card_rules.AGE_MAX)
    age_band: AgeBand | None = None
    sex: Sex | None = None
    condition: str | None = _TEXT
    description: str | None = _TEXT

    @model_validator(mode="after")
    def _age_or_band(self) -> PersonInput:
        if self.age is not None and self.age_band is not None:
            raise ValueError("give the age or the age band, not both")
        return self


class VehicleInput(_Input):
    """A vehicle involved."""

    role: VehicleRole
    plate: str | None = Field(default=None, min_length=1, max_length=card_rules.PLATE_MAX)
    make: str | None = _NAMED
    model: str | None = _NAMED
    colour: str | None = _NAMED
    description: str | None = _TEXT


class PlaceInput(_Input):
    """A region or district chosen by code (e.g. ``UZ-SA``)."""

    code: str = Field(min_length=1, max_length=32)
    name: str | None = Field(default=None, max_length=200)


class LocationInput(_Input):
    """Where help is needed. Setting lat/lon without ``source`` means the operator set them."""

    address: str | None = Field(default=None, max_length=500)
    structured_address: StructuredAddressInput | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_m: float | None = Field(default=None, ge=0, le=1_000_000)
    source: LocationSource | None = None
    region: PlaceInput | None = None
    district: PlaceInput | None = None
    confirmed: bool | None = Field(
        default=None, description="the operator confirmed the location with the caller"
    )


class IncidentInput(_Input):
    """What happened: the type from GET /api/v1/incident-types, priority 1 (highest) to 5."""

    type: str | None = Field(default=None, pattern=INCIDENT_TYPE_PATTERN)
    priority: int | None = Field(default=None, ge=1, le=5)
    description: str | None = Field(default=None, max_length=4000)
    victims: int | None = Field(default=None, ge=0, le=100_000)
    hazards: list[str] | None = Field(default=None, max_length=32)


class CardPatch(_Input):
    """A partial change: only the fields sent change; ``null`` clears a field."""

    language: str | None = Field(default=None, pattern=LANGUAGE_PATTERN)
    caller: CallerInput | None = None
    location: LocationInput | None = None
    incident: IncidentInput | None = None
    persons: list[PersonInput] | None = Field(
        default=None,
        max_length=card_rules.MAX_PERSONS,
        description="the persons involved; the list sent replaces the card's, null clears it",
    )
    vehicles: list[VehicleInput] | None = Field(
        default=None,
        max_length=card_rules.MAX_VEHICLES,
        description="the vehicles involved; the list sent replaces the card's, null clears it",
    )

    def changes(self) -> dict[str, Any]:
        """The fields that were sent, nested, with explicit nulls kept; a whole group sent as
        ``null`` (``"incident": null``) clears each of its fields."""
        changes = self.model_dump(exclude_unset=True, mode="json")
        for name, group in _GROUPS.items():
            if name in changes and changes[name] is None:
                changes[name] = {**dict.fromkeys(group.model_fields), **_CLEARED.get(name, {})}
        return changes


_GROUPS: dict[str, type[_Input]] = {
    "caller": CallerInput,
    "location": LocationInput,
    "incident": IncidentInput,
}

# What a cleared group holds where "nothing" is not null: a cleared location is unconfirmed.
_CLEARED: dict[str, dict[str, Any]] = {
    "location": {"confirmed": False},
    "caller": {"conditions": []},
}


class CardCreate(CardPatch):
    """A new card, for a call (``call_id``) or without one (then channel defaults to voice)."""

    call_id: uuid.UUID | None = None
    channel: Channel | None = None


class NoteCreate(_Input):
    """A note; notes are never changed or removed."""

    text: str = Field(min_length=1, max_length=4000)


class LinkCreate(_Input):
    """Another card about the same incident."""

    card_id: uuid.UUID
    kind: LinkKind


_ACKNOWLEDGE: Any = Field(
    default_factory=list,
    max_length=len(CardWarning),
    description="the warnings the person knowingly accepts (a 422 warnings_unacknowledged "
    "lists them); stored with the card's version and audited",
)


class RouteRequest(_Input):
    """The services to send the card to (omitted: the classifier's suggestion), and the
    warnings acknowledged."""

    services: list[str] | None = Field(default=None, min_length=1, max_length=16)
    acknowledge: list[CardWarning] = _ACKNOWLEDGE


class RerouteRequest(_Input):
    """The services a supervisor sends the card to as well."""

    services: list[str] = Field(min_length=1, max_length=16)


class HandoffCreate(_Input):
    """The card was passed to a service by telephone: who there was told, and when."""

    service: str = Field(pattern=SERVICE_CODE_PATTERN)
    contact: str = Field(min_length=1, max_length=200, description="who at the service was told")
    at: AwareDatetime | None = Field(default=None, description="when; default now")
    note: str | None = Field(default=None, min_length=1, max_length=1000)


class CloseRequest(_Input):
    """How the operator's work on the card ended."""

    outcome: Outcome
    note: str | None = Field(default=None, min_length=1, max_length=4000)
    acknowledge: list[CardWarning] = _ACKNOWLEDGE


class Completeness(BaseModel):
    """Which fields the card still needs for its incident type."""

    required: list[str]
    missing: list[str]
    percent: int


class SuggestionOut(BaseModel):
    """A service the classifier suggests, and why."""

    service: str
    reasons: list[str]


class CardPage(BaseModel):
    """A page of cards, newest first."""

    items: list[dict[str, Any]]
    total: int


class CardVersionOut(BaseModel):
    """One entry of a card's history."""

    version: int
    changed_at: str
    changed_by: str
    change: str
    detail: dict[str, Any]


class HistoryCard(BaseModel):
    """The card of an earlier call, in brief."""

    id: uuid.UUID
    number: str
    incident_type: str | None
    status: CardStatus
    outcome: Outcome | None


class HistoryCall(EarlierCall):
    """An earlier call of the same caller, with its card when one was opened."""

    card: HistoryCard | None


class CallerHistoryOut(BaseModel):
    """A caller's other calls of the window before this call, newest first, with their cards."""

    call_id: uuid.UUID
    caller: str | None = Field(description="the number (comparable form) or e-mail address")
    since: datetime = Field(description="the window's start: 30 days before the call began")
    calls: list[HistoryCall]
    truncated: bool = Field(description="true when the window held more calls than listed")
