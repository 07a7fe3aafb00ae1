"""Revision 1.2: additive. Cards without its parts are what 1.1 wrote; its parts round-trip."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from pathlib import Path

import pytest
from lxml import etree

import cardschema as cs

XS = "http://www.w3.org/2001/XMLSchema"
EXAMPLES = Path(cs.__file__).parent / "examples"

# sha256 of build() and of json.dumps(card_to_dict()) as revision 1.1 wrote them.
REVISION_1_1_XML = {
    "full_card": "5affaf077dea583268915002e5e4d23362b0fdf2ac417541740afc12b71ff31a",
    "minimal_card": "b84eeae9a34ab0c1f9c5a7f1ba51895de3bd3f934e9afd633d5e09f67bff066a",
}
REVISION_1_1_JSON = {
    "full_card": "440a360bf311cdced9a567277f45afc0f25812fa4ab9ce452e2e98f8a3e27033",
    "minimal_card": "9f2ce0701e0e8eb473069d8a7324bf17a89682d566d5da17017dddcabfeb837b",
}
HEAD = uuid.UUID("5e0b7d4c-2a1f-4c3b-9e8d-7f6a5b4c3d2e")
OTHER = uuid.UUID("6e0b7d4c-2a1f-4c3b-9e8d-7f6a5b4c3d2e")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("fixture", sorted(REVISION_1_1_XML))
def test_a_card_without_the_new_parts_is_byte_for_byte_what_1_1_wrote(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    card: cs.Card = request.getfixturevalue(fixture)
    assert _sha(cs.build(card)) == REVISION_1_1_XML[fixture]
    as_json = json.dumps(cs.card_to_dict(card), ensure_ascii=False).encode()
    assert _sha(as_json) == REVISION_1_1_JSON[fixture]


def _head(card: cs.Card, *links: cs.Link) -> cs.Card:
    return dataclasses.replace(card, links=links, incident_id=card.id)


def test_incident_id_and_the_new_link_kinds_round_trip(full_card: cs.Card) -> None:
    member = dataclasses.replace(
        full_card,
        links=(
            cs.Link(card_id=HEAD, kind=cs.LinkKind.PARENT, number="112-20261122-000125"),
            cs.Link(card_id=OTHER, kind=cs.LinkKind.MERGED_FROM),
        ),
        incident_id=HEAD,
    )
    data = cs.build(member)
    root = etree.fromstring(data)
    names = [etree.QName(child).localname for child in root]
    assert names[names.index("links") + 1] == "incidentId"
    assert root.findtext(f"{{{cs.NAMESPACE}}}incidentId") == str(HEAD)
    kinds = root.findall(f"{{{cs.NAMESPACE}}}links/{{{cs.NAMESPACE}}}link/{{{cs.NAMESPACE}}}kind")
    assert [kind.text for kind in kinds] == ["parent", "merged_from"]
    assert cs.parse(data) == member
    as_dict = cs.card_to_dict(member)
    assert as_dict["incident_id"] == str(HEAD)
    assert [link["kind"] for link in as_dict["links"]] == ["parent", "merged_from"]
    assert cs.card_from_dict(json.loads(json.dumps(as_dict))) == member
    assert cs.incident_problems(member) == ()


def test_json_leaves_incident_id_out_until_there_is_one(minimal_card: cs.Card) -> None:
    assert "incident_id" not in cs.card_to_dict(minimal_card)
    data = cs.card_to_dict(minimal_card) | {"incident_id": None}
    assert cs.card_from_dict(data).incident_id is None
    with pytest.raises(cs.CardDataError, match="incident_id: 'head' is not a UUID"):
        cs.card_from_dict(cs.card_to_dict(minimal_card) | {"incident_id": "head"})


def test_the_xsd_refuses_a_malformed_incident_id(minimal_card: cs.Card) -> None:
    data = cs.build(dataclasses.replace(minimal_card, incident_id=HEAD))
    broken = data.replace(str(HEAD).encode(), b"not-a-uuid")
    with pytest.raises(cs.CardInvalid, match="incidentId"):
        cs.validate(broken)


def test_a_head_and_its_member_agree(minimal_card: cs.Card) -> None:
    head = _head(minimal_card, cs.Link(card_id=OTHER, kind=cs.LinkKind.CHILD))
    assert cs.incident_problems(head) == ()
    merged = dataclasses.replace(
        minimal_card, links=(cs.Link(card_id=OTHER, kind=cs.LinkKind.MERGED_INTO),)
    )
    assert cs.incident_problems(merged) == ()


@pytest.mark.parametrize(
    ("links", "incident", "problem"),
    [
        ((("self", cs.LinkKind.RELATED),), None, "a card cannot link to itself"),
        (
            ((HEAD, cs.LinkKind.PARENT), (OTHER, cs.LinkKind.PARENT)),
            HEAD,
            "at most one parent link, got 2",
        ),
        (
            ((HEAD, cs.LinkKind.MERGED_INTO), (OTHER, cs.LinkKind.MERGED_INTO)),
            None,
            "at most one merged_into link, got 2",
        ),
        (
            ((HEAD, cs.LinkKind.PARENT),),
            None,
            f"the parent link names {HEAD}, the incident is None",
        ),
        (((HEAD, cs.LinkKind.PARENT),), OTHER, f"the parent link names {HEAD}, the incident is"),
        (((OTHER, cs.LinkKind.CHILD),), None, "a card with child links heads its incident"),
        (((OTHER, cs.LinkKind.CHILD),), HEAD, "incident_id must be 11111111-"),
    ],
)
def test_incident_problems_name_each_contradiction(
    minimal_card: cs.Card,
    links: tuple[tuple[uuid.UUID | str, cs.LinkKind], ...],
    incident: uuid.UUID | None,
    problem: str,
) -> None:
    card = dataclasses.replace(
        minimal_card,
        links=tuple(
            cs.Link(card_id=minimal_card.id if ident == "self" else ident, kind=kind)  # type: ignore[arg-type]
            for ident, kind in links
        ),
        incident_id=incident,
    )
    problems = cs.incident_problems(card)
    assert problem in problems[0]
    # The XSD cannot see these: the card still builds and parses, the sender must check.
    assert cs.parse(cs.build(card)) == card


def test_the_schema_documents_revision_1_2() -> None:
    root = etree.parse(str(cs.xsd_path())).getroot()
    text = root.findtext(f"{{{XS}}}annotation/{{{XS}}}documentation") or ""
    assert "1.2: incidentId after links" in " ".join(text.split())
    kinds = etree.parse(str(cs.xsd_path().parent / "call-card-1-types.xsd")).getroot()
    link_kind = kinds.find(f"{{{XS}}}simpleType[@name='LinkKind']")
    assert link_kind is not None
    for value in ("parent", "child", "merged_into", "merged_from"):
        enumeration = link_kind.find(f"{{{XS}}}restriction/{{{XS}}}enumeration[@value='{value}']")
        assert enumeration is not None
        assert "(Added in revision 1.2.)" in " ".join(
            (enumeration.findtext(f"{{{XS}}}annotation/{{{XS}}}documentation") or "").split()
        )
