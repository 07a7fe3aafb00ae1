"""Card to and from JSON-ready dicts with the snake_case field names of the server's API.

``card_from_dict`` is strict: a key may be left out exactly when the model field has a
default; unknown keys, wrong types and broken rules raise ``CardDataError`` naming the path.
So documents stored before a field was added (no ``location.confirmed``, no
``proposed_location``, no ``services[i].handoff``) still load, with the field's default.
``card_to_dict`` writes the parts of revision 1.2 (``caller.conditions``,
``caller.condition_note``, ``location.structured_address``, ``persons``, ``vehicles``,
``attachments``, ``incident_id``), of revision 1.3 (``protocols``) and of revision 1.4
(``call_control``) only when the card uses them, so its JSON is unchanged otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cardschema.call_control_json import leg_from_fields, leg_to_dict
from cardschema.codes import (
    CallbackOutcome,
    CallerCondition,
    CardStatus,
    Channel,
    LinkKind,
    LocationSource,
    Outcome,
    ServiceStatus,
)
from cardschema.jsonfields import Fields, iso
from cardschema.model import (
    ADDRESS_PARTS,
    CallbackAttempt,
    Caller,
    Card,
    Handoff,
    Incident,
    Link,
    Location,
    Note,
    Place,
    ProposedLocation,
    RoutedService,
    StatusChange,
    StructuredAddress,
    Unit,
)
from cardschema.parties import (
    AgeBand,
    Attachment,
    AttachmentSource,
    Person,
    PersonRole,
    Sex,
    Vehicle,
    VehicleRole,
)
from cardschema.protocol_json import protocol_from_fields, protocol_to_dict


def card_to_dict(card: Card) -> dict[str, Any]:
    """Return the card as plain JSON-ready data (str, int, float, bool, None, list, dict).

    A part added in revision 1.2, 1.3 or 1.4 is written only when the card uses it, so a card
    without them is the same JSON as before.
    """
    data: dict[str, Any] = {
        "id": str(card.id),
        "number": card.number,
        "version": card.version,
        "status": card.status.value,
        "created_at": card.created_at.isoformat(),
        "updated_at": card.updated_at.isoformat(),
        "closed_at": iso(card.closed_at),
        "channel": card.channel.value,
        "language": card.language,
        "call_id": None if card.call_id is None else str(card.call_id),
        "caller": {
            "number": card.caller.number,
            "name": card.caller.name,
            "callback_number": card.caller.callback_number,
        },
        "location": _location_to_dict(card.location),
        "proposed_location": _proposed_to_dict(card.proposed_location),
        "incident": {
            "type": card.incident.type,
            "priority": card.incident.priority,
            "description": card.incident.description,
            "victims": card.incident.victims,
            "hazards": list(card.incident.hazards),
        },
        "services": [_service_to_dict(service) for service in card.services],
        "callbacks": [
            {
                "attempt": callback.attempt,
                "at": callback.at.isoformat(),
                "outcome": callback.outcome.value,
                "operator_id": callback.operator_id,
            }
            for callback in card.callbacks
        ],
        "notes": [
            {"at": note.at.isoformat(), "author": note.author, "text": note.text}
            for note in card.notes
        ],
        "links": [
            {"card_id": str(link.card_id), "number": link.number, "kind": link.kind.value}
            for link in card.links
        ],
        "outcome": None if card.outcome is None else card.outcome.value,
        "operator_id": card.operator_id,
        "supervisor_id": card.supervisor_id,
    }
    if card.caller.conditions:
        data["caller"]["conditions"] = [condition.value for condition in card.caller.conditions]
    if card.caller.condition_note is not None:
        data["caller"]["condition_note"] = card.caller.condition_note
    if card.location.structured_address is not None:
        address = card.location.structured_address
        data["location"]["structured_address"] = {
            name: getattr(address, name) for name in ADDRESS_PARTS
        }
    if card.persons:
        data["persons"] = [_person_to_dict(person) for person in card.persons]
    if card.vehicles:
        data["vehicles"] = [_vehicle_to_dict(vehicle) for vehicle in card.vehicles]
    if card.attachments:
        data["attachments"] = [_attachment_to_dict(item) for item in card.attachments]
    if card.incident_id is not None:
        data["incident_id"] = str(card.incident_id)
    if card.protocols:
        data["protocols"] = [protocol_to_dict(record) for record in card.protocols]
    if card.call_control:
        data["call_control"] = [leg_to_dict(leg) for leg in card.call_control]
    return data


def _person_to_dict(person: Person) -> dict[str, Any]:
    return {
        "role": person.role.value,
        "name": person.name,
        "age": person.age,
        "age_band": None if person.age_band is None else person.age_band.value,
        "sex": None if person.sex is None else person.sex.value,
        "condition": person.condition,
        "description": person.description,
    }


def _vehicle_to_dict(vehicle: Vehicle) -> dict[str, Any]:
    return {
        "role": vehicle.role.value,
        "plate": vehicle.plate,
        "make": vehicle.make,
        "model": vehicle.model,
        "colour": vehicle.colour,
        "description": vehicle.description,
    }


def _attachment_to_dict(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": str(attachment.id),
        "file_name": attachment.file_name,
        "media_type": attachment.media_type,
        "size_bytes": attachment.size_bytes,
        "sha256": attachment.sha256,
        "source": attachment.source.value,
        "received_at": attachment.received_at.isoformat(),
    }


def _place_to_dict(place: Place | Unit | None) -> dict[str, Any] | None:
    return None if place is None else {"code": place.code, "name": place.name}


def _location_to_dict(location: Location) -> dict[str, Any]:
    return {
        "address": location.address,
        "lat": location.lat,
        "lon": location.lon,
        "radius_m": location.radius_m,
        "source": None if location.source is None else location.source.value,
        "region": _place_to_dict(location.region),
        "district": _place_to_dict(location.district),
        "confirmed": location.confirmed,
    }


def _proposed_to_dict(proposed: ProposedLocation | None) -> dict[str, Any] | None:
    if proposed is None:
        return None
    return {
        "lat": proposed.lat,
        "lon": proposed.lon,
        "radius_m": proposed.radius_m,
        "source": proposed.source.value,
        "received_at": proposed.received_at.isoformat(),
        "positioned_at": iso(proposed.positioned_at),
        "method": proposed.method,
        "region": _place_to_dict(proposed.region),
        "district": _place_to_dict(proposed.district),
    }


def _handoff_to_dict(handoff: Handoff | None) -> dict[str, Any] | None:
    if handoff is None:
        return None
    return {
        "at": handoff.at.isoformat(),
        "by": handoff.by,
        "contact": handoff.contact,
        "note": handoff.note,
    }


def _service_to_dict(service: RoutedService) -> dict[str, Any]:
    return {
        "code": service.code,
        "name": service.name,
        "unit": _place_to_dict(service.unit),
        "status": service.status.value,
        "routed_at": service.routed_at.isoformat(),
        "history": [
            {
                "status": change.status.value,
                "at": change.at.isoformat(),
                "note": change.note,
                "by": change.by,
            }
            for change in service.history
        ],
        "handoff": _handoff_to_dict(service.handoff),
    }


def card_from_dict(data: Mapping[str, Any]) -> Card:
    """Build a Card from JSON data, refusing anything that breaks the contract."""
    f = Fields(data, "")
    return f.make(
        Card,
        id=f.ident("id"),
        number=f.text("number"),
        version=f.integer("version"),
        status=f.choice("status", CardStatus),
        created_at=f.timestamp("created_at"),
        updated_at=f.timestamp("updated_at"),
        closed_at=f.opt_timestamp("closed_at"),
        channel=f.choice("channel", Channel),
        language=f.text("language"),
        call_id=f.opt_ident("call_id"),
        caller=f.group("caller", _caller, Caller()),
        location=f.group("location", _location, Location()),
        proposed_location=f.obj("proposed_location", _proposed_location),
        incident=f.group("incident", _incident, Incident()),
        persons=f.items("persons", _person),
        vehicles=f.items("vehicles", _vehicle),
        services=f.items("services", _service),
        callbacks=f.items("callbacks", _callback),
        notes=f.items("notes", _note),
        attachments=f.items("attachments", _attachment),
        links=f.items("links", _link),
        incident_id=f.opt_ident("incident_id"),
        outcome=f.opt_choice("outcome", Outcome),
        operator_id=f.opt_text("operator_id"),
        supervisor_id=f.opt_text("supervisor_id"),
        protocols=f.items("protocols", protocol_from_fields),
        call_control=f.items("call_control", leg_from_fields),
    )


def _caller(f: Fields) -> Caller:
    return f.make(
        Caller,
        number=f.opt_text("number"),
        name=f.opt_text("name"),
        callback_number=f.opt_text("callback_number"),
        conditions=f.choices("conditions", CallerCondition),
        condition_note=f.opt_text("condition_note"),
    )


def _place(f: Fields) -> Place:
    return f.make(Place, code=f.text("code"), name=f.opt_text("name"))


def _unit(f: Fields) -> Unit:
    return f.make(Unit, code=f.text("code"), name=f.opt_text("name"))


def _location(f: Fields) -> Location:
    return f.make(
        Location,
        address=f.opt_text("address"),
        structured_address=f.obj("structured_address", _structured),
        lat=f.opt_number("lat"),
        lon=f.opt_number("lon"),
        radius_m=f.opt_number("radius_m"),
        source=f.opt_choice("source", LocationSource),
        region=f.obj("region", _place),
        district=f.obj("district", _place),
        confirmed=f.flag("confirmed", False),
    )


def _proposed_location(f: Fields) -> ProposedLocation:
    return f.make(
        ProposedLocation,
        lat=f.number("lat"),
        lon=f.number("lon"),
        radius_m=f.opt_number("radius_m"),
        source=f.choice("source", LocationSource),
        received_at=f.timestamp("received_at"),
        positioned_at=f.opt_timestamp("positioned_at"),
        method=f.opt_text("method"),
        region=f.obj("region", _place),
        district=f.obj("district", _place),
    )


def _structured(f: Fields) -> StructuredAddress:
    return f.make(StructuredAddress, **{name: f.opt_text(name) for name in ADDRESS_PARTS})


def _person(f: Fields) -> Person:
    return f.make(
        Person,
        role=f.choice("role", PersonRole),
        name=f.opt_text("name"),
        age=f.opt_integer("age"),
        age_band=f.opt_choice("age_band", AgeBand),
        sex=f.opt_choice("sex", Sex),
        condition=f.opt_text("condition"),
        description=f.opt_text("description"),
    )


def _vehicle(f: Fields) -> Vehicle:
    return f.make(
        Vehicle,
        role=f.choice("role", VehicleRole),
        plate=f.opt_text("plate"),
        make=f.opt_text("make"),
        model=f.opt_text("model"),
        colour=f.opt_text("colour"),
        description=f.opt_text("description"),
    )


def _attachment(f: Fields) -> Attachment:
    return f.make(
        Attachment,
        id=f.ident("id"),
        file_name=f.opt_text("file_name"),
        media_type=f.text("media_type"),
        size_bytes=f.integer("size_bytes"),
        sha256=f.text("sha256"),
        source=f.choice("source", AttachmentSource),
        received_at=f.timestamp("received_at"),
    )


def _incident(f: Fields) -> Incident:
    return f.make(
        Incident,
        type=f.opt_text("type"),
        priority=f.opt_integer("priority"),
        description=f.opt_text("description"),
        victims=f.opt_integer("victims"),
        hazards=f.strings("hazards"),
    )


def _service(f: Fields) -> RoutedService:
    return f.make(
        RoutedService,
        code=f.text("code"),
        name=f.opt_text("name"),
        unit=f.obj("unit", _unit),
        status=f.choice("status", ServiceStatus),
        routed_at=f.timestamp("routed_at"),
        history=f.items("history", _change),
        handoff=f.obj("handoff", _handoff),
    )


def _handoff(f: Fields) -> Handoff:
    return f.make(
        Handoff,
        at=f.timestamp("at"),
        by=f.text("by"),
        contact=f.text("contact"),
        note=f.opt_text("note"),
    )


def _change(f: Fields) -> StatusChange:
    return f.make(
        StatusChange,
        status=f.choice("status", ServiceStatus),
        at=f.timestamp("at"),
        note=f.opt_text("note"),
        by=f.opt_text("by"),
    )


def _callback(f: Fields) -> CallbackAttempt:
    return f.make(
        CallbackAttempt,
        attempt=f.integer("attempt"),
        at=f.timestamp("at"),
        outcome=f.choice("outcome", CallbackOutcome),
        operator_id=f.opt_text("operator_id"),
    )


def _note(f: Fields) -> Note:
    return f.make(Note, at=f.timestamp("at"), author=f.text("author"), text=f.text("text"))


def _link(f: Fields) -> Link:
    return f.make(
        Link,
        card_id=f.ident("card_id"),
        number=f.opt_text("number"),
        kind=f.choice("kind", LinkKind),
    )
