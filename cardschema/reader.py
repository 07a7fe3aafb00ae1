"""XML to Card; reads only documents that already passed validation.check."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TypeVar

from lxml import etree

from cardschema import rules, validation
from cardschema.call_control import (
    CallControlKind,
    CallControlMode,
    CallControlOutcome,
    CallControlRecord,
    CallControlTargetKind,
)
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
from cardschema.model import (
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
from cardschema.protocols import (
    ProtocolAnswer,
    ProtocolDeterminant,
    ProtocolInstruction,
    ProtocolRecord,
    ProtocolRisk,
)

E = TypeVar("E", bound=enum.StrEnum)


class _Node:
    """The child elements of one validated element, by local name."""

    def __init__(self, element: etree._Element) -> None:
        self.children: dict[str, list[etree._Element]] = {}
        for child in element:
            if isinstance(child.tag, str):  # skips comments and processing instructions
                self.children.setdefault(etree.QName(child).localname, []).append(child)

    def text(self, name: str) -> str:
        return validation.content(self.children[name][0])

    def opt_text(self, name: str) -> str | None:
        found = self.children.get(name)
        return None if found is None else validation.content(found[0])

    def integer(self, name: str) -> int:
        return int(self.text(name).strip())

    def opt_integer(self, name: str) -> int | None:
        text = self.opt_text(name)
        return None if text is None else int(text.strip())

    def number(self, name: str) -> float:
        return float(self.text(name).strip())

    def opt_number(self, name: str) -> float | None:
        text = self.opt_text(name)
        return None if text is None else float(text.strip())

    def flag(self, name: str) -> bool:
        # xs:boolean: true or 1 (surrounding whitespace collapsed); absent means false.
        text = self.opt_text(name)
        return text is not None and text.strip() in ("true", "1")

    def timestamp(self, name: str) -> datetime:
        return rules.parse_timestamp(name, self.text(name).strip())

    def opt_timestamp(self, name: str) -> datetime | None:
        text = self.opt_text(name)
        return None if text is None else rules.parse_timestamp(name, text.strip())

    def choice(self, name: str, enum_type: type[E]) -> E:
        return enum_type(self.text(name))

    def opt_choice(self, name: str, enum_type: type[E]) -> E | None:
        text = self.opt_text(name)
        return None if text is None else enum_type(text)

    def node(self, name: str) -> _Node:
        return _Node(self.children[name][0])

    def opt_node(self, name: str) -> _Node | None:
        found = self.children.get(name)
        return None if found is None else _Node(found[0])

    def items(self, wrapper: str) -> list[_Node]:
        return [_Node(element) for element in self._item_elements(wrapper)]

    def item_texts(self, wrapper: str) -> tuple[str, ...]:
        return tuple(validation.content(element) for element in self._item_elements(wrapper))

    def _item_elements(self, wrapper: str) -> list[etree._Element]:
        found = self.children.get(wrapper)
        if found is None:
            return []
        return [child for child in found[0] if isinstance(child.tag, str)]


def parse(data: bytes) -> Card:
    """Parse and validate untrusted XML bytes into a Card."""
    root = validation.load(data)
    validation.check(root)
    card = _Node(root)
    call_id = card.opt_text("callId")
    incident_id = card.opt_text("incidentId")
    return Card(
        id=uuid.UUID(card.text("id")),
        number=card.text("number"),
        version=card.integer("version"),
        status=card.choice("status", CardStatus),
        created_at=card.timestamp("createdAt"),
        updated_at=card.timestamp("updatedAt"),
        closed_at=card.opt_timestamp("closedAt"),
        channel=card.choice("channel", Channel),
        language=card.text("language"),
        call_id=None if call_id is None else uuid.UUID(call_id),
        caller=_caller(card.node("caller")),
        location=_location(card.node("location")),
        proposed_location=_proposed(card.opt_node("proposedLocation")),
        incident=_incident(card.node("incident")),
        persons=tuple(_person(item) for item in card.items("persons")),
        vehicles=tuple(_vehicle(item) for item in card.items("vehicles")),
        services=tuple(_service(item) for item in card.items("services")),
        callbacks=tuple(_callback(item) for item in card.items("callbacks")),
        notes=tuple(_note(item) for item in card.items("notes")),
        attachments=tuple(_attachment(item) for item in card.items("attachments")),
        links=tuple(_link(item) for item in card.items("links")),
        incident_id=None if incident_id is None else uuid.UUID(incident_id),
        outcome=card.opt_choice("outcome", Outcome),
        operator_id=card.opt_text("operatorId"),
        supervisor_id=card.opt_text("supervisorId"),
        protocols=tuple(_protocol(item) for item in card.items("protocols")),
        call_control=tuple(_leg(item) for item in card.items("callControl")),
    )


def _caller(node: _Node) -> Caller:
    return Caller(
        number=node.opt_text("number"),
        name=node.opt_text("name"),
        callback_number=node.opt_text("callbackNumber"),
        conditions=tuple(CallerCondition(text) for text in node.item_texts("conditions")),
        condition_note=node.opt_text("conditionNote"),
    )


def _place(node: _Node | None) -> Place | None:
    return None if node is None else Place(code=node.text("code"), name=node.opt_text("name"))


def _location(node: _Node) -> Location:
    return Location(
        address=node.opt_text("address"),
        structured_address=_structured(node.opt_node("structuredAddress")),
        lat=node.opt_number("lat"),
        lon=node.opt_number("lon"),
        radius_m=node.opt_number("radiusM"),
        source=node.opt_choice("source", LocationSource),
        region=_place(node.opt_node("region")),
        district=_place(node.opt_node("district")),
        confirmed=node.flag("confirmed"),
    )


def _proposed(node: _Node | None) -> ProposedLocation | None:
    if node is None:
        return None
    return ProposedLocation(
        lat=node.number("lat"),
        lon=node.number("lon"),
        radius_m=node.opt_number("radiusM"),
        source=node.choice("source", LocationSource),
        received_at=node.timestamp("receivedAt"),
        positioned_at=node.opt_timestamp("positionedAt"),
        method=node.opt_text("method"),
        region=_place(node.opt_node("region")),
        district=_place(node.opt_node("district")),
    )


def _structured(node: _Node | None) -> StructuredAddress | None:
    if node is None:
        return None
    return StructuredAddress(
        street=node.opt_text("street"),
        house=node.opt_text("house"),
        building=node.opt_text("building"),
        entrance=node.opt_text("entrance"),
        floor=node.opt_text("floor"),
        flat=node.opt_text("flat"),
        mahalla=node.opt_text("mahalla"),
        landmark=node.opt_text("landmark"),
    )


def _person(node: _Node) -> Person:
    return Person(
        role=node.choice("role", PersonRole),
        name=node.opt_text("name"),
        age=node.opt_integer("age"),
        age_band=node.opt_choice("ageBand", AgeBand),
        sex=node.opt_choice("sex", Sex),
        condition=node.opt_text("condition"),
        description=node.opt_text("description"),
    )


def _vehicle(node: _Node) -> Vehicle:
    return Vehicle(
        role=node.choice("role", VehicleRole),
        plate=node.opt_text("plate"),
        make=node.opt_text("make"),
        model=node.opt_text("model"),
        colour=node.opt_text("colour"),
        description=node.opt_text("description"),
    )


def _attachment(node: _Node) -> Attachment:
    return Attachment(
        id=uuid.UUID(node.text("id")),
        file_name=node.opt_text("fileName"),
        media_type=node.text("mediaType"),
        size_bytes=node.integer("sizeBytes"),
        sha256=node.text("sha256"),
        source=node.choice("source", AttachmentSource),
        received_at=node.timestamp("receivedAt"),
    )


def _incident(node: _Node) -> Incident:
    return Incident(
        type=node.opt_text("type"),
        priority=node.opt_integer("priority"),
        description=node.opt_text("description"),
        victims=node.opt_integer("victims"),
        hazards=node.item_texts("hazards"),
    )


def _service(node: _Node) -> RoutedService:
    unit = node.opt_node("unit")
    return RoutedService(
        code=node.text("code"),
        name=node.opt_text("name"),
        unit=None if unit is None else Unit(code=unit.text("code"), name=unit.opt_text("name")),
        status=node.choice("status", ServiceStatus),
        routed_at=node.timestamp("routedAt"),
        history=tuple(_change(item) for item in node.items("history")),
        handoff=_handoff(node.opt_node("handoff")),
    )


def _handoff(node: _Node | None) -> Handoff | None:
    if node is None:
        return None
    return Handoff(
        at=node.timestamp("at"),
        by=node.text("by"),
        contact=node.text("contact"),
        note=node.opt_text("note"),
    )


def _change(node: _Node) -> StatusChange:
    return StatusChange(
        status=node.choice("status", ServiceStatus),
        at=node.timestamp("at"),
        note=node.opt_text("note"),
        by=node.opt_text("by"),
    )


def _callback(node: _Node) -> CallbackAttempt:
    return CallbackAttempt(
        attempt=node.integer("attempt"),
        at=node.timestamp("at"),
        outcome=node.choice("outcome", CallbackOutcome),
        operator_id=node.opt_text("operatorId"),
    )


def _note(node: _Node) -> Note:
    return Note(at=node.timestamp("at"), author=node.text("author"), text=node.text("text"))


def _link(node: _Node) -> Link:
    return Link(
        card_id=uuid.UUID(node.text("cardId")),
        number=node.opt_text("number"),
        kind=node.choice("kind", LinkKind),
    )


def _protocol(node: _Node) -> ProtocolRecord:
    return ProtocolRecord(
        code=node.text("code"),
        version=node.integer("version"),
        approved=node.flag("approved"),
        language=node.text("language"),
        started_at=node.timestamp("startedAt"),
        started_by=node.text("startedBy"),
        answers=tuple(
            ProtocolAnswer(
                node=item.text("node"),
                question=item.text("question"),
                value=item.text("value"),
                at=item.timestamp("at"),
            )
            for item in node.items("answers")
        ),
        instructions=tuple(
            ProtocolInstruction(
                node=item.text("node"), text=item.text("text"), at=item.timestamp("at")
            )
            for item in node.items("instructions")
        ),
        determinant=_determinant(node.opt_node("determinant")),
        priority_override=node.opt_integer("priorityOverride"),
        override_reason=node.opt_text("overrideReason"),
        escalation_required=node.flag("escalationRequired"),
        escalated_at=node.opt_timestamp("escalatedAt"),
    )


def _determinant(node: _Node | None) -> ProtocolDeterminant | None:
    if node is None:
        return None
    return ProtocolDeterminant(
        code=node.text("code"),
        priority=node.integer("priority"),
        services=node.item_texts("services"),
        risk=node.opt_choice("risk", ProtocolRisk),
    )


def _leg(node: _Node) -> CallControlRecord:
    return CallControlRecord(
        id=uuid.UUID(node.text("id")),
        kind=node.choice("kind", CallControlKind),
        mode=node.opt_choice("mode", CallControlMode),
        requested_at=node.timestamp("requestedAt"),
        requested_by=node.text("requestedBy"),
        target_kind=node.choice("targetKind", CallControlTargetKind),
        target=node.text("target"),
        target_name=node.opt_text("targetName"),
        number=node.opt_text("number"),
        outcome=node.choice("outcome", CallControlOutcome),
        answered_at=node.opt_timestamp("answeredAt"),
        ended_at=node.opt_timestamp("endedAt"),
        reason=node.opt_text("reason"),
    )
