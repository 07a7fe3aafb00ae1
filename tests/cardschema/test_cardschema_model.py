"""The model: enum values, the service-status table, and the rules checked on construction."""

from __future__ import annotations

import dataclasses
import enum
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

import cardschema as cs

S = cs.ServiceStatus
AT = datetime(2026, 11, 22, 9, 19, tzinfo=timezone(timedelta(hours=5)))
NAIVE = datetime(2026, 11, 22, 9, 19)


def card(**changes: object) -> cs.Card:
    """A minimal valid card with some fields replaced."""
    fields: dict[str, object] = {
        "id": uuid.uuid4(),
        "number": "112-20261122-000001",
        "version": 1,
        "status": cs.CardStatus.OPEN,
        "created_at": AT,
        "updated_at": AT,
        "channel": cs.Channel.VOICE,
        "language": "uz",
    }
    fields.update(changes)
    return cs.Card(**fields)  # type: ignore[arg-type]


def service(code: str = "101") -> cs.RoutedService:
    return cs.RoutedService(code=code, status=S.ROUTED, routed_at=AT)


def callback(attempt: int) -> cs.CallbackAttempt:
    return cs.CallbackAttempt(attempt=attempt, at=AT, outcome=cs.CallbackOutcome.BUSY)


def handoff(**changes: object) -> cs.Handoff:
    """A valid hand-off with some fields replaced."""
    fields: dict[str, object] = {"at": AT, "by": "a.karimov", "contact": "navbatchi Aliyev"}
    fields.update(changes)
    return cs.Handoff(**fields)  # type: ignore[arg-type]


def proposed(**changes: object) -> cs.ProposedLocation:
    """A valid proposed location (AML) with some fields replaced."""
    fields: dict[str, object] = {
        "lat": 41.311,
        "lon": 69.279,
        "source": cs.LocationSource.AML,
        "received_at": AT,
    }
    fields.update(changes)
    return cs.ProposedLocation(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("enum_type", "values"),
    [
        (cs.CardStatus, "open routed closed"),
        (cs.Channel, "voice video sms email"),
        (cs.LocationSource, "aml operator network"),
        (
            cs.ServiceStatus,
            "routed received accepted not_accepted response_started arrived in_progress "
            "completed refused",
        ),
        (cs.CallbackOutcome, "reached no_answer busy invalid_number voicemail refused"),
        (cs.LinkKind, "related duplicate parent child merged_into merged_from"),
        (
            cs.Outcome,
            "dispatched advice_given transferred referred false_alarm hoax duplicate "
            "caller_unreachable silent_call misdial test_call",
        ),
    ],
)
def test_enum_values_are_the_contract(enum_type: type[enum.StrEnum], values: str) -> None:
    assert [member.value for member in enum_type] == values.split()
    assert all(str(member) == member.value for member in enum_type)


def test_status_table_is_exactly_the_documented_one() -> None:
    assert dict(cs.ALLOWED_STATUS_TRANSITIONS) == {
        S.ROUTED: {S.RECEIVED},
        S.RECEIVED: {S.ACCEPTED, S.NOT_ACCEPTED, S.REFUSED},
        S.ACCEPTED: {S.RESPONSE_STARTED, S.REFUSED, S.COMPLETED},
        S.RESPONSE_STARTED: {S.ARRIVED, S.COMPLETED, S.REFUSED},
        S.ARRIVED: {S.IN_PROGRESS, S.COMPLETED},
        S.IN_PROGRESS: {S.COMPLETED},
        S.NOT_ACCEPTED: set(),
        S.REFUSED: set(),
        S.COMPLETED: set(),
    }


def test_status_table_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        cs.ALLOWED_STATUS_TRANSITIONS[S.COMPLETED] = frozenset({S.ROUTED})  # type: ignore[index]


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        (S.ROUTED, S.RECEIVED, True),
        (S.RECEIVED, S.NOT_ACCEPTED, True),
        (S.ACCEPTED, S.COMPLETED, True),
        (S.ARRIVED, S.IN_PROGRESS, True),
        (S.ROUTED, S.ACCEPTED, False),
        (S.ARRIVED, S.REFUSED, False),
        (S.IN_PROGRESS, S.ARRIVED, False),
        (S.RECEIVED, S.RECEIVED, False),
        (S.COMPLETED, S.IN_PROGRESS, False),
    ],
)
def test_can_transition(old: S, new: S, allowed: bool) -> None:
    assert cs.can_transition(old, new) is allowed


@pytest.mark.parametrize("terminal", [S.NOT_ACCEPTED, S.REFUSED, S.COMPLETED])
def test_terminal_statuses_lead_nowhere(terminal: S) -> None:
    assert not any(cs.can_transition(terminal, new) for new in S)


def test_cards_are_frozen_and_hashable(full_card: cs.Card) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        full_card.version = 8  # type: ignore[misc]
    assert hash(full_card) == hash(dataclasses.replace(full_card))


def test_defaults_of_an_open_card() -> None:
    opened = card()
    assert opened.caller == cs.Caller()
    assert opened.location == cs.Location()
    assert opened.incident == cs.Incident()
    assert (opened.services, opened.callbacks, opened.notes, opened.links) == ((), (), (), ())
    assert opened.closed_at is None
    assert opened.outcome is None
    assert opened.location.confirmed is False
    assert opened.proposed_location is None
    assert service().handoff is None


def test_new_optional_parts_have_the_documented_fields() -> None:
    assert [f.name for f in dataclasses.fields(cs.Handoff)] == ["at", "by", "contact", "note"]
    assert [f.name for f in dataclasses.fields(cs.ProposedLocation)] == [
        "lat",
        "lon",
        "radius_m",
        "source",
        "received_at",
        "positioned_at",
        "method",
        "region",
        "district",
    ]
    minimal = proposed()
    assert (minimal.radius_m, minimal.positioned_at, minimal.method) == (None, None, None)
    assert (minimal.region, minimal.district) == (None, None)
    assert handoff().note is None


def test_proposed_locations_come_only_from_automatic_sources() -> None:
    assert frozenset({cs.LocationSource.AML, cs.LocationSource.NETWORK}) == (
        cs.AUTOMATIC_LOCATION_SOURCES
    )
    for source in cs.AUTOMATIC_LOCATION_SOURCES:
        assert proposed(source=source).source is source


BROKEN: list[tuple[str, Callable[[], object], str]] = [
    ("naive created_at", lambda: card(created_at=NAIVE), "created_at: must be timezone-aware"),
    ("naive closed_at", lambda: card(closed_at=NAIVE), "closed_at: must be timezone-aware"),
    (
        "offset with seconds",
        lambda: card(updated_at=AT.replace(tzinfo=timezone(timedelta(hours=5, seconds=30)))),
        "updated_at: UTC offset 5:00:30 must be whole minutes",
    ),
    (
        "offset over 14 hours",
        lambda: card(updated_at=AT.replace(tzinfo=timezone(timedelta(hours=-15)))),
        "at most 14 hours",
    ),
    (
        "card number",
        lambda: card(number="112-1"),
        "number: must match 112-[0-9]{8}-[0-9]{6} (e.g. 112-20261122-000123), got '112-1'",
    ),
    ("number with newline", lambda: card(number="112-20261122-000001\n"), "number:"),
    ("version 0", lambda: card(version=0), "version: must be between 1 and 2147483647"),
    ("version too big", lambda: card(version=2**31), "version: must be between 1"),
    (
        "language",
        lambda: card(language="UZ"),
        "language: must match [a-z]{2,3} (e.g. uz), got 'UZ'",
    ),
    ("operator with space", lambda: card(operator_id="a karimov"), "operator_id:"),
    ("empty supervisor", lambda: card(supervisor_id=""), "supervisor_id: must not be empty"),
    ("long user", lambda: card(operator_id="u" * 65), "operator_id: must be at most 64"),
    ("phone", lambda: cs.Caller(number="+998 90 123"), "number: must match"),
    ("callback phone", lambda: cs.Caller(callback_number="1" * 21), "callback_number:"),
    ("empty name", lambda: cs.Caller(name=""), "name: must not be empty"),
    ("long name", lambda: cs.Caller(name="x" * 201), "name: must be at most 200 characters"),
    ("control char", lambda: cs.Caller(name="Ali\x00"), "name: contains character U+0000"),
    ("surrogate", lambda: cs.Caller(name="Ali\ud800"), "contains character U+D800"),
    ("not a char", lambda: cs.Caller(name="\ufffe"), "contains character U+FFFE"),
    ("region code", lambda: cs.Place(code="UZ SA"), "code: must match"),
    ("unit code", lambda: cs.Unit(code="-1"), "got '-1'"),
    ("lat range", lambda: cs.Location(lat=90.5, lon=0.0), "lat: must be between -90 and 90"),
    ("lon range", lambda: cs.Location(lat=0.0, lon=-180.1), "lon: must be between -180 and 180"),
    ("lat NaN", lambda: cs.Location(lat=float("nan"), lon=0.0), "lat: must be between"),
    ("lat without lon", lambda: cs.Location(lat=41.3), "lon: is required when lat is given"),
    ("lon without lat", lambda: cs.Location(lon=69.2), "lat: is required when lon is given"),
    (
        "negative radius",
        lambda: cs.Location(radius_m=-1.0),
        "radius_m: must be between 0 and 20000000, got -1.0",
    ),
    ("infinite radius", lambda: cs.Location(radius_m=float("inf")), "radius_m: must be between"),
    ("long address", lambda: cs.Location(address="a" * 1001), "address: must be at most 1000"),
    ("incident type", lambda: cs.Incident(type="Fire"), "type: must match"),
    ("priority 0", lambda: cs.Incident(priority=0), "priority: must be between 1 and 5, got 0"),
    ("priority 6", lambda: cs.Incident(priority=6), "priority: must be between 1 and 5, got 6"),
    ("victims", lambda: cs.Incident(victims=-1), "victims: must be between 0 and"),
    ("description", lambda: cs.Incident(description="d" * 4001), "description: must be at most"),
    ("hazard", lambda: cs.Incident(hazards=("smoke", "Gas leak")), "hazards[1]: must match"),
    ("service code", lambda: service(code="1 01"), "code: must match"),
    (
        "naive routed_at",
        lambda: cs.RoutedService(code="101", status=S.ROUTED, routed_at=NAIVE),
        "routed_at: must be timezone-aware",
    ),
    ("naive change", lambda: cs.StatusChange(status=S.RECEIVED, at=NAIVE), "at: must be"),
    (
        "long change note",
        lambda: cs.StatusChange(status=S.RECEIVED, at=AT, note="n" * 1001),
        "note: must be at most 1000",
    ),
    (
        "empty change by",
        lambda: cs.StatusChange(status=S.RECEIVED, at=AT, by=""),
        "by: must not be empty",
    ),
    ("naive handoff", lambda: handoff(at=NAIVE), "at: must be timezone-aware"),
    ("handoff by empty", lambda: handoff(by=""), "by: must not be empty"),
    ("handoff by with space", lambda: handoff(by="a karimov"), "by: must match"),
    ("handoff by too long", lambda: handoff(by="u" * 65), "by: must be at most 64"),
    ("handoff contact empty", lambda: handoff(contact=""), "contact: must not be empty"),
    (
        "handoff contact too long",
        lambda: handoff(contact="c" * 201),
        "contact: must be at most 200 characters, got 201",
    ),
    ("handoff contact control", lambda: handoff(contact="Ali\x07"), "contains character U+0007"),
    ("handoff note empty", lambda: handoff(note=""), "note: must not be empty"),
    ("handoff note too long", lambda: handoff(note="n" * 1001), "note: must be at most 1000"),
    (
        "proposed lat range",
        lambda: proposed(lat=-90.5),
        "lat: must be between -90 and 90, got -90.5",
    ),
    ("proposed lon range", lambda: proposed(lon=180.1), "lon: must be between -180 and 180"),
    ("proposed lat NaN", lambda: proposed(lat=float("nan")), "lat: must be between"),
    ("proposed lon inf", lambda: proposed(lon=float("-inf")), "lon: must be between"),
    ("proposed radius", lambda: proposed(radius_m=-0.1), "radius_m: must be between 0 and"),
    (
        "proposed radius too big",
        lambda: proposed(radius_m=20_000_000.5),
        "radius_m: must be between 0 and 20000000",
    ),
    (
        "proposed by the operator",
        lambda: proposed(source=cs.LocationSource.OPERATOR),
        "source: must be an automatic source (aml, network), got operator",
    ),
    ("naive received_at", lambda: proposed(received_at=NAIVE), "received_at: must be timezone"),
    (
        "naive positioned_at",
        lambda: proposed(positioned_at=NAIVE),
        "positioned_at: must be timezone-aware",
    ),
    ("empty method", lambda: proposed(method=""), "method: must not be empty"),
    (
        "long method",
        lambda: proposed(method="M" * 33),
        "method: must be at most 32 characters, got 33",
    ),
    ("method control char", lambda: proposed(method="GNSS\x00"), "contains character U+0000"),
    ("proposed region", lambda: proposed(region=cs.Place(code="UZ SA")), "code: must match"),
    ("attempt 4", lambda: callback(4), "attempt: must be between 1 and 3, got 4"),
    ("attempt 0", lambda: callback(0), "attempt: must be between 1 and 3, got 0"),
    (
        "naive callback",
        lambda: cs.CallbackAttempt(attempt=1, at=NAIVE, outcome=cs.CallbackOutcome.BUSY),
        "at: must be timezone-aware",
    ),
    ("empty note", lambda: cs.Note(at=AT, author="a", text=""), "text: must not be empty"),
    ("long note", lambda: cs.Note(at=AT, author="a", text="t" * 4001), "text: must be at most"),
    ("note author", lambda: cs.Note(at=AT, author="", text="t"), "author: must not be empty"),
    (
        "link number",
        lambda: cs.Link(card_id=uuid.uuid4(), kind=cs.LinkKind.RELATED, number="000125"),
        "number: must match 112-[0-9]{8}-[0-9]{6}",
    ),
    (
        "four callbacks",
        lambda: card(callbacks=tuple(callback(n) for n in (1, 2, 3, 3))),
        "callbacks: at most 3 attempts, got 4",
    ),
    (
        "repeated attempt",
        lambda: card(callbacks=(callback(1), callback(2), callback(1))),
        "callbacks[2].attempt: duplicate value 1",
    ),
    (
        "repeated service",
        lambda: card(services=(service("101"), service("103"), service("101"))),
        "services[2].code: duplicate value 101",
    ),
    (
        "repeated link",
        lambda: card(
            links=(
                cs.Link(card_id=uuid.UUID(int=7), kind=cs.LinkKind.RELATED),
                cs.Link(card_id=uuid.UUID(int=7), kind=cs.LinkKind.DUPLICATE),
            )
        ),
        "links[1].card_id: duplicate value 00000000-0000-0000-0000-000000000007",
    ),
]


@pytest.mark.parametrize(
    ("make", "message"), [case[1:] for case in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_construction_refuses_broken_values(make: Callable[[], object], message: str) -> None:
    with pytest.raises(cs.CardDataError) as raised:
        make()
    assert message in str(raised.value)
    assert str(raised.value) == f"{raised.value.path}: {raised.value.reason}"


def test_boundary_values_are_accepted() -> None:
    utc_plus_14 = timezone(timedelta(hours=14))
    utc_minus_14 = timezone(timedelta(hours=-14))
    edge = card(
        version=2**31 - 1,
        created_at=AT.replace(tzinfo=utc_plus_14),
        updated_at=AT.replace(tzinfo=utc_minus_14),
        operator_id="u" * 64,
        location=cs.Location(lat=-90.0, lon=180.0, radius_m=20_000_000.0),
        incident=cs.Incident(priority=5, victims=0, description="d" * 4000, hazards=("x",)),
        notes=(cs.Note(at=AT, author="a", text="t"),),
        callbacks=(callback(3), callback(1), callback(2)),
    )
    assert edge.location.lat == -90.0
    assert cs.Location(lat=90, lon=-180).lon == -180
    far = proposed(lat=90.0, lon=-180.0, radius_m=0.0, method="M" * 32)
    assert (far.lat, far.lon, far.radius_m) == (90.0, -180.0, 0.0)
    assert proposed(lat=-90, lon=180, radius_m=20_000_000.0).lon == 180
    told = handoff(by="u" * 64, contact="c" * 200, note="n" * 1000)
    assert len(told.contact) == 200
    assert card(location=cs.Location(confirmed=True), proposed_location=far).location.confirmed


def test_errors_are_value_errors_with_a_common_base() -> None:
    for error in (
        cs.CardTooLarge,
        cs.UnsafeXML,
        cs.MalformedXML,
        cs.CardInvalid,
        cs.CardDataError,
    ):
        assert issubclass(error, cs.CardSchemaError)
    assert issubclass(cs.CardSchemaError, ValueError)
