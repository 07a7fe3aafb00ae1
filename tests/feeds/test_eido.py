"""EIDO export: valid against the NENA schema, and each fact of the card where it belongs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree

import cardschema as cs
from dispatch.feeds.eido import LANGUAGES, card_to_eido, common_incident_type
from tests.fixtures.eido import EIDO_DIR, EidoValidator

EXAMPLES = Path(cs.__file__).resolve().parent / "examples" / "valid"
TASHKENT = timezone(timedelta(hours=5))
NS = {
    "gp": "urn:ietf:params:xml:ns:pidf:geopriv10",
    "ca": "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr",
    "gml": "http://www.opengis.net/gml",
    "gs": "http://www.opengis.net/pidflo/1.0",
}


def example(name: str) -> cs.Card:
    """One of cardschema's valid example cards, parsed."""
    return cs.parse((EXAMPLES / name).read_bytes())


def at(hour: int, minute: int, second: int = 0) -> datetime:
    """A timestamp on 22 November 2026 in Asia/Tashkent."""
    return datetime(2026, 11, 22, hour, minute, second, tzinfo=TASHKENT)


def minimal_card(**fields: Any) -> cs.Card:
    """A card with only the required fields, plus ``fields``."""
    required: dict[str, Any] = {
        "id": uuid.UUID("11111111-2222-4333-8444-555555555555"),
        "number": "112-20261122-000001",
        "version": 1,
        "status": cs.CardStatus.OPEN,
        "created_at": at(9, 19),
        "updated_at": at(9, 20),
        "channel": cs.Channel.VOICE,
        "language": "uz",
    }
    return cs.Card(**(required | fields))


def objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in the document, depth first."""
    if isinstance(node, dict):
        yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        yield from objects(child)


def by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every component of the document (nested ones too) by its ``$id``, which is unique."""
    ids = [node["$id"] for node in objects(doc) if "$id" in node]
    assert len(ids) == len(set(ids)), "every $id is unique"
    return {node["$id"]: node for node in objects(doc) if "$id" in node}


def refs(doc: dict[str, Any]) -> set[str]:
    """Every ``$ref`` target in the document."""
    return {node["$ref"] for node in objects(doc) if "$ref" in node}


def deref(doc: dict[str, Any], ref: dict[str, str]) -> dict[str, Any]:
    """The component a reference points to."""
    return by_id(doc)[ref["$ref"]]


def pidf(location: dict[str, Any]) -> etree._Element:
    """The PIDF-LO document of a location component, parsed."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(location["locationByValue"].encode(), parser)


def test_the_validator_on_the_two_nena_samples(eido_validator: EidoValidator) -> None:
    samples = EIDO_DIR / "samples"
    eido_validator.check(json.loads((samples / "nena_sample_call_transfer_eido.json").read_text()))
    errors = eido_validator.errors(
        json.loads((samples / "eidolib_eido_with_jcard.json").read_text())
    )
    assert len(errors) == 11
    assert {error.message for error in errors} == {"'lastUpdateTimeStamp' is a required property"}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("eidoVersion",), "2.0"),
        (("callComponent", 0, "direction"), "sideways"),
        (("lastUpdateTimeStamp",), "yesterday"),
        (("incidentComponent", "incidentCommonPriorityNumber"), "2"),
        (("agentComponent", 0, "agentRoleRegistryText"), []),
    ],
    ids=["version", "enum", "date-time format", "integer", "minItems quirk"],
)
def test_the_validator_checks_the_fields_the_export_fills(
    eido_validator: EidoValidator, path: tuple[str | int, ...], value: Any
) -> None:
    doc = card_to_eido(example("102-police-toshkent.xml"))
    target: Any = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    assert eido_validator.errors(doc), f"{path} = {value!r} passed"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.xml")), ids=lambda path: path.stem)
def test_every_example_card_exports_a_valid_eido(eido_validator: EidoValidator, path: Path) -> None:
    doc = card_to_eido(cs.parse(path.read_bytes()))
    eido_validator.check(doc)
    assert refs(doc) <= set(by_id(doc)), "every $ref points to a component of the document"
    assert json.loads(json.dumps(doc)) == doc


def test_a_minimal_card_exports_a_valid_eido(eido_validator: EidoValidator) -> None:
    doc = card_to_eido(minimal_card())
    eido_validator.check(doc)
    assert refs(doc) <= set(by_id(doc))
    assert doc["incidentComponent"]["incidentTypeCommonRegistryText"] == "Unknown"
    assert [agency["$id"] for agency in doc["agencyComponent"]] == ["112.uz"]
    absent = {"locationComponent", "personComponent", "callbackComponent", "agentComponent"}
    assert not absent & set(doc)
    assert doc["callComponent"][0]["$id"] == f"urn:uz:112:card:{minimal_card().id}:call"


def test_the_language_table_holds_iso_639_3_codes() -> None:
    schema = yaml.safe_load((EIDO_DIR / "NIEMComponents" / "iso_639-3.yaml").read_text())
    codes = set(schema["components"]["schemas"]["iso_639-3LanguageCodeSimpleType"]["enum"])
    assert set(LANGUAGES.values()) <= codes


def test_identity_type_priority_and_status_land_in_the_incident() -> None:
    card = example("102-police-toshkent.xml")
    doc = card_to_eido(card)
    assert doc["$id"] == "urn:emergency:uid:incidentid:8b2d4f6a1c3e4a5b8d7f9e0a1b2c3d4e:112.uz"
    assert (doc["eidoVersion"], doc["issuingElementIdentification"]) == ("1.0", "112.uz")
    incident = doc["incidentComponent"]
    assert incident["internalIncidentId"] == "112-20261122-000481"
    assert incident["documentIdentification"] == ["8b2d4f6a-1c3e-4a5b-8d7f-9e0a1b2c3d4e"]
    types = (incident["incidentTypeInternalCode"], incident["incidentTypeCommonRegistryText"])
    assert types == ("crime.robbery", "Police")
    assert incident["incidentCommonPriorityNumber"] == 2
    status = incident["incidentStatusCommonRegistryText"], incident["incidentStatusInternalText"]
    assert status == (["Active"], ["routed"])
    assert incident["beatOrDispatchGroupText"] == "UZ-TK-YUNUSOBOD"
    assert incident["lastUpdateTimeStamp"] == "2026-11-23T00:06:03+05:00"
    assert deref(doc, incident["locationReference"][0]) is doc["locationComponent"][0]
    [call] = doc["callComponent"]
    assert call["$id"] == "urn:emergency:uid:callid:c0d1e2f3a4b54c6d8e7f0a1b2c3d4e5f:112.uz"
    assert (call["direction"], call["localCallType"]) == ("incoming", "voice")
    assert call["callStartTimestamp"] == "2026-11-22T23:47:12+05:00"
    assert (call["callStateRegistryText"], call["priorityIdentifier"]) == ("callAnswered", "high")


def test_incident_categories_map_to_common_types() -> None:
    codes: list[str | None] = ["fire.residential", "medical.unconscious", "crime.robbery"]
    codes += ["violence.domestic", "gas.leak_smell", "info.consultation", None]
    common = ["Fire", "Medical", "Police", "Police", "Hazmat", "Other", "Unknown"]
    assert [common_incident_type(code) for code in codes] == common


def test_a_closed_card_is_a_closed_incident_with_its_outcome() -> None:
    card = example("101-fire-samarqand.xml")
    assert card.status is cs.CardStatus.CLOSED
    assert card.closed_at is not None
    doc = card_to_eido(card)
    incident = doc["incidentComponent"]
    assert incident["incidentStatusCommonRegistryText"] == ["Closed"]
    assert doc["callComponent"][0]["callStateRegistryText"] == "callEnd"
    [disposition] = incident["dispositionComponent"]
    assert disposition["dispositionCommonRegistryCode"] == "dispatched"
    assert disposition["lastUpdateTimeStamp"] == card.closed_at.isoformat()


def test_the_location_is_a_pidf_lo_circle_with_a_civic_address() -> None:
    card = example("102-police-toshkent.xml")
    [location] = card_to_eido(card)["locationComponent"]
    assert location["locationDescriptionText"] == card.location.address
    presence = pidf(location)
    assert presence.findtext(".//gs:Circle/gml:pos", namespaces=NS) == "41.364215 69.287904"
    assert presence.findtext(".//gs:Circle/gs:radius", namespaces=NS) == "65.0"
    civic = presence.find(".//ca:civicAddress", NS)
    assert civic is not None
    assert civic.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"
    assert [(etree.QName(part).localname, part.text) for part in civic] == [
        ("country", "UZ"),
        ("A1", "Toshkent shahri"),
        ("A2", "Yunusobod tumani"),
        ("LOC", card.location.address),
    ]
    assert presence.findtext(".//gp:method", namespaces=NS) == "Cell"


def test_a_point_without_radius_and_a_bare_address() -> None:
    point = card_to_eido(minimal_card(location=cs.Location(lat=41.3, lon=69.25)))
    presence = pidf(point["locationComponent"][0])
    assert presence.findtext(".//gml:Point/gml:pos", namespaces=NS) == "41.3 69.25"
    assert presence.find(".//ca:civicAddress", NS) is None
    civic = card_to_eido(minimal_card(location=cs.Location(address="Navoiy ko‘chasi 5 <A>")))
    presence = pidf(civic["locationComponent"][0])
    assert presence.find(".//gml:pos", NS) is None
    assert presence.findtext(".//ca:LOC", namespaces=NS) == "Navoiy ko‘chasi 5 <A>"


def test_the_caller_is_a_person_with_phone_name_and_callback_number() -> None:
    doc = card_to_eido(example("102-police-toshkent.xml"))
    [person] = doc["personComponent"]
    assert person["personIncidentRoleRegistryText"] == ["Caller"]
    assert person["ncPersonComponent"]["name"] == [{"personFullName": [{"value": "Елена Ким"}]}]
    language = person["ncPersonComponent"]["primaryLanguage"]
    assert language == [{"languageCode": [{"simpleType": "rus"}]}]
    assert person["callIdentifier"] == [doc["callComponent"][0]["$id"]]
    callback = deref(doc, person["callBackReference"])
    assert callback["callBackInformationUri"] == ["tel:+998977001122"]
    assert callback["updatedCbn"]["updatedCbnIdentifierUri"] == "tel:+998712345678"
    assert deref(doc, doc["callComponent"][0]["personReference"][0]) is person


def test_a_caller_without_a_name_has_none() -> None:
    card = minimal_card(caller=cs.Caller(number="*102#", callback_number="*102#"))
    doc = card_to_eido(card)
    [person] = doc["personComponent"]
    assert list(person["ncPersonComponent"]) == ["primaryLanguage"]
    [callback] = doc["callbackComponent"]
    assert callback["callBackInformationUri"] == ["tel:*102%23"]
    assert "updatedCbn" not in callback


def test_notes_keep_author_time_and_escaped_text() -> None:
    note = cs.Note(at=at(9, 21, 5), author="d.yusupova", text='Tutun <b>ko‘p</b> & "3-qavat"')
    doc = card_to_eido(minimal_card(notes=(note,), operator_id="a.karimov"))
    [ref] = doc["incidentComponent"]["notesReference"]
    component = deref(doc, ref)
    assert component["notesActionComments"] == (
        "<p>Tutun &lt;b&gt;ko‘p&lt;/b&gt; &amp; &quot;3-qavat&quot;</p>"
    )
    assert component["lastUpdateTimeStamp"] == "2026-11-22T09:21:05+05:00"
    assert component["agentReference"] == {"$ref": "d.yusupova@112.uz"}
    agents = {agent["$id"]: agent for agent in doc["agentComponent"]}
    assert agents["d.yusupova@112.uz"]["agentRoleRegistryText"] == ["Call Taking"]
    assert agents["d.yusupova@112.uz"]["agencyReference"] == {"$ref": "112.uz"}


def test_description_victims_and_hazards_make_the_summary_note() -> None:
    facts = cs.Incident(description="Tutun", victims=2, hazards=("smoke", "gas_leak"))
    doc = card_to_eido(minimal_card(incident=facts))
    [ref] = doc["incidentComponent"]["notesReference"]
    assert deref(doc, ref)["notesActionComments"] == (
        "<p>Tutun</p><p>Victims: 2</p><p>Hazards: smoke, gas_leak</p>"
    )


def test_routed_services_are_agencies_and_resources_with_their_status_history() -> None:
    card = example("102-police-toshkent.xml")
    doc = card_to_eido(card)
    agencies = {agency["$id"]: agency for agency in doc["agencyComponent"]}
    police = agencies["102.112.uz"]
    assert (police["agencyType"], police["incidentOwningAgencyIndicator"]) == (["police"], False)
    assert json.loads(police["agencyJcard"])[1][1] == ["fn", {}, "text", "Ichki ishlar organlari"]
    [resource] = doc["emergencyResourceComponent"]
    assert resource["updatedByAgencyReference"] == {"$ref": "102.112.uz"}
    assert resource["emergencyResourceName"] == "Yunusobod tumani IIB (TK-IIB-YUN)"
    assert resource["emergencyResourceTypeInternalText"] == "102"
    assert resource["primaryUnitStatusRegistryText"] == "Enroute"
    assert resource["unitStatusInternal"] == ["response_started"]
    assert resource["lastUpdateTimeStamp"] == "2026-11-22T23:53:00+05:00"
    history = [deref(doc, ref) for ref in resource["notesReference"]]
    [service] = card.services
    times = [time.isoformat() for time in (service.routed_at, *(c.at for c in service.history))]
    assert [note["lastUpdateTimeStamp"] for note in history] == times
    by = [note["updatedByAgencyReference"]["$ref"] for note in history]
    assert by == ["112.uz", "102.112.uz", "102.112.uz", "102.112.uz"]
    assert [note["notesActionComments"] for note in history] == [
        "<p>routed to unit TK-IIB-YUN</p>",
        "<p>received (feed)</p>",
        "<p>accepted (дежурный ст. лейтенант Алиев)</p>",
        "<p>response_started</p><p>Наряд ППС 2-14 выехал</p>",
    ]


def test_a_phone_hand_off_is_in_the_service_history() -> None:
    card = example("104-gas-fargona.xml")
    [(index, service)] = [(i, s) for i, s in enumerate(card.services) if s.handoff is not None]
    assert service.handoff is not None
    doc = card_to_eido(card)
    resource = doc["emergencyResourceComponent"][index]
    last = deref(doc, resource["notesReference"][-1])
    assert last["notesActionComments"].startswith(
        f"<p>handed over by telephone to {service.handoff.contact}</p>"
    )
    assert last["agentReference"] == {"$ref": f"{service.handoff.by}@112.uz"}
    assert last["lastUpdateTimeStamp"] == service.handoff.at.isoformat()


def test_links_name_the_other_incident() -> None:
    doc = card_to_eido(example("102-police-toshkent.xml"))
    [link] = doc["linkComponent"]
    other = "urn:emergency:uid:incidentid:1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d:112.uz"
    assert link["incidentTrackingIdentifier"] == other
    assert link["linkDirectionCode"] == "RELATED"
    assert link["transactionReasonText"] == "duplicate 112-20261122-000479"


def test_the_centre_operator_and_supervisor_use_the_agency_id() -> None:
    card = minimal_card(operator_id="a.karimov", supervisor_id="b.saidov")
    doc = card_to_eido(card, agency_id="112.toshkent.uz")
    assert doc["$id"].endswith(":112.toshkent.uz")
    [centre] = doc["agencyComponent"]
    assert centre["$id"] == "112.toshkent.uz"
    assert centre["agencyType"] == ["psap"]
    assert centre["agencyRoleDescriptionRegistryText"] == ["CallReceiving"]
    roles = {agent["$id"]: agent["agentRoleRegistryText"] for agent in doc["agentComponent"]}
    assert roles == {
        "a.karimov@112.toshkent.uz": ["Call Taking"],
        "b.saidov@112.toshkent.uz": ["Supervisor"],
    }
    assert doc["updatedByAgentReference"] == {"$ref": "a.karimov@112.toshkent.uz"}
    assert {ref for ref in refs(doc) if "@" not in ref and ":" not in ref} == {"112.toshkent.uz"}


def test_the_export_is_deterministic_and_now_stamps_only_the_document() -> None:
    card = example("101-fire-samarqand.xml")
    assert card_to_eido(card) == card_to_eido(card)
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    stamped, plain = card_to_eido(card, now=now), card_to_eido(card)
    assert stamped.pop("lastUpdateTimeStamp") == "2026-11-22T12:00:00+00:00"
    assert plain.pop("lastUpdateTimeStamp") == card.updated_at.isoformat()
    assert stamped == plain
    with pytest.raises(ValueError, match="timezone-aware"):
        card_to_eido(card, now=datetime(2026, 11, 22, 12, 0))
