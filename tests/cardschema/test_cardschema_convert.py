"""Cards to and from the JSON shape of the server's API."""

from __future__ import annotations

import copy
import dataclasses
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

import cardschema as cs

Data = dict[str, Any]


def test_full_card_as_json(full_card: cs.Card) -> None:
    data = cs.card_to_dict(full_card)
    assert data == {
        "id": "3f1c2a9e-7b4d-4e21-9c0a-5d8e6f7a1b23",
        "number": "112-20261122-000123",
        "version": 7,
        "status": "closed",
        "created_at": "2026-11-22T09:19:04.120000+05:00",
        "updated_at": "2026-11-22T06:02:40+00:00",
        "closed_at": "2026-11-22T02:32:40.000005-03:30",
        "channel": "video",
        "language": "kaa",
        "call_id": "a7e5c1d2-0b3f-4a6e-8d9c-1e2f3a4b5c6d",
        "caller": {
            "number": "+998915551234",
            "name": "Dilshod Rahimov",
            "callback_number": "*102#",
        },
        "location": {
            "address": 'Samarqand sh., Registon koʻchasi 12 <3-podyezd> & "5-qavat"',
            "lat": 39.654812,
            "lon": -66.975731,
            "radius_m": 0.5,
            "source": "aml",
            "region": {"code": "UZ-SA", "name": "Samarqand viloyati"},
            "district": {"code": "UZ-SA-SAMARQAND-SH", "name": None},
            "confirmed": True,
        },
        "proposed_location": {
            "lat": -0.0,
            "lon": 179.999999,
            "radius_m": 1250.0,
            "source": "network",
            "received_at": "2026-11-22T04:25:07.250000+00:00",
            "positioned_at": "2026-11-22T09:24:58.999999+05:00",
            "method": 'CELL <2G> & "TA"',
            "region": {"code": "UZ-SA", "name": "Samarqand viloyati"},
            "district": {"code": "UZ-SA-PAYARIQ", "name": None},
        },
        "incident": {
            "type": "fire.residential",
            "priority": 1,
            "description": "Tutun chiqmoqda.\r\nДым из окна.\tÚyde adam bar. 🔥",
            "victims": 0,
            "hazards": ["smoke", "people_trapped"],
        },
        "services": [
            {
                "code": "101",
                "name": "Yongʻin xavfsizligi",
                "unit": {"code": "SAM-YQQ-02", "name": "2-son yongʻin-qutqaruv qismi"},
                "status": "arrived",
                "routed_at": "2026-11-22T09:21:30+05:00",
                "history": [
                    {
                        "status": "received",
                        "at": "2026-11-22T09:21:31+05:00",
                        "note": None,
                        "by": None,
                    },
                    {
                        "status": "accepted",
                        "at": "2026-11-22T09:21:50+05:00",
                        "note": "2 ta avtotsisterna",
                        "by": "navbatchi B. Tursunov",
                    },
                ],
                "handoff": None,
            },
            {
                "code": "1146",
                "name": None,
                "unit": None,
                "status": "routed",
                "routed_at": "2026-11-22T09:22:00+05:00",
                "history": [],
                "handoff": {
                    "at": "2026-11-22T09:23:10+05:00",
                    "by": "d.yusupova",
                    "contact": "navbatchi psixolog N. Qodirova, +998 71 200-11-46",
                    "note": "Tizim javob bermadi.\nKarta raqami telefonda aytildi. 📞",
                },
            },
        ],
        "callbacks": [
            {
                "attempt": 1,
                "at": "2026-11-22T09:40:00+05:00",
                "outcome": "no_answer",
                "operator_id": None,
            },
            {
                "attempt": 2,
                "at": "2026-11-22T09:45:00+05:00",
                "outcome": "reached",
                "operator_id": "d.yusupova",
            },
        ],
        "notes": [
            {
                "at": "2026-11-22T09:20:15+05:00",
                "author": "d.yusupova",
                "text": "Nam latta bilan nafas.",
            }
        ],
        "links": [
            {
                "card_id": "5e0b7d4c-2a1f-4c3b-9e8d-7f6a5b4c3d2e",
                "number": "112-20261122-000125",
                "kind": "related",
            },
            {
                "card_id": "6e0b7d4c-2a1f-4c3b-9e8d-7f6a5b4c3d2e",
                "number": None,
                "kind": "duplicate",
            },
        ],
        "outcome": "dispatched",
        "operator_id": "d.yusupova",
        "supervisor_id": "b.saidov",
    }
    assert type(data["status"]) is str
    assert type(data["services"][0]["status"]) is str


def test_minimal_card_as_json_keeps_empty_values(minimal_card: cs.Card) -> None:
    data = cs.card_to_dict(minimal_card)
    assert data["closed_at"] is None
    assert data["call_id"] is None
    assert data["outcome"] is None
    assert data["caller"] == {"number": None, "name": None, "callback_number": None}
    assert data["location"]["region"] is None
    assert data["location"]["confirmed"] is False
    assert data["proposed_location"] is None
    assert data["incident"]["hazards"] == []
    assert data["services"] == data["callbacks"] == data["notes"] == data["links"] == []


@pytest.mark.parametrize("fixture", ["full_card", "minimal_card"])
def test_round_trip_through_json_text(fixture: str, request: pytest.FixtureRequest) -> None:
    card: cs.Card = request.getfixturevalue(fixture)
    text = json.dumps(cs.card_to_dict(card), ensure_ascii=False)
    assert cs.card_from_dict(json.loads(text)) == card


def test_only_required_keys_are_needed(minimal_card: cs.Card) -> None:
    data = {
        "id": "11111111-2222-4333-8444-555555555555",
        "number": "112-20261122-000001",
        "version": 1,
        "status": "open",
        "created_at": "2026-11-22T09:19:00+05:00",
        "updated_at": "2026-11-22T04:19:00Z",
        "channel": "voice",
        "language": "uz",
    }
    assert cs.card_from_dict(data) == minimal_card


def test_documents_stored_before_revision_1_1_still_load(full_card: cs.Card) -> None:
    data = cs.card_to_dict(full_card)
    del data["proposed_location"]
    del data["location"]["confirmed"]
    for service in data["services"]:
        del service["handoff"]
    card = cs.card_from_dict(data)
    assert card.proposed_location is None
    assert card.location == dataclasses.replace(full_card.location, confirmed=False)
    assert all(service.handoff is None for service in card.services)
    assert card.services[0] == full_card.services[0]


def test_optional_parts_of_the_new_objects_may_be_left_out(minimal_card: cs.Card) -> None:
    data = cs.card_to_dict(minimal_card)
    data["location"] = {"confirmed": True}
    data["proposed_location"] = {
        "lat": 41,
        "lon": 69.25,
        "source": "aml",
        "received_at": "2026-11-22T09:20:00+05:00",
    }
    data["services"] = [
        {
            "code": "104",
            "status": "routed",
            "routed_at": "2026-11-22T09:20:00+05:00",
            "handoff": {"at": "2026-11-22T09:21:00+05:00", "by": "a", "contact": "Aliyev"},
        }
    ]
    card = cs.card_from_dict(data)
    assert card.location == cs.Location(confirmed=True)
    assert card.proposed_location is not None
    assert type(card.proposed_location.lat) is float
    assert card.proposed_location.lat == 41.0
    assert card.proposed_location.radius_m is None
    assert card.services[0].handoff is not None
    assert card.services[0].handoff.note is None
    assert cs.card_from_dict(cs.card_to_dict(card)) == card


def test_absent_lists_are_empty(minimal_card: cs.Card) -> None:
    data = cs.card_to_dict(minimal_card)
    data["incident"] = {"priority": 3}
    data["services"] = [{"code": "103", "status": "routed", "routed_at": "2026-11-22T09:20:00Z"}]
    for key in ("callbacks", "notes", "links"):
        del data[key]
    card = cs.card_from_dict(data)
    assert card.incident == cs.Incident(priority=3, hazards=())
    assert card.services[0].history == ()
    assert (card.callbacks, card.notes, card.links) == ((), (), ())


def test_python_values_are_accepted_too(full_card: cs.Card) -> None:
    data = cs.card_to_dict(full_card)
    data["id"] = full_card.id
    data["created_at"] = full_card.created_at
    data["location"]["lat"] = 40
    data["links"][0]["card_id"] = str(full_card.links[0].card_id).upper()
    data["services"] = tuple(data["services"])
    card = cs.card_from_dict(data)
    location = dataclasses.replace(full_card.location, lat=40.0)
    assert card == dataclasses.replace(full_card, location=location)
    assert type(card.location.lat) is float
    assert card.links[0].card_id == full_card.links[0].card_id


_DELETE = object()


def _set(path: str, value: object) -> Callable[[Data], None]:
    """Return a change that sets a dotted path (list indexes as numbers) to ``value``."""
    *parents, last = path.split(".")

    def change(data: Data) -> None:
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return change


BAD: list[tuple[str, Callable[[Data], None], str]] = [
    ("missing number", _set("number", _DELETE), "number: is required"),
    ("missing note text", _set("notes.0.text", _DELETE), "notes[0].text: is required"),
    ("null number", _set("number", None), "number: must be a string, got null"),
    ("version as text", _set("version", "7"), "version: must be an integer, got a string"),
    ("version as float", _set("version", 7.0), "version: must be an integer, got a number"),
    ("priority as bool", _set("incident.priority", True), "incident.priority: must be an integer"),
    ("lat as bool", _set("location.lat", False), "location.lat: must be a number, got a boolean"),
    ("lat as text", _set("location.lat", "41.3"), "location.lat: must be a number, got a string"),
    ("lat range", _set("location.lat", 91), "location.lat: must be between -90 and 90"),
    ("bad status", _set("status", "pending"), "status: must be one of open, routed, closed"),
    ("bad source", _set("location.source", "gps"), "location.source: must be one of aml,"),
    (
        "bad history status",
        _set("services.0.history.1.status", "done"),
        "services[0].history[1].status: must be one of routed, received,",
    ),
    (
        "naive text",
        _set("created_at", "2026-11-22T09:19:00"),
        "created_at: '2026-11-22T09:19:00' is not a timestamp with a UTC offset",
    ),
    (
        "date only",
        _set("notes.0.at", "2026-11-22"),
        "notes[0].at: '2026-11-22' is not a timestamp with a UTC offset",
    ),
    (
        "impossible date",
        _set("updated_at", "2026-02-30T09:19:00+05:00"),
        "updated_at: '2026-02-30T09:19:00+05:00' is not a real date and time",
    ),
    (
        "naive datetime",
        _set("services.1.routed_at", datetime(2026, 11, 22, 9, 19)),
        "services[1].routed_at: must be timezone-aware",
    ),
    ("timestamp as number", _set("closed_at", 1_790_000_000), "closed_at: must be a timestamp"),
    ("bad uuid", _set("id", "3f1c2a9e"), "id: '3f1c2a9e' is not a UUID"),
    ("braced uuid", _set("call_id", "{" + "a" * 32 + "}"), "call_id: '{aaaa"),
    ("uuid as int", _set("links.1.card_id", 7), "links[1].card_id: must be a UUID string"),
    ("unknown key", _set("caller.phone", "+998"), "caller.phone: unknown field"),
    ("unknown top key", _set("priority", 1), "priority: unknown field"),
    ("null caller", _set("caller", None), "caller: must be an object, got null"),
    ("list location", _set("location", []), "location: must be an object, got list"),
    ("region as text", _set("location.region", "UZ-SA"), "location.region: must be an object"),
    ("services as dict", _set("services", {}), "services: must be a list, got dict"),
    ("null notes", _set("notes", None), "notes: must be a list, got null"),
    ("note as text", _set("notes.0", "hello"), "notes[0]: must be an object, got a string"),
    ("hazards as text", _set("incident.hazards", "smoke"), "incident.hazards: must be a list"),
    ("hazard as int", _set("incident.hazards.1", 3), "incident.hazards[1]: must be a string"),
    (
        "bad hazard",
        _set("incident.hazards.0", "Smoke"),
        "incident.hazards[0]: must match [a-z][a-z0-9_]{0,63} (e.g. gas_leak), got 'Smoke'",
    ),
    ("bad region code", _set("location.region.code", "UZ SA"), "location.region.code: must match"),
    ("bad unit code", _set("services.0.unit.code", ""), "services[0].unit.code: must match"),
    ("empty note", _set("notes.0.text", ""), "notes[0].text: must not be empty"),
    ("attempt 4", _set("callbacks.1.attempt", 4), "callbacks[1].attempt: must be between 1 and 3"),
    ("bad link kind", _set("links.0.kind", "same"), "links[0].kind: must be one of related,"),
    ("lat alone", _set("location.lon", None), "location.lon: is required when lat is given"),
    ("same service", _set("services.1.code", "101"), "services[1].code: duplicate value 101"),
    (
        "confirmed as text",
        _set("location.confirmed", "true"),
        "location.confirmed: must be a boolean, got a string",
    ),
    (
        "confirmed as number",
        _set("location.confirmed", 1),
        "location.confirmed: must be a boolean, got an integer",
    ),
    (
        "null confirmed",
        _set("location.confirmed", None),
        "location.confirmed: must be a boolean, got null",
    ),
    (
        "handoff without contact",
        _set("services.1.handoff.contact", _DELETE),
        "services[1].handoff.contact: is required",
    ),
    (
        "null handoff contact",
        _set("services.1.handoff.contact", None),
        "services[1].handoff.contact: must be a string, got null",
    ),
    (
        "empty handoff contact",
        _set("services.1.handoff.contact", ""),
        "services[1].handoff.contact: must not be empty",
    ),
    (
        "handoff without at",
        _set("services.1.handoff.at", _DELETE),
        "services[1].handoff.at: is required",
    ),
    (
        "naive handoff",
        _set("services.1.handoff.at", "2026-11-22T09:23:10"),
        "services[1].handoff.at: '2026-11-22T09:23:10' is not a timestamp with a UTC offset",
    ),
    ("handoff by", _set("services.1.handoff.by", "d yusupova"), "services[1].handoff.by: must"),
    (
        "long handoff note",
        _set("services.1.handoff.note", "n" * 1001),
        "services[1].handoff.note: must be at most 1000",
    ),
    (
        "unknown handoff key",
        _set("services.1.handoff.phone", "+998712001146"),
        "services[1].handoff.phone: unknown field",
    ),
    ("handoff as text", _set("services.0.handoff", "phoned"), "services[0].handoff: must be an"),
    (
        "proposed lat range",
        _set("proposed_location.lat", -91.5),
        "proposed_location.lat: must be between -90 and 90, got -91.5",
    ),
    (
        "proposed lon range",
        _set("proposed_location.lon", 181),
        "proposed_location.lon: must be between -180 and 180, got 181.0",
    ),
    (
        "proposed lat missing",
        _set("proposed_location.lat", _DELETE),
        "proposed_location.lat: is required",
    ),
    (
        "proposed lon null",
        _set("proposed_location.lon", None),
        "proposed_location.lon: must be a number, got null",
    ),
    (
        "proposed lat as text",
        _set("proposed_location.lat", "41.3"),
        "proposed_location.lat: must be a number, got a string",
    ),
    (
        "proposed radius",
        _set("proposed_location.radius_m", -5),
        "proposed_location.radius_m: must be between 0 and 20000000",
    ),
    (
        "proposed by the operator",
        _set("proposed_location.source", "operator"),
        "proposed_location.source: must be an automatic source (aml, network), got operator",
    ),
    (
        "proposed source unknown",
        _set("proposed_location.source", "gps"),
        "proposed_location.source: must be one of aml, operator, network; got 'gps'",
    ),
    (
        "proposed source missing",
        _set("proposed_location.source", _DELETE),
        "proposed_location.source: is required",
    ),
    (
        "proposed received_at missing",
        _set("proposed_location.received_at", _DELETE),
        "proposed_location.received_at: is required",
    ),
    (
        "naive positioned_at",
        _set("proposed_location.positioned_at", datetime(2026, 11, 22, 9, 24)),
        "proposed_location.positioned_at: must be timezone-aware",
    ),
    (
        "long method",
        _set("proposed_location.method", "M" * 33),
        "proposed_location.method: must be at most 32 characters",
    ),
    (
        "proposed region code",
        _set("proposed_location.district.code", "UZ SA"),
        "proposed_location.district.code: must match",
    ),
    (
        "proposed address",
        _set("proposed_location.address", "Registon"),
        "proposed_location.address: unknown field",
    ),
    (
        "proposed as list",
        _set("proposed_location", [41.3, 69.2]),
        "proposed_location: must be an object, got list",
    ),
]


@pytest.mark.parametrize(("change", "message"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_data_names_the_field(
    full_card: cs.Card, change: Callable[[Data], None], message: str
) -> None:
    data = copy.deepcopy(cs.card_to_dict(full_card))
    change(data)
    with pytest.raises(cs.CardDataError) as raised:
        cs.card_from_dict(data)
    assert message in str(raised.value)


def test_not_a_mapping_is_refused() -> None:
    with pytest.raises(cs.CardDataError, match=r"^card: must be an object, got list$"):
        cs.card_from_dict([])  # type: ignore[arg-type]


def test_timestamps_keep_their_offsets() -> None:
    data = {
        "id": str(uuid.uuid4()),
        "number": "112-20261122-000001",
        "version": 1,
        "status": "open",
        "created_at": "2026-11-22T09:19:00.5+05:00",
        "updated_at": "2026-11-22T04:19:00Z",
        "closed_at": "2026-11-21T23:19:00-14:00",
        "channel": "sms",
        "language": "ru",
    }
    card = cs.card_from_dict(data)
    assert card.created_at == datetime(2026, 11, 22, 9, 19, 0, 500000, timezone(timedelta(hours=5)))
    assert card.created_at.utcoffset() == timedelta(hours=5)
    assert card.updated_at.tzinfo == UTC
    assert card.closed_at is not None
    assert card.closed_at.utcoffset() == timedelta(hours=-14)
