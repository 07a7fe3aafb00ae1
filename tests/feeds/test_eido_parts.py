"""EIDO export of revision 1.2's card parts: valid against NENA's schema, each part where it
belongs, links and merges with their direction, and a card without them exported as before."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from typing import Any

import pytest

import cardschema as cs
from dispatch.feeds.eido import card_to_eido, incident_tracking_id
from tests.feeds.test_eido import NS, by_id, deref, example, minimal_card, pidf, refs
from tests.fixtures.eido import EidoValidator

NEW_EXAMPLE = "102-103-pedestrian-hit-toshkent.xml"
HEAD = uuid.UUID("4a7c9e1b-3d5f-4b2a-9c8e-6f1a2b3c4d5e")
MERGED = uuid.UUID("5b7c9e1b-3d5f-4b2a-9c8e-6f1a2b3c4d5e")
SURVIVOR = uuid.UUID("6c7c9e1b-3d5f-4b2a-9c8e-6f1a2b3c4d5e")
MEMBER = uuid.UUID("7d7c9e1b-3d5f-4b2a-9c8e-6f1a2b3c4d5e")

# sha256 of json.dumps(card_to_eido(card), sort_keys=True) before revision 1.2.
EIDO_BEFORE_1_2 = {
    "101-fire-samarqand.xml": "99bb17fafc776aec7e6429b3bd4f87928bc94d2643be34713f379d427542a77f",
    "102-police-toshkent.xml": "81a39c2ddc5e7a54f7bdffa5ea6e5a54e178d5f8521f8213d09ac8744ef904f5",
    "103-ambulance-nukus.xml": "41feb334927e31c784c7f3785008e2ff3b86dd57c266073ab2fee21f434888b4",
    "104-gas-fargona.xml": "6e1ca9ec381bdb5f3ada83db87d3c95971ceadee7c24c1d0c75778c31f733902",
    "1146-crisis-line-andijon.xml": (
        "5e00ce472ea5267a73209aac3586ab2020da1b444e44361dafda127de08226e7"
    ),
}


def full_1_2() -> cs.Card:
    """The 1.2 example with every kind of link, a second attachment and every caller condition."""
    card = example(NEW_EXAMPLE)
    links = (
        cs.Link(card_id=HEAD, kind=cs.LinkKind.PARENT, number="112-20261122-000509"),
        cs.Link(card_id=MERGED, kind=cs.LinkKind.MERGED_FROM),
        cs.Link(card_id=uuid.UUID(int=3), kind=cs.LinkKind.RELATED),
        cs.Link(card_id=uuid.UUID(int=4), kind=cs.LinkKind.DUPLICATE),
    )
    caller = dataclasses.replace(card.caller, conditions=tuple(cs.CallerCondition))
    return dataclasses.replace(card, links=links, caller=caller)


@pytest.mark.parametrize("name", sorted(EIDO_BEFORE_1_2))
def test_a_card_without_the_new_parts_exports_as_before(name: str) -> None:
    doc = card_to_eido(example(name))
    assert (
        hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
        == (EIDO_BEFORE_1_2[name])
    )


def test_a_full_1_2_card_exports_a_valid_eido(eido_validator: EidoValidator) -> None:
    for card in (full_1_2(), example(NEW_EXAMPLE)):
        doc = card_to_eido(card)
        eido_validator.check(doc)
        assert refs(doc) <= set(by_id(doc)), "every $ref points to a component of the document"
        assert json.loads(json.dumps(doc)) == doc


def test_the_structured_address_is_in_the_civic_address() -> None:
    [location] = card_to_eido(example(NEW_EXAMPLE))["locationComponent"]
    civic = pidf(location).find(".//ca:civicAddress", NS)
    assert civic is not None
    assert [(part.tag.split("}")[1], part.text) for part in civic] == [
        ("country", "UZ"),
        ("A1", "Toshkent shahri"),
        ("A2", "Chilonzor tumani"),
        ("A5", "Qatortol mahallasi"),
        ("RD", "Bunyodkor shoh ko‘chasi"),
        ("HNO", "9"),
        ("LMK", "Chilonzor metrosi chiqishi, «Chilonzor» savdo markazi ro‘parasi"),
        (
            "LOC",
            "Toshkent sh., Chilonzor tumani, Bunyodkor shoh ko‘chasi, 9-kvartal, "
            "Chilonzor metrosi yonida",
        ),
    ]


def test_every_address_part_has_its_element() -> None:
    parts = cs.StructuredAddress(
        street="Navoiy", house="5", building="2", entrance="3", floor="4", flat="45"
    )
    card = minimal_card(location=cs.Location(structured_address=parts))
    [location] = card_to_eido(card)["locationComponent"]
    civic = pidf(location).find(".//ca:civicAddress", NS)
    assert civic is not None
    assert [(part.tag.split("}")[1], part.text) for part in civic] == [
        ("country", "UZ"),
        ("RD", "Navoiy"),
        ("HNO", "5"),
        ("LOC", "entrance 3"),
        ("FLR", "4"),
        ("BLD", "2"),
        ("UNIT", "45"),
    ]


def _persons(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in doc["personComponent"] if ":person:" in p["$id"]]


def test_persons_are_person_components_of_the_incident() -> None:
    doc = card_to_eido(example(NEW_EXAMPLE))
    victim, suspect, witness = _persons(doc)
    assert victim["personIncidentRoleRegistryText"] == ["Victim"]
    assert victim["ncPersonComponent"] == {
        "ageDescription": [{"value": "elderly (65+)"}],
        "sex": [{"value": "female"}],
        "sexCode": [{"simpleType": "F"}],
        "medicalDescription": [{"value": "Boshidan qon ketmoqda, hushida, o‘rnidan tura olmaydi."}],
    }
    assert suspect["personIncidentRoleRegistryText"] == ["Suspect"]
    assert suspect["ncPersonComponent"]["description"] == [{"value": "Haydovchi, qora kurtkada."}]
    assert witness["ncPersonComponent"]["name"] == [
        {"personFullName": [{"value": "Sardor Aliyev"}]}
    ]
    assert witness["ncPersonComponent"]["ageMeasure"] == [
        {"integerValue": [{"value": 34}], "timeUnitCode": [{"simpleType": "ANN"}]}
    ]
    assert witness["callIdentifier"] == [doc["callComponent"][0]["$id"]]
    references = doc["incidentComponent"]["personReference"]
    assert [deref(doc, ref)["$id"] for ref in references][1:] == [
        victim["$id"],
        suspect["$id"],
        witness["$id"],
    ]


def test_vehicles_are_vehicle_components_with_the_plate() -> None:
    card = example(NEW_EXAMPLE)
    doc = card_to_eido(card)
    [vehicle] = doc["vehicleComponent"]
    assert vehicle["vehicleRelationshipType"] == ["Suspect"]
    assert vehicle["vehicleRelationshipTimeStamp"] == card.updated_at.isoformat()
    assert vehicle["ncVehicleComponent"] == {
        "otherIdentification": [
            {
                "identificationId": [{"value": "01 A 777 BC"}],
                "categoryDescription": [{"value": "registration plate"}],
            }
        ],
        "makeName": [{"value": "Chevrolet"}],
        "modelName": [{"value": "Cobalt"}],
        "conveyanceColorPrimary": [{"value": "oq"}],
        "description": [{"value": "Old bamperi singan, Qatortol ko‘chasi tomonga ketdi."}],
    }
    assert deref(doc, doc["incidentComponent"]["vehicleReference"][0]) is vehicle


def test_attachments_are_media_references_without_their_bytes() -> None:
    card = example(NEW_EXAMPLE)
    doc = card_to_eido(card)
    [attachment] = card.attachments
    [medium] = doc["mediaComponent"]
    assert medium["uri"] == f"/api/v1/attachments/{attachment.id}"
    assert medium["contentType"] == "image/jpeg"
    assert medium["lastUpdateTimeStamp"] == attachment.received_at.isoformat()
    assert medium["label"] == (
        f"IMG_20261122_180612.jpg, 1843211 bytes, sha256 {attachment.sha256}, from the caller"
    )
    assert deref(doc, doc["incidentComponent"]["mediaReferences"][0]) is medium


def test_the_caller_conditions_are_on_the_callers_person() -> None:
    doc = card_to_eido(full_1_2())
    [caller] = [p for p in doc["personComponent"] if p["$id"].endswith(":caller")]
    assert caller["ncPersonComponent"]["physicalDisability"] == [
        {"value": "hearing impaired"},
        {"value": "speech impaired"},
        {"value": "sight impaired"},
        {"value": "limited mobility"},
    ]
    [note] = [deref(doc, ref) for ref in caller["notesReference"]]
    assert note["notesActionComments"] == (
        "<p>Caller conditions: cannot_speak, hearing_impaired, speech_impaired, "
        "sight_impaired, child, limited_mobility, non_native_language</p>"
        "<p>Asosan rus tilida gapiradi.</p>"
    )
    alone = card_to_eido(minimal_card(caller=cs.Caller(conditions=(cs.CallerCondition.CHILD,))))
    [person] = alone["personComponent"]
    assert "physicalDisability" not in person["ncPersonComponent"]
    assert deref(alone, person["notesReference"][0])["notesActionComments"] == (
        "<p>Caller conditions: child</p>"
    )


def test_links_and_merges_carry_their_direction() -> None:
    doc = card_to_eido(full_1_2())
    links = {link["incidentTrackingIdentifier"]: link for link in doc["linkComponent"]}
    assert links[incident_tracking_id(HEAD)]["linkDirectionCode"] == "PARENT"
    assert links[incident_tracking_id(HEAD)]["transactionReasonText"] == (
        "parent 112-20261122-000509"
    )
    assert links[incident_tracking_id(uuid.UUID(int=3))]["linkDirectionCode"] == "RELATED"
    assert links[incident_tracking_id(uuid.UUID(int=4))]["linkDirectionCode"] == "RELATED"
    [merge] = doc["mergeComponent"]
    # On the survivor, the merged card is REPLACED.
    assert merge["incidentTrackingIdentifier"] == incident_tracking_id(MERGED)
    assert merge["incidentMergeDirectionCode"] == "REPLACED"


def test_the_merged_card_names_its_survivor_replacing_and_a_head_its_members(
    eido_validator: EidoValidator,
) -> None:
    merged = minimal_card(links=(cs.Link(card_id=SURVIVOR, kind=cs.LinkKind.MERGED_INTO),))
    doc = card_to_eido(merged)
    eido_validator.check(doc)
    assert "linkComponent" not in doc
    [merge] = doc["mergeComponent"]
    assert merge["incidentTrackingIdentifier"] == incident_tracking_id(SURVIVOR)
    assert merge["incidentMergeDirectionCode"] == "REPLACING"
    head_id = uuid.UUID("11111111-2222-4333-8444-555555555555")
    head = minimal_card(
        links=(cs.Link(card_id=MEMBER, kind=cs.LinkKind.CHILD),), incident_id=head_id
    )
    doc = card_to_eido(head)
    eido_validator.check(doc)
    [link] = doc["linkComponent"]
    assert (link["incidentTrackingIdentifier"], link["linkDirectionCode"]) == (
        incident_tracking_id(MEMBER),
        "CHILD",
    )
    assert "mergeComponent" not in doc
