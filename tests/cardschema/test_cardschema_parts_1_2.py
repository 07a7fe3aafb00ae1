"""Revision 1.2's card parts: structured address, caller conditions, persons, vehicles and
attachments, in the model, the XSD, XML and JSON."""

from __future__ import annotations

import copy
import dataclasses
import enum
import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from lxml import etree

import cardschema as cs
from cardschema import rules

XS = "http://www.w3.org/2001/XMLSchema"
NS = f"{{{cs.NAMESPACE}}}"


def _types() -> etree._Element:
    return etree.parse(str(cs.xsd_path().parent / "call-card-1-types.xsd")).getroot()


def _named(kind: str, name: str) -> etree._Element:
    found = _types().find(f"{{{XS}}}{kind}[@name='{name}']")
    assert found is not None, name
    return found


def _facets(simple_type: str, facet: str) -> list[str]:
    restriction = _named("simpleType", simple_type).find(f"{{{XS}}}restriction")
    assert restriction is not None
    return [str(f.get("value")) for f in restriction.findall(f"{{{XS}}}{facet}")]


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def test_the_1_2_card_round_trips_through_xml_and_json(card_1_2: cs.Card) -> None:
    data = cs.build(card_1_2)
    cs.validate(data)
    assert cs.parse(data) == card_1_2
    as_json = json.loads(json.dumps(cs.card_to_dict(card_1_2)))
    assert cs.card_from_dict(as_json) == card_1_2
    assert cs.incident_problems(card_1_2) == ()


def test_the_new_elements_are_written_in_place(card_1_2: cs.Card) -> None:
    root = etree.fromstring(cs.build(card_1_2))

    def names(element: etree._Element) -> list[str]:
        return [etree.QName(child).localname for child in element]

    top = names(root)
    assert top[top.index("incident") :][:4] == ["incident", "persons", "vehicles", "services"]
    assert top[top.index("notes") :][:4] == ["notes", "attachments", "links", "incidentId"]
    caller = root.find(f"{NS}caller")
    assert caller is not None
    assert names(caller)[-2:] == ["conditions", "conditionNote"]
    assert [c.text for c in caller.iterfind(f"{NS}conditions/{NS}condition")] == [
        "hearing_impaired",
        "child",
    ]
    location = root.find(f"{NS}location")
    assert location is not None
    assert names(location)[:2] == ["address", "structuredAddress"]
    structured = location.find(f"{NS}structuredAddress")
    assert structured is not None
    assert names(structured) == list(cs.ADDRESS_PARTS)
    person = root.find(f"{NS}persons/{NS}person")
    assert person is not None
    assert names(person) == ["role", "name", "age", "sex", "condition", "description"]
    suspect = root.findall(f"{NS}persons/{NS}person")[1]
    assert names(suspect) == ["role", "ageBand", "sex"]
    attachment = root.find(f"{NS}attachments/{NS}attachment")
    assert attachment is not None
    assert names(attachment) == [
        "id",
        "fileName",
        "mediaType",
        "sizeBytes",
        "sha256",
        "source",
        "receivedAt",
    ]
    assert attachment.findtext(f"{NS}receivedAt") == "2026-11-22T09:22:05+05:00"


def test_json_has_the_new_parts_only_when_used(card_1_2: cs.Card, full_card: cs.Card) -> None:
    data = cs.card_to_dict(card_1_2)
    assert data["caller"]["conditions"] == ["hearing_impaired", "child"]
    assert data["caller"]["condition_note"] == "Faqat SMS orqali.\nЯзык: русский."
    assert data["location"]["structured_address"]["mahalla"] == "Registon mahallasi"
    assert data["persons"][1] == {
        "role": "suspect",
        "name": None,
        "age": None,
        "age_band": "adult",
        "sex": "male",
        "condition": None,
        "description": None,
    }
    assert data["vehicles"][1] == {
        "role": "involved",
        "plate": None,
        "make": None,
        "model": None,
        "colour": None,
        "description": None,
    }
    assert data["attachments"][1] == {
        "id": "1b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e",
        "file_name": None,
        "media_type": "video/mp4",
        "size_bytes": 1,
        "sha256": "0" * 64,
        "source": "operator",
        "received_at": "2026-11-22T04:30:00+00:00",
    }
    old = cs.card_to_dict(full_card)
    for key in ("persons", "vehicles", "attachments", "incident_id"):
        assert key not in old
    assert "conditions" not in old["caller"]
    assert "condition_note" not in old["caller"]
    assert "structured_address" not in old["location"]


def test_an_empty_structured_address_is_known_as_empty() -> None:
    assert cs.StructuredAddress().is_empty()
    assert not cs.StructuredAddress(landmark="bozor").is_empty()


NEW_ENUMS: list[type[enum.StrEnum]] = [
    cs.CallerCondition,
    cs.PersonRole,
    cs.AgeBand,
    cs.Sex,
    cs.VehicleRole,
    cs.AttachmentSource,
]


@pytest.mark.parametrize("enum_type", NEW_ENUMS, ids=[e.__name__ for e in NEW_ENUMS])
def test_new_enumerations_match_the_xsd(enum_type: type[enum.StrEnum]) -> None:
    assert _facets(enum_type.__name__, "enumeration") == [member.value for member in enum_type]


def test_the_caller_condition_list_is_the_documented_one() -> None:
    assert [c.value for c in cs.CallerCondition] == [
        "cannot_speak",
        "hearing_impaired",
        "speech_impaired",
        "sight_impaired",
        "child",
        "limited_mobility",
        "non_native_language",
    ]
    conditions = _named("complexType", "CallerConditions").find(f"{{{XS}}}sequence/{{{XS}}}element")
    assert conditions is not None
    assert conditions.get("maxOccurs") == str(len(cs.CallerCondition))


NEW_TYPES: list[tuple[type[Any], str]] = [
    (cs.StructuredAddress, "StructuredAddress"),
    (cs.Person, "Person"),
    (cs.Vehicle, "Vehicle"),
    (cs.Attachment, "Attachment"),
]


@pytest.mark.parametrize(("model", "complex_type"), NEW_TYPES, ids=[t[1] for t in NEW_TYPES])
def test_new_elements_are_the_camel_case_fields(model: type[Any], complex_type: str) -> None:
    declared = {e.get("name") for e in _named("complexType", complex_type).iter(f"{{{XS}}}element")}
    assert declared == {_camel(field.name) for field in dataclasses.fields(model)}
    required = {
        e.get("name")
        for e in _named("complexType", complex_type).iter(f"{{{XS}}}element")
        if e.get("minOccurs") != "0"
        and e.getparent() is not None
        and e.getparent().tag == f"{{{XS}}}sequence"  # type: ignore[union-attr]
    }
    without_default = {
        _camel(f.name)
        for f in dataclasses.fields(model)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    assert required == without_default


@pytest.mark.parametrize(
    ("simple_type", "facet", "value"),
    [
        ("AddressPart", "maxLength", str(rules.ADDRESS_PART_MAX)),
        ("AddressPart", "minLength", "1"),
        ("PlateNumber", "maxLength", str(rules.PLATE_MAX)),
        ("Age", "maxInclusive", str(rules.AGE_MAX)),
        ("Age", "minInclusive", "0"),
        ("ByteCount", "minInclusive", "1"),
        ("FileName", "pattern", rules.FILE_NAME_PATTERN),
        ("MediaType", "pattern", rules.MEDIA_TYPE_PATTERN),
        ("Sha256", "pattern", rules.SHA256_PATTERN),
    ],
)
def test_new_limits_match_the_python_rules(simple_type: str, facet: str, value: str) -> None:
    assert _facets(simple_type, facet) == [value]


@pytest.mark.parametrize(
    ("wrapper", "limit"),
    [
        ("Persons", rules.MAX_PERSONS),
        ("Vehicles", rules.MAX_VEHICLES),
        ("Attachments", rules.MAX_ATTACHMENTS),
    ],
)
def test_list_bounds_match_the_python_rules(wrapper: str, limit: int) -> None:
    item = _named("complexType", wrapper).find(f"{{{XS}}}sequence/{{{XS}}}element")
    assert item is not None
    assert item.get("maxOccurs") == str(limit)


def _person(**fields: Any) -> cs.Person:
    return cs.Person(**({"role": cs.PersonRole.VICTIM} | fields))


def _attachment(**fields: Any) -> cs.Attachment:
    base: dict[str, Any] = {
        "id": uuid.UUID(int=1),
        "media_type": "image/png",
        "size_bytes": 10,
        "sha256": "a" * 64,
        "source": cs.AttachmentSource.CALLER,
        "received_at": datetime(2026, 11, 22, 10, 0, tzinfo=timezone(timedelta(hours=5))),
    }
    return cs.Attachment(**(base | fields))


@pytest.mark.parametrize(
    ("build", "path", "message"),
    [
        (lambda: _person(age=131), "age", "must be between 0 and 130, got 131"),
        (lambda: _person(age=-1), "age", "must be between 0 and 130"),
        (lambda: _person(age=30, age_band=cs.AgeBand.ADULT), "age_band", "not both"),
        (lambda: _person(name=""), "name", "must not be empty"),
        (lambda: _person(condition="x" * 1001), "condition", "at most 1000"),
        (lambda: cs.Vehicle(role=cs.VehicleRole.INVOLVED, plate="x" * 21), "plate", "at most 20"),
        (lambda: cs.Vehicle(role=cs.VehicleRole.VICTIM, colour=""), "colour", "must not be empty"),
        (lambda: cs.StructuredAddress(flat="1" * 33), "flat", "at most 32"),
        (lambda: cs.StructuredAddress(landmark="m" * 201), "landmark", "at most 200"),
        (lambda: cs.StructuredAddress(street="a\x00"), "street", "U+0000"),
        (
            lambda: cs.Caller(conditions=(cs.CallerCondition.CHILD, cs.CallerCondition.CHILD)),
            "conditions[1]",
            "duplicate value child",
        ),
        (lambda: cs.Caller(condition_note=""), "condition_note", "must not be empty"),
        (lambda: _attachment(sha256="A" * 64), "sha256", "must match"),
        (lambda: _attachment(media_type="image/JPEG"), "media_type", "must match"),
        (lambda: _attachment(media_type="jpeg"), "media_type", "must match"),
        (lambda: _attachment(size_bytes=0), "size_bytes", "must be between 1 and"),
        (lambda: _attachment(file_name="../etc/passwd"), "file_name", "must match"),
        (lambda: _attachment(file_name="a\nb"), "file_name", "must match"),
        (lambda: _attachment(file_name="x" * 256), "file_name", "at most 255"),
        (lambda: _attachment(file_name="\ufffe"), "file_name", "U+FFFE"),
    ],
)
def test_the_model_refuses_broken_parts(
    build: Callable[[], object], path: str, message: str
) -> None:
    with pytest.raises(cs.CardDataError) as raised:
        build()
    assert raised.value.path == path
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("field", "item", "limit"),
    [
        ("persons", _person(), rules.MAX_PERSONS),
        ("vehicles", cs.Vehicle(role=cs.VehicleRole.INVOLVED), rules.MAX_VEHICLES),
    ],
)
def test_lists_are_bounded(minimal_card: cs.Card, field: str, item: object, limit: int) -> None:
    fields: dict[str, Any] = {field: (item,) * limit}
    full = dataclasses.replace(minimal_card, **fields)
    assert cs.parse(cs.build(full)) == full
    fields[field] += (item,)
    with pytest.raises(cs.CardDataError, match=f"at most {limit}, got {limit + 1}"):
        dataclasses.replace(minimal_card, **fields)


def test_attachments_are_bounded_and_each_once(minimal_card: cs.Card) -> None:
    many = tuple(_attachment(id=uuid.UUID(int=i)) for i in range(rules.MAX_ATTACHMENTS + 1))
    card = dataclasses.replace(minimal_card, attachments=many[:-1])
    assert cs.parse(cs.build(card)) == card
    with pytest.raises(cs.CardDataError, match="at most 20, got 21"):
        dataclasses.replace(minimal_card, attachments=many)
    with pytest.raises(cs.CardDataError) as raised:
        dataclasses.replace(minimal_card, attachments=(many[0], many[0]))
    assert raised.value.path == "attachments[1].id"


def _xml(card: cs.Card, old: bytes, new: bytes) -> bytes:
    data = cs.build(card)
    assert old in data
    return data.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        (b"<age>7</age>", b"<age>131</age>", "The value '131' is greater than"),
        (b"<age>7</age>", b"<age>7</age><ageBand>child</ageBand>", "ageBand': This element"),
        (b"<condition>child</condition>", b"<condition>hearing_impaired</condition>", "Duplicate"),
        (b"<condition>child</condition>", b"<condition>drunk</condition>", "'drunk' is not an"),
        (b"<role>witness</role>", b"<role>bystander</role>", "'bystander' is not an element"),
        (b"<sha256>0000", b"<sha256>zz00", "sha256': [facet 'pattern']"),
        (b"<sizeBytes>1</sizeBytes>", b"<sizeBytes>0</sizeBytes>", "less than the minimum"),
        (b"<flat>45</flat>", b"<flat>" + b"4" * 33 + b"</flat>", "flat': [facet 'maxLength']"),
        (b"<role>involved</role>", b"", "Missing child element(s). Expected is ( {urn:uz:112:"),
        (b"<mediaType>video/mp4", b"<mediaType>video/MP4", "mediaType': [facet 'pattern']"),
        (
            b"1b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e</id>",
            b"0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e</id>",
            "Duplicate key-sequence ['0b9c8d7e",
        ),
    ],
)
def test_the_xsd_refuses_broken_parts(
    card_1_2: cs.Card, old: bytes, new: bytes, fragment: str
) -> None:
    data = _xml(card_1_2, old, new)
    for read in (cs.validate, cs.parse):
        with pytest.raises(cs.CardInvalid) as raised:
            read(data)
        assert fragment in str(raised.value)


def test_the_xsd_bounds_the_lists(minimal_card: cs.Card) -> None:
    card = dataclasses.replace(minimal_card, persons=(_person(),) * rules.MAX_PERSONS)
    person = b"<person>\n      <role>victim</role>\n    </person>\n"
    data = cs.build(card)
    assert person in data
    with pytest.raises(cs.CardInvalid, match="person': This element is not expected"):
        cs.validate(data.replace(person, person * 2, 1))


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            lambda d: d["caller"].update(conditions=["child", "deaf"]),
            "caller.conditions[1]",
            "must be one of",
        ),
        (lambda d: d["caller"].update(conditions="child"), "caller.conditions", "must be a list"),
        (lambda d: d["persons"][0].update(role=None), "persons[0].role", "must be a string"),
        (lambda d: d["persons"][0].update(age="7"), "persons[0].age", "must be an integer"),
        (lambda d: d["persons"][0].update(age_band="adult"), "persons[0].age_band", "not both"),
        (lambda d: d["persons"][0].update(height=120), "persons[0].height", "unknown field"),
        (lambda d: d["vehicles"][0].pop("role"), "vehicles[0].role", "is required"),
        (
            lambda d: d["attachments"][0].update(size_bytes=1.5),
            "attachments[0].size_bytes",
            "integer",
        ),
        (
            lambda d: d["attachments"][0].update(bytes="AAAA"),
            "attachments[0].bytes",
            "unknown field",
        ),
        (
            lambda d: d["location"]["structured_address"].update(block="1"),
            "location.structured_address.block",
            "unknown field",
        ),
        (lambda d: d.update(persons=[{}] * 51), "persons[0].role", "is required"),
    ],
)
def test_card_from_dict_names_the_broken_field(
    card_1_2: cs.Card, change: Callable[[dict[str, Any]], object], path: str, message: str
) -> None:
    data = copy.deepcopy(cs.card_to_dict(card_1_2))
    change(data)
    with pytest.raises(cs.CardDataError) as raised:
        cs.card_from_dict(data)
    assert raised.value.path == path
    assert message in str(raised.value)


def test_card_from_dict_counts_the_lists(card_1_2: cs.Card) -> None:
    data = cs.card_to_dict(card_1_2)
    data["persons"] = [data["persons"][2]] * 51
    with pytest.raises(cs.CardDataError) as raised:
        cs.card_from_dict(data)
    assert raised.value.path == "persons"
    assert "at most 50, got 51" in str(raised.value)
