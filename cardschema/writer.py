"""Card to XML; the output is validated before it is returned, so nothing invalid leaves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar, cast

from lxml import etree

from cardschema import validation
from cardschema.call_control import CallControlRecord
from cardschema.model import (
    ADDRESS_PARTS,
    CallbackAttempt,
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
    Attachment,
    Person,
    Vehicle,
)
from cardschema.protocols import (
    ProtocolAnswer,
    ProtocolDeterminant,
    ProtocolInstruction,
    ProtocolRecord,
)
from cardschema.validation import NAMESPACE, ROOT_ELEMENT, SCHEMA_VERSION

T = TypeVar("T")

_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _qname(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _child(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, _qname(name))


def _text(parent: etree._Element, name: str, value: str | None) -> None:
    if value is not None:
        _child(parent, name).text = value


def _number(parent: etree._Element, name: str, value: float | None) -> None:
    if value is not None:
        # repr of a float is the shortest text that reads back as the same float.
        _text(parent, name, repr(float(value)))


def _integer(parent: etree._Element, name: str, value: int | None) -> None:
    if value is not None:
        _text(parent, name, str(value))


def _timestamp(parent: etree._Element, name: str, value: datetime | None) -> None:
    if value is not None:
        _text(parent, name, value.isoformat())


def build(card: Card) -> bytes:
    """Return the card as pretty-printed UTF-8 XML; raise CardInvalid if it is not valid."""
    # lxml-stubs 0.5 does not allow the None key that makes NAMESPACE the default namespace.
    default_namespace = cast("dict[str, str]", {None: NAMESPACE})
    root = etree.Element(_qname(ROOT_ELEMENT), nsmap=default_namespace)
    root.set("schemaVersion", SCHEMA_VERSION)
    _text(root, "id", str(card.id))
    _text(root, "number", card.number)
    _integer(root, "version", card.version)
    _text(root, "status", card.status.value)
    _timestamp(root, "createdAt", card.created_at)
    _timestamp(root, "updatedAt", card.updated_at)
    _timestamp(root, "closedAt", card.closed_at)
    _text(root, "channel", card.channel.value)
    _text(root, "language", card.language)
    _text(root, "callId", None if card.call_id is None else str(card.call_id))
    caller = _child(root, "caller")
    _text(caller, "number", card.caller.number)
    _text(caller, "name", card.caller.name)
    _text(caller, "callbackNumber", card.caller.callback_number)
    _list(caller, "conditions", "condition", card.caller.conditions, _token)
    _text(caller, "conditionNote", card.caller.condition_note)
    _location(_child(root, "location"), card.location)
    _optional(root, "proposedLocation", card.proposed_location, _proposed)
    _incident(_child(root, "incident"), card.incident)
    _list(root, "persons", "person", card.persons, _person)
    _list(root, "vehicles", "vehicle", card.vehicles, _vehicle)
    _list(root, "services", "service", card.services, _service)
    _list(root, "callbacks", "callback", card.callbacks, _callback)
    _list(root, "notes", "note", card.notes, _note)
    _list(root, "attachments", "attachment", card.attachments, _attachment)
    _list(root, "links", "link", card.links, _link)
    _text(root, "incidentId", None if card.incident_id is None else str(card.incident_id))
    _text(root, "outcome", None if card.outcome is None else card.outcome.value)
    _text(root, "operatorId", card.operator_id)
    _text(root, "supervisorId", card.supervisor_id)
    _list(root, "protocols", "protocol", card.protocols, _protocol)
    _list(root, "callControl", "leg", card.call_control, _leg)
    data = _DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)
    validation.validate(data)
    return data


def _list(
    parent: etree._Element,
    wrapper: str,
    item: str,
    values: tuple[T, ...],
    fill: Callable[[etree._Element, T], None],
) -> None:
    # An empty list has exactly one form: the wrapper element is left out.
    if values:
        element = _child(parent, wrapper)
        for value in values:
            fill(_child(element, item), value)


def _optional(
    parent: etree._Element, name: str, value: T | None, fill: Callable[[etree._Element, T], None]
) -> None:
    if value is not None:
        fill(_child(parent, name), value)


def _place(parent: etree._Element, name: str, place: Place | Unit | None) -> None:
    if place is not None:
        element = _child(parent, name)
        _text(element, "code", place.code)
        _text(element, "name", place.name)


def _location(element: etree._Element, location: Location) -> None:
    _text(element, "address", location.address)
    _optional(element, "structuredAddress", location.structured_address, _structured)
    _number(element, "lat", location.lat)
    _number(element, "lon", location.lon)
    _number(element, "radiusM", location.radius_m)
    _text(element, "source", None if location.source is None else location.source.value)
    _place(element, "region", location.region)
    _place(element, "district", location.district)
    # Only true is written: an unconfirmed location has no <confirmed> element.
    _text(element, "confirmed", "true" if location.confirmed else None)


def _proposed(element: etree._Element, proposed: ProposedLocation) -> None:
    _number(element, "lat", proposed.lat)
    _number(element, "lon", proposed.lon)
    _number(element, "radiusM", proposed.radius_m)
    _text(element, "source", proposed.source.value)
    _timestamp(element, "receivedAt", proposed.received_at)
    _timestamp(element, "positionedAt", proposed.positioned_at)
    _text(element, "method", proposed.method)
    _place(element, "region", proposed.region)
    _place(element, "district", proposed.district)


def _token(element: etree._Element, token: str) -> None:
    element.text = token


def _structured(element: etree._Element, address: StructuredAddress) -> None:
    for name in ADDRESS_PARTS:
        _text(element, name, getattr(address, name))


def _person(element: etree._Element, person: Person) -> None:
    _text(element, "role", person.role.value)
    _text(element, "name", person.name)
    _integer(element, "age", person.age)
    _text(element, "ageBand", None if person.age_band is None else person.age_band.value)
    _text(element, "sex", None if person.sex is None else person.sex.value)
    _text(element, "condition", person.condition)
    _text(element, "description", person.description)


def _vehicle(element: etree._Element, vehicle: Vehicle) -> None:
    _text(element, "role", vehicle.role.value)
    for name in ("plate", "make", "model", "colour", "description"):
        _text(element, name, getattr(vehicle, name))


def _attachment(element: etree._Element, attachment: Attachment) -> None:
    _text(element, "id", str(attachment.id))
    _text(element, "fileName", attachment.file_name)
    _text(element, "mediaType", attachment.media_type)
    _integer(element, "sizeBytes", attachment.size_bytes)
    _text(element, "sha256", attachment.sha256)
    _text(element, "source", attachment.source.value)
    _timestamp(element, "receivedAt", attachment.received_at)


def _incident(element: etree._Element, incident: Incident) -> None:
    _text(element, "type", incident.type)
    _integer(element, "priority", incident.priority)
    _text(element, "description", incident.description)
    _integer(element, "victims", incident.victims)
    _list(element, "hazards", "hazard", incident.hazards, _token)


def _change(element: etree._Element, change: StatusChange) -> None:
    _text(element, "status", change.status.value)
    _timestamp(element, "at", change.at)
    _text(element, "note", change.note)
    _text(element, "by", change.by)


def _service(element: etree._Element, service: RoutedService) -> None:
    _text(element, "code", service.code)
    _text(element, "name", service.name)
    _place(element, "unit", service.unit)
    _text(element, "status", service.status.value)
    _timestamp(element, "routedAt", service.routed_at)
    _list(element, "history", "change", service.history, _change)
    _optional(element, "handoff", service.handoff, _handoff)


def _handoff(element: etree._Element, handoff: Handoff) -> None:
    _timestamp(element, "at", handoff.at)
    _text(element, "by", handoff.by)
    _text(element, "contact", handoff.contact)
    _text(element, "note", handoff.note)


def _callback(element: etree._Element, callback: CallbackAttempt) -> None:
    _integer(element, "attempt", callback.attempt)
    _timestamp(element, "at", callback.at)
    _text(element, "outcome", callback.outcome.value)
    _text(element, "operatorId", callback.operator_id)


def _note(element: etree._Element, note: Note) -> None:
    _timestamp(element, "at", note.at)
    _text(element, "author", note.author)
    _text(element, "text", note.text)


def _link(element: etree._Element, link: Link) -> None:
    _text(element, "cardId", str(link.card_id))
    _text(element, "number", link.number)
    _text(element, "kind", link.kind.value)


def _protocol(element: etree._Element, record: ProtocolRecord) -> None:
    _text(element, "code", record.code)
    _integer(element, "version", record.version)
    _text(element, "approved", "true" if record.approved else "false")
    _text(element, "language", record.language)
    _timestamp(element, "startedAt", record.started_at)
    _text(element, "startedBy", record.started_by)
    _list(element, "answers", "answer", record.answers, _answer)
    _list(element, "instructions", "instruction", record.instructions, _instruction)
    _optional(element, "determinant", record.determinant, _determinant)
    _integer(element, "priorityOverride", record.priority_override)
    _text(element, "overrideReason", record.override_reason)
    # Only true is written: absent means no escalation was required.
    _text(element, "escalationRequired", "true" if record.escalation_required else None)
    _timestamp(element, "escalatedAt", record.escalated_at)


def _answer(element: etree._Element, answer: ProtocolAnswer) -> None:
    _text(element, "node", answer.node)
    _text(element, "question", answer.question)
    _text(element, "value", answer.value)
    _timestamp(element, "at", answer.at)


def _instruction(element: etree._Element, instruction: ProtocolInstruction) -> None:
    _text(element, "node", instruction.node)
    _text(element, "text", instruction.text)
    _timestamp(element, "at", instruction.at)


def _determinant(element: etree._Element, determinant: ProtocolDeterminant) -> None:
    _text(element, "code", determinant.code)
    _integer(element, "priority", determinant.priority)
    _list(element, "services", "service", determinant.services, _token)
    _text(element, "risk", None if determinant.risk is None else determinant.risk.value)


def _leg(element: etree._Element, leg: CallControlRecord) -> None:
    _text(element, "id", str(leg.id))
    _text(element, "kind", leg.kind.value)
    _text(element, "mode", None if leg.mode is None else leg.mode.value)
    _timestamp(element, "requestedAt", leg.requested_at)
    _text(element, "requestedBy", leg.requested_by)
    _text(element, "targetKind", leg.target_kind.value)
    _text(element, "target", leg.target)
    _text(element, "targetName", leg.target_name)
    _text(element, "number", leg.number)
    _text(element, "outcome", leg.outcome.value)
    _timestamp(element, "answeredAt", leg.answered_at)
    _timestamp(element, "endedAt", leg.ended_at)
    _text(element, "reason", leg.reason)
