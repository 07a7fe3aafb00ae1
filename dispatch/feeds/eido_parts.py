"""The EIDO components of revision 1.2's card parts: persons, vehicles, attachments, links and
merges, the caller's conditions, and the structured address's civic address elements; and the
notes of revision 1.3's protocols.

Links and merges (NENA-STA-021 ``linkComponent``/``mergeComponent``): ``related`` and
``duplicate`` are a link RELATED, ``parent`` a link PARENT (the referenced incident heads
this one), ``child`` a link CHILD (the referenced incident is a member of the one this card
heads). ``merged_into`` and ``merged_from`` are merges whose ``incidentMergeDirectionCode``
says what the *referenced* incident does: on the merged card the survivor is ``REPLACING``
(it replaces this one), on the survivor the merged card is ``REPLACED``.

Protocols (revision 1.3) have no component of their own in NENA-STA-021: each is incident notes
(``notesComponent``), one on the protocol — its code and version, approved or draft, the
determinant with its priority, services and risk, the operator's override and its reason, the
escalation — by the operator who started it, then one per answer (the question as read and the
answer) and one per instruction given, each at its own time and naming the protocol's code and
version.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeAlias

import cardschema
from cardschema import AgeBand, CallerCondition, LinkKind, PersonRole, Sex, VehicleRole

_Component: TypeAlias = dict[str, Any]
Make: TypeAlias = Callable[..., _Component]
"""Builds a component: ``make($id, at=None, **fields)`` with the prologue filled in."""
AddNote: TypeAlias = Callable[..., dict[str, str]]
"""Adds a note: ``note(part, html, at, **fields)``, returning the reference to it."""

LINK_DIRECTIONS: Mapping[LinkKind, str] = MappingProxyType(
    {
        LinkKind.RELATED: "RELATED",
        LinkKind.DUPLICATE: "RELATED",
        LinkKind.PARENT: "PARENT",
        LinkKind.CHILD: "CHILD",
    }
)
MERGE_DIRECTIONS: Mapping[LinkKind, str] = MappingProxyType(
    {LinkKind.MERGED_INTO: "REPLACING", LinkKind.MERGED_FROM: "REPLACED"}
)
# Person role -> Person Role registry text (the caller's own component says "Caller" too).
PERSON_ROLES: Mapping[PersonRole, str] = MappingProxyType(
    {role: role.value.title() for role in PersonRole}
)
# Sex -> NCIC SEX code (the only coded sex the NIEM person offers).
SEX_CODES: Mapping[Sex, str] = MappingProxyType({Sex.MALE: "M", Sex.FEMALE: "F", Sex.UNKNOWN: "U"})
AGE_BANDS: Mapping[AgeBand, str] = MappingProxyType(
    {
        AgeBand.INFANT: "infant (under 1)",
        AgeBand.CHILD: "child (1-13)",
        AgeBand.ADOLESCENT: "adolescent (14-17)",
        AgeBand.ADULT: "adult (18-64)",
        AgeBand.ELDERLY: "elderly (65+)",
    }
)
# Vehicle role -> Vehicle Relationship Type registry text.
VEHICLE_RELATIONSHIPS: Mapping[VehicleRole, str] = MappingProxyType(
    {VehicleRole.INVOLVED: "Involved", VehicleRole.SUSPECT: "Suspect", VehicleRole.VICTIM: "Victim"}
)
# Caller conditions that are disabilities: NIEM's PersonPhysicalDisabilityText.
DISABILITIES: Mapping[CallerCondition, str] = MappingProxyType(
    {
        CallerCondition.HEARING_IMPAIRED: "hearing impaired",
        CallerCondition.SPEECH_IMPAIRED: "speech impaired",
        CallerCondition.SIGHT_IMPAIRED: "sight impaired",
        CallerCondition.LIMITED_MOBILITY: "limited mobility",
    }
)
ATTACHMENT_URI = "/api/v1/attachments/{id}"
"""Where a service fetches an attachment's bytes (relative to the 112 server)."""


def _text(value: str | None) -> list[dict[str, str]] | None:
    return None if value is None else [{"value": value}]


def civic_parts(where: cardschema.Location) -> list[tuple[str, str]]:
    """The RFC 5139 civic address elements of the location, in the schema's order."""
    parts = where.structured_address or cardschema.StructuredAddress()
    named = (("A1", where.region), ("A2", where.district))
    civic = [(key, place.name or place.code) for key, place in named if place is not None]
    # The mahalla is a neighbourhood (A5); the entrance has no element of its own: LOC.
    located = ", ".join(
        filter(None, (where.address, parts.entrance and f"entrance {parts.entrance}"))
    )
    elements = (
        ("A5", parts.mahalla),
        ("RD", parts.street),
        ("HNO", parts.house),
        ("LMK", parts.landmark),
        ("LOC", located or None),
        ("FLR", parts.floor),
        ("BLD", parts.building),
        ("UNIT", parts.flat),
    )
    return civic + [(key, value) for key, value in elements if value is not None]


def caller_conditions(card: cardschema.Card) -> tuple[list[dict[str, str]] | None, list[str]]:
    """The caller's disabilities (NIEM text) and the sentences of a note on the rest."""
    caller = card.caller
    disabilities = [DISABILITIES[c] for c in caller.conditions if c in DISABILITIES]
    texts = []
    if caller.conditions:
        listed = ", ".join(condition.value for condition in caller.conditions)
        texts.append(f"Caller conditions: {listed}")
    texts += [] if caller.condition_note is None else [caller.condition_note]
    return [{"value": text} for text in disabilities] or None, texts


def persons(card: cardschema.Card, make: Make, base: str, call_id: str) -> list[_Component]:
    """One person component per person of the card."""
    out = []
    for i, person in enumerate(card.persons, start=1):
        niem: dict[str, Any] = {}
        if person.name is not None:
            niem["name"] = [{"personFullName": [{"value": person.name}]}]
        if person.age is not None:
            niem["ageMeasure"] = [
                {"integerValue": [{"value": person.age}], "timeUnitCode": [{"simpleType": "ANN"}]}
            ]
        if person.age_band is not None:
            niem["ageDescription"] = [{"value": AGE_BANDS[person.age_band]}]
        if person.sex is not None:
            niem["sex"] = [{"value": person.sex.value}]
            niem["sexCode"] = [{"simpleType": SEX_CODES[person.sex]}]
        for key, value in (
            ("medicalDescription", person.condition),
            ("description", person.description),
        ):
            if value is not None:
                niem[key] = _text(value)
        out.append(
            make(
                f"{base}:person:{i}",
                personIncidentRoleRegistryText=[PERSON_ROLES[person.role]],
                ncPersonComponent=niem or None,
                callIdentifier=[call_id],
            )
        )
    return out


def vehicles(card: cardschema.Card, make: Make, base: str) -> list[_Component]:
    """One vehicle component per vehicle of the card; the plate is an identification."""
    out = []
    for i, vehicle in enumerate(card.vehicles, start=1):
        niem: dict[str, Any] = {}
        if vehicle.plate is not None:
            niem["otherIdentification"] = [
                {
                    "identificationId": [{"value": vehicle.plate}],
                    "categoryDescription": [{"value": "registration plate"}],
                }
            ]
        niem.update(
            (key, _text(value))
            for key, value in (
                ("makeName", vehicle.make),
                ("modelName", vehicle.model),
                ("conveyanceColorPrimary", vehicle.colour),
                ("description", vehicle.description),
            )
            if value is not None
        )
        out.append(
            make(
                f"{base}:vehicle:{i}",
                vehicleRelationshipType=[VEHICLE_RELATIONSHIPS[vehicle.role]],
                vehicleRelationshipTimeStamp=card.updated_at.isoformat(),
                ncVehicleComponent=niem or None,
            )
        )
    return out


def media(card: cardschema.Card, make: Make, base: str) -> list[_Component]:
    """One media component per attachment: a reference to fetch it, never its bytes."""
    out = []
    for attachment in card.attachments:
        facts = [attachment.file_name, f"{attachment.size_bytes} bytes"]
        facts += [f"sha256 {attachment.sha256}", f"from the {attachment.source.value}"]
        out.append(
            make(
                f"{base}:attachment:{attachment.id}",
                attachment.received_at,
                uri=ATTACHMENT_URI.format(id=attachment.id),
                contentType=attachment.media_type,
                label=", ".join(filter(None, facts)),
            )
        )
    return out


def links_and_merges(
    card: cardschema.Card, make: Make, base: str, tracking_id: Callable[[Any], str]
) -> tuple[list[_Component], list[_Component]]:
    """The card's links as link components and its merges as merge components."""
    links, merges = [], []
    for i, link in enumerate(card.links, start=1):
        target = tracking_id(link.card_id)
        reason = " ".join(filter(None, (link.kind.value, link.number)))
        if link.kind in MERGE_DIRECTIONS:
            merges.append(
                make(
                    f"{base}:merge:{i}",
                    incidentTrackingIdentifier=target,
                    incidentMergeDirectionCode=MERGE_DIRECTIONS[link.kind],
                )
            )
        else:
            links.append(
                make(
                    f"{base}:link:{i}",
                    incidentTrackingIdentifier=target,
                    linkDirectionCode=LINK_DIRECTIONS[link.kind],
                    transactionReasonText=reason,
                )
            )
    return links, merges


def _html(*paragraphs: str) -> str:
    return "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)


def _protocol_summary(record: cardschema.ProtocolRecord) -> list[str]:
    state = "approved" if record.approved else "draft version, not approved"
    texts = [
        f"Protocol {record.code} version {record.version} ({state}), read in "
        f"{record.language}, started by {record.started_by}"
    ]
    found = record.determinant
    if found is None:
        texts.append("No determinant met yet")
    else:
        facts = [f"Determinant {found.code}: priority {found.priority}"]
        facts += [f"services {', '.join(found.services)}"] if found.services else []
        facts += [] if found.risk is None else [f"risk {found.risk.value}"]
        texts.append(", ".join(facts))
    if record.priority_override is not None:
        texts.append(f"Priority overridden to {record.priority_override}: {record.override_reason}")
    if record.escalation_required:
        escalated = record.escalated_at
        texts.append(
            "Escalation required: "
            + (
                "not escalated yet"
                if escalated is None
                else f"escalated at {escalated.isoformat()}"
            )
        )
    return texts


def protocol_notes(card: cardschema.Card, note: AddNote) -> list[dict[str, str]]:
    """The notes of the card's protocols (their references, in order): one on each protocol,
    then one per answer and one per instruction given."""
    refs = []
    for record in card.protocols:
        part, name = f"protocol:{record.code}", f"Protocol {record.code} version {record.version}"
        refs.append(
            note(
                part, _html(*_protocol_summary(record)), record.started_at, agent=record.started_by
            )
        )
        for i, answer in enumerate(record.answers, start=1):
            texts = (
                f"{name}, question {answer.node}: {answer.question}",
                f"Answer: {answer.value}",
            )
            refs.append(note(f"{part}:answer:{i}", _html(*texts), answer.at))
        for i, given in enumerate(record.instructions, start=1):
            text = f"{name}, instruction {given.node}: {given.text}"
            refs.append(note(f"{part}:instruction:{i}", _html(text), given.at))
    return refs
