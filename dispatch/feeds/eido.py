"""NENA EIDO export of the call card (NENA-STA-021 JSON, ``eidoVersion`` 1.0).

``card_to_eido`` is a pure function of the card, ``agency_id`` and ``now``. Ids: the document
``$id`` is ``urn:emergency:uid:incidentid:<card UUID hex>:<agency_id>``, the call
``urn:emergency:uid:callid:<call UUID hex>:<agency_id>``, the centre the agency ``<agency_id>``, a
routed service ``<code>.<agency_id>``, a person of the centre ``<user id>@<agency_id>``, any
other component ``urn:uz:112:card:<card UUID>:<part>``. Registry values come from the tables
below (our reading of the NENA and IANA registries); the card's own code travels too, in the
matching ``...Internal...`` field. A component with no time of its own has ``updated_at``.

Revision 1.2's parts (``eido_parts.py``): the structured address goes into the civic address,
persons into person components, vehicles into vehicle components, attachments into media
components (a reference, never the bytes), the caller's conditions onto the caller's person.
Links: ``related``/``duplicate`` -> link RELATED, ``parent`` -> PARENT, ``child`` -> CHILD;
``merged_into``/``merged_from`` -> a merge component whose ``incidentMergeDirectionCode`` says
what the referenced incident does: on the merged card the survivor is REPLACING, on the
survivor the merged card is REPLACED. Revision 1.3's protocols are incident notes (one on each
protocol with its determinant, one per answer and per instruction; ``eido_parts``).
"""

from __future__ import annotations

import html
import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, TypeAlias, cast
from urllib.parse import quote

from lxml import etree

import cardschema
from cardschema import CardStatus, LocationSource
from cardschema import ServiceStatus as _S  # noqa: N814
from dispatch.feeds import eido_parts

DEFAULT_AGENCY_ID = "112.uz"
EIDO_VERSION = "1.0"
JSON_LD_VOCAB = "./JSON-LD_Contexts/EmergencyIncidentDataObjectType.jsonld"

# Incident category (the type code before the dot) -> common type; else "Other" ("Unknown").
COMMON_INCIDENT_TYPES: Mapping[str, str] = MappingProxyType(
    {"fire": "Fire", "rescue": "Rescue", "road": "Traffic", "medical": "Medical"}
    | dict.fromkeys(("crime", "violence", "missing"), "Police")
    | dict.fromkeys(("gas", "hazmat"), "Hazmat")
)
# Service code -> IANA urn:emergency:service:responder type; any other service is "other".
SERVICE_AGENCY_TYPES: Mapping[str, str] = {"101": "fire", "102": "police", "103": "ems"}
# A service's status on the card -> primary unit status of its emergency resource.
UNIT_STATUSES: Mapping[_S, str] = MappingProxyType(
    dict.fromkeys((_S.ROUTED, _S.RECEIVED), "Requested")
    | dict.fromkeys((_S.NOT_ACCEPTED, _S.REFUSED), "Declined")
    | dict.fromkeys((_S.ARRIVED, _S.IN_PROGRESS), "OnScene")
    | {_S.ACCEPTED: "Assigned", _S.RESPONSE_STARTED: "Enroute", _S.COMPLETED: "Cleared"}
)
# Card priority (1 = immediate threat to life .. 5 = consultation) -> STA-023 priority.
PRIORITY_LEVELS: Mapping[int, str] = {1: "highest", 2: "high", 3: "normal", 4: "low", 5: "lowest"}
# Location source -> PIDF-LO method token (RFC 4119).
LOCATION_METHODS: Mapping[LocationSource, str] = MappingProxyType(
    {LocationSource.AML: "A-GPS", LocationSource.NETWORK: "Cell", LocationSource.OPERATOR: "Manual"}
)
# Card language -> ISO 639-3; a language not listed is left out of the caller.
LANGUAGES: Mapping[str, str] = MappingProxyType(
    {"uz": "uzb", "ru": "rus", "kaa": "kaa", "en": "eng", "kk": "kaz", "ky": "kir", "tg": "tgk"}
)

_Component: TypeAlias = dict[str, Any]
_Ref: TypeAlias = dict[str, str]
_Element: TypeAlias = etree._Element
_NS = {
    None: "urn:ietf:params:xml:ns:pidf",
    "gp": "urn:ietf:params:xml:ns:pidf:geopriv10",
    "dm": "urn:ietf:params:xml:ns:pidf:data-model",
    "ca": "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr",
    "gml": "http://www.opengis.net/gml",
    "gs": "http://www.opengis.net/pidflo/1.0",
}


def incident_tracking_id(card_id: uuid.UUID, agency_id: str = DEFAULT_AGENCY_ID) -> str:
    """Return the EIDO incident tracking id of a card (its EIDO's ``$id``)."""
    return f"urn:emergency:uid:incidentid:{card_id.hex}:{agency_id}"


def common_incident_type(incident_type: str | None) -> str:
    """Map a classifier code such as ``fire.residential`` to the common incident type."""
    if incident_type is None:
        return "Unknown"
    return COMMON_INCIDENT_TYPES.get(incident_type.split(".", 1)[0], "Other")


def card_to_eido(
    card: cardschema.Card, *, agency_id: str = DEFAULT_AGENCY_ID, now: datetime | None = None
) -> dict[str, Any]:
    """Export a card as an EIDO; ``now`` stamps the document (default: the card's updated_at)."""
    if now is not None and now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return _Export(card, agency_id).document(card.updated_at if now is None else now)


def _ref(target: str) -> _Ref:
    return {"$ref": target}


def _refs(*components: _Component | None) -> list[_Ref] | None:
    return [_ref(c["$id"]) for c in components if c is not None] or None


def _civic(where: cardschema.Location) -> list[tuple[str, str]]:
    return eido_parts.civic_parts(where)


def _tel(number: str) -> str:
    return "tel:" + quote(number, safe="+*")


def _html(*paragraphs: str) -> str:
    return "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)


def _pidf(entity: str, where: cardschema.Location, language: str, at: datetime) -> str:
    """Return the location as a PIDF-LO document: a point or circle, and a civic address."""

    def sub(parent: _Element, tag: str, text: str | None = None, **attrs: str) -> _Element:
        prefix, name = tag.split(":")
        element = etree.SubElement(parent, f"{{{_NS[prefix]}}}{name}", attrs)
        element.text = text
        return element

    # lxml-stubs 0.5 does not allow the None key that sets the default namespace.
    root = etree.Element(f"{{{_NS[None]}}}presence", nsmap=cast("dict[str, str]", _NS))
    root.set("entity", entity)
    device = sub(root, "dm:device", id="location")
    geopriv = sub(device, "gp:geopriv")
    info = sub(geopriv, "gp:location-info")
    if where.lat is not None and where.lon is not None:
        crs = "urn:ogc:def:crs:EPSG::4326"
        shape = sub(info, "gml:Point" if where.radius_m is None else "gs:Circle", srsName=crs)
        sub(shape, "gml:pos", f"{where.lat!r} {where.lon!r}")
        if where.radius_m is not None:
            sub(shape, "gs:radius", repr(where.radius_m), uom="urn:ogc:def:uom:EPSG::9001")
    if _civic(where):
        civic = sub(info, "ca:civicAddress")
        civic.set("{http://www.w3.org/XML/1998/namespace}lang", language)
        for name, value in (("country", "UZ"), *_civic(where)):
            sub(civic, f"ca:{name}", value)
    sub(geopriv, "gp:usage-rules")
    if where.source is not None:
        sub(geopriv, "gp:method", LOCATION_METHODS[where.source])
    sub(device, "dm:timestamp", at.isoformat())
    return etree.tostring(root, encoding="unicode")


class _Export:
    """The components of one card's EIDO; agents are collected as components name them."""

    def __init__(self, card: cardschema.Card, agency_id: str) -> None:
        self.card, self.agency = card, agency_id
        self.base = f"urn:uz:112:card:{card.id}"
        self.call_id = f"{self.base}:call"
        if card.call_id is not None:
            self.call_id = f"urn:emergency:uid:callid:{card.call_id.hex}:{agency_id}"
        self.agent_roles: dict[str, list[str]] = {}
        self.notes: list[_Component] = []
        self.location: _Component | None = None
        self.callback: _Component | None = None
        self.person: _Component | None = None
        self.persons: list[_Component] = []
        self.vehicles: list[_Component] = []
        self.media: list[_Component] = []

    def component(self, cid: str, at: datetime | None = None, **fields: Any) -> _Component:
        """Return a component: the prologue (``agency``, ``agent``) and fields that are not None."""
        agency, agent = fields.pop("agency", None), fields.pop("agent", None)
        out: _Component = {
            "$id": cid,
            "lastUpdateTimeStamp": (self.card.updated_at if at is None else at).isoformat(),
            "updatedByAgencyReference": _ref(agency or self.agency),
        }
        if agent is not None:
            out["updatedByAgentReference"] = self.agent(agent)
        out.update((name, value) for name, value in fields.items() if value is not None)
        return out

    def agent(self, user: str, role: str | None = None) -> _Ref:
        roles = self.agent_roles.setdefault(user, [])
        roles += [] if role is None or role in roles else [role]
        return _ref(f"{user}@{self.agency}")

    def note(self, part: str, text: str, at: datetime, **fields: Any) -> _Ref:
        note = self.component(f"{self.base}:{part}", at, notesActionComments=text, **fields)
        if "updatedByAgentReference" in note:
            note["agentReference"] = note["updatedByAgentReference"]
        self.notes.append(note)
        return _ref(note["$id"])

    def document(self, stamp: datetime) -> dict[str, Any]:
        card = self.card
        staff = [self.agent(card.operator_id, "Call Taking")] if card.operator_id else []
        if card.supervisor_id:
            staff.append(self.agent(card.supervisor_id, "Supervisor"))
        self.add_location()
        self.add_caller()
        self.persons = eido_parts.persons(card, self.component, self.base, self.call_id)
        self.vehicles = eido_parts.vehicles(card, self.component, self.base)
        self.media = eido_parts.media(card, self.component, self.base)
        links, merges = eido_parts.links_and_merges(
            card, self.component, self.base, lambda other: incident_tracking_id(other, self.agency)
        )
        doc = self.component(
            incident_tracking_id(card.id, self.agency),
            stamp,
            agent=card.operator_id,
            eidoVersion=EIDO_VERSION,
            issuingElementIdentification=self.agency,
            incidentComponent=self.incident(staff),
        )
        agencies, resources = self.services()
        centre = self.component(
            self.agency,
            agencyRoleDescriptionRegistryText=["CallReceiving"],
            agencyType=["psap"],
            incidentOwningAgencyIndicator=True,
        )
        parts: dict[str, list[_Component]] = {
            "mergeComponent": merges,
            "linkComponent": links,
            "callComponent": [self.call()],
            "callbackComponent": [] if self.callback is None else [self.callback],
            "notesComponent": self.notes,
            "emergencyResourceComponent": resources,
            "agencyComponent": [centre, *agencies],
            "agentComponent": self.agents(),
            "locationComponent": [] if self.location is None else [self.location],
            "personComponent": ([] if self.person is None else [self.person]) + self.persons,
            "vehicleComponent": self.vehicles,
            "mediaComponent": self.media,
        }
        doc.update((name, items) for name, items in parts.items() if items)
        doc["@context"] = {"@vocab": JSON_LD_VOCAB}
        return doc

    def incident(self, staff: list[_Ref]) -> _Component:
        card, facts = self.card, self.card.incident
        disposition = None
        if card.outcome is not None:
            disposition = self.component(
                f"{self.base}:disposition",
                card.closed_at,
                agent=card.operator_id,
                dispositionCommonRegistryCode=card.outcome.value,
                dispositionPrimaryIndicator=True,
                dispositionCategoryText="112 call outcome",
            )
        texts = [] if facts.description is None else [facts.description]
        texts += [] if facts.victims is None else [f"Victims: {facts.victims}"]
        texts += [f"Hazards: {', '.join(facts.hazards)}"] if facts.hazards else []
        notes = [self.note("summary", _html(*texts), card.updated_at)] if texts else []
        for i, note in enumerate(card.notes, start=1):
            notes.append(self.note(f"note:{i}", _html(note.text), note.at, agent=note.author))
        notes += eido_parts.protocol_notes(card, self.note)
        district, closed = card.location.district, card.status is CardStatus.CLOSED
        return self.component(
            f"{self.base}:incident",
            agent=card.operator_id,
            incidentTypeCommonRegistryText=common_incident_type(facts.type),
            incidentTypeInternalCode=facts.type,
            incidentStatusCommonRegistryText=["Closed" if closed else "Active"],
            incidentStatusInternalText=[card.status.value],
            internalIncidentId=card.number,
            documentIdentification=[str(card.id)],
            incidentCommonPriorityNumber=facts.priority,
            agentReference=staff or None,
            locationReference=_refs(self.location),
            personReference=_refs(self.person, *self.persons),
            vehicleReference=_refs(*self.vehicles),
            mediaReferences=_refs(*self.media),
            beatOrDispatchGroupText=None if district is None else district.code,
            dispositionComponent=None if disposition is None else [disposition],
            notesReference=notes or None,
        )

    def add_location(self) -> None:
        card, where = self.card, self.card.location
        if where.lat is not None or _civic(where):
            self.location = self.component(
                f"{self.base}:location",
                locationTypeDescriptionRegistryText="Incident",
                locationByValue=_pidf(self.base, where, card.language, card.updated_at),
                locationDescriptionText=where.address,
            )

    def add_caller(self) -> None:
        number, given = self.card.caller.number, self.card.caller.callback_number
        if number is not None or given is not None:
            updated = None
            if given is not None and given != number:
                updated = self.component(
                    f"{self.base}:callback:updated-cbn",
                    updatedCbnIdentifierUri=_tel(given),
                    updatedCbnCallerDescription="callback number given by the caller",
                )
            self.callback = self.component(
                f"{self.base}:callback",
                callBackInformationUri=None if number is None else [_tel(number)],
                updatedCbn=updated,
            )
        name, language = self.card.caller.name, LANGUAGES.get(self.card.language)
        disabilities, conditions = eido_parts.caller_conditions(self.card)
        if self.callback is None and name is None and not conditions:
            return
        person: _Component = {}
        if name is not None:
            person["name"] = [{"personFullName": [{"value": name}]}]
        if language is not None:
            person["primaryLanguage"] = [{"languageCode": [{"simpleType": language}]}]
        if disabilities is not None:
            person["physicalDisability"] = disabilities
        notes = None
        if conditions:
            notes = [self.note("caller:conditions", _html(*conditions), self.card.updated_at)]
        self.person = self.component(
            f"{self.base}:caller",
            personIncidentRoleRegistryText=["Caller"],
            ncPersonComponent=person or None,
            callIdentifier=[self.call_id],
            callBackReference=None if self.callback is None else _ref(self.callback["$id"]),
            notesReference=notes,
        )

    def call(self) -> _Component:
        card = self.card
        closed = card.status is CardStatus.CLOSED
        return self.component(
            self.call_id,
            card.created_at,
            agent=card.operator_id,
            standardPrimaryCallType="emergency",
            direction="incoming",
            localCallType=card.channel.value,
            callStartTimestamp=card.created_at.isoformat(),
            callStateRegistryText="callEnd" if closed else "callAnswered",
            priorityIdentifier=PRIORITY_LEVELS.get(card.incident.priority or 0),
            agentReference=None if card.operator_id is None else [self.agent(card.operator_id)],
            callBackReference=None if self.callback is None else _ref(self.callback["$id"]),
            locationReference=_refs(self.location),
            personReference=_refs(self.person),
        )

    def services(self) -> tuple[list[_Component], list[_Component]]:
        agencies, resources = list[_Component](), list[_Component]()
        for service in self.card.services:
            agency, label = f"{service.code}.{self.agency}", service.name or service.code
            kind = SERVICE_AGENCY_TYPES.get(service.code, "other")
            last = max([service.routed_at, *(change.at for change in service.history)])
            jcard = ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", label]]]
            agencies.append(
                self.component(
                    agency,
                    last,
                    agency=agency,
                    agencyJcard=json.dumps(jcard, ensure_ascii=False),
                    agencyRoleDescriptionRegistryText=["Responding"],
                    agencyType=[kind],
                    incidentOwningAgencyIndicator=False,
                )
            )
            unit = service.unit
            if unit is not None:
                label = unit.code if unit.name is None else f"{unit.name} ({unit.code})"
            resources.append(
                self.component(
                    f"{self.base}:resource:{service.code}",
                    last,
                    agency=agency,
                    emergencyResourceTypeCommonRegistryText=kind,
                    emergencyResourceTypeInternalText=service.code,
                    emergencyResourceName=label,
                    resourceAttributeRegistryText=[],
                    primaryUnitStatusRegistryText=UNIT_STATUSES[service.status],
                    secondaryUnitStatusRegistryText=[],
                    unitStatusInternal=[service.status.value],
                    agentReference=[],
                    notesReference=self.history(service, agency),
                    unitDestinationReference=None
                    if self.location is None
                    else _ref(self.location["$id"]),
                )
            )
        return agencies, resources

    def history(self, service: cardschema.RoutedService, agency: str) -> list[_Ref]:
        """Status notes of one service: routed by 112, each reported change, a phone hand-off."""
        part, operator = f"resource:{service.code}:status", self.card.operator_id
        routed = "routed" if service.unit is None else f"routed to unit {service.unit.code}"
        refs = [self.note(f"{part}:0", _html(routed), service.routed_at, agent=operator)]
        for i, change in enumerate(service.history, start=1):
            texts = [change.status.value if change.by is None else f"{change.status} ({change.by})"]
            texts += [] if change.note is None else [change.note]
            refs.append(self.note(f"{part}:{i}", _html(*texts), change.at, agency=agency))
        handoff = service.handoff
        if handoff is not None:
            texts = [f"handed over by telephone to {handoff.contact}"]
            texts += [] if handoff.note is None else [handoff.note]
            refs.append(self.note(f"{part}:handoff", _html(*texts), handoff.at, agent=handoff.by))
        return refs

    def agents(self) -> list[_Component]:
        return [
            self.component(
                f"{user}@{self.agency}",
                agentRoleRegistryText=roles or ["Call Taking"],
                agencyReference=_ref(self.agency),
            )
            for user, roles in self.agent_roles.items()
        ]
