"""The XSD itself: documented, XSD 1.0, and in step with the Python model."""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

import cardschema as cs
from cardschema import rules

XS = "http://www.w3.org/2001/XMLSchema"
XSD_FILES = sorted(cs.xsd_path().parent.glob("*.xsd"))


def _xsd(name: str) -> etree._Element:
    return etree.parse(str(cs.xsd_path().parent / name)).getroot()


def _types() -> etree._Element:
    return _xsd("call-card-1-types.xsd")


def _named(kind: str, name: str) -> etree._Element:
    for root in (_types(), _xsd("call-card-1.xsd")):
        found = root.find(f"{{{XS}}}{kind}[@name='{name}']")
        if found is not None:
            return found
    raise AssertionError(f"no xs:{kind} named {name}")


def _facets(simple_type: str, facet: str) -> list[str]:
    restriction = _named("simpleType", simple_type).find(f"{{{XS}}}restriction")
    assert restriction is not None
    return [str(f.get("value")) for f in restriction.findall(f"{{{XS}}}{facet}")]


def test_schema_files_are_the_two_expected() -> None:
    assert [path.name for path in XSD_FILES] == ["call-card-1-types.xsd", "call-card-1.xsd"]


@pytest.mark.parametrize("path", XSD_FILES, ids=[path.name for path in XSD_FILES])
def test_schema_header(path: Path) -> None:
    root = etree.parse(str(path)).getroot()
    assert root.tag == f"{{{XS}}}schema"
    assert root.get("targetNamespace") == cs.NAMESPACE == "urn:uz:112:call-card:1"
    assert root.get("elementFormDefault") == "qualified"
    # XSD 1.1-only constructs would not compile in lxml, and must not creep in.
    for construct in ("assert", "assertion", "alternative", "openContent", "override"):
        assert root.find(f".//{{{XS}}}{construct}") is None


def test_both_files_name_the_same_revision() -> None:
    # The schema's own version attribute names the revision; schemaVersion stays "1".
    assert [etree.parse(str(path)).getroot().get("version") for path in XSD_FILES] == [
        "1.4",
        "1.4",
    ]
    assert cs.SCHEMA_VERSION == "1"


@pytest.mark.parametrize("path", XSD_FILES, ids=[path.name for path in XSD_FILES])
def test_everything_is_documented(path: Path) -> None:
    root = etree.parse(str(path)).getroot()
    kinds = ("element", "attribute", "simpleType", "complexType", "enumeration", "unique")
    declarations = [node for kind in kinds for node in root.iter(f"{{{XS}}}{kind}")]
    assert declarations
    undocumented = [
        f"{etree.QName(node).localname} {node.get('name') or node.get('value')}"
        for node in declarations
        if not (node.findtext(f"{{{XS}}}annotation/{{{XS}}}documentation") or "").strip()
    ]
    assert undocumented == []


def test_root_element_and_version_attribute() -> None:
    root = _xsd("call-card-1.xsd")
    elements = root.findall(f"{{{XS}}}element")
    assert [element.get("name") for element in elements] == ["callCard"]
    attribute = _named("complexType", "CallCard").find(f"{{{XS}}}attribute")
    assert attribute is not None
    assert (attribute.get("name"), attribute.get("fixed"), attribute.get("use")) == (
        "schemaVersion",
        "1",
        "required",
    )


ENUMS: list[type[enum.StrEnum]] = [
    cs.CardStatus,
    cs.Channel,
    cs.LocationSource,
    cs.ServiceStatus,
    cs.CallbackOutcome,
    cs.LinkKind,
    cs.Outcome,
    cs.ProtocolRisk,
    cs.CallControlKind,
    cs.CallControlMode,
    cs.CallControlTargetKind,
    cs.CallControlOutcome,
]


@pytest.mark.parametrize("enum_type", ENUMS, ids=[e.__name__ for e in ENUMS])
def test_enumerations_match_the_python_enums(enum_type: type[enum.StrEnum]) -> None:
    assert _facets(enum_type.__name__, "enumeration") == [member.value for member in enum_type]


def test_automatic_sources_match_the_python_set() -> None:
    restriction = _named("simpleType", "AutomaticLocationSource").find(f"{{{XS}}}restriction")
    assert restriction is not None
    assert restriction.get("base") == "cc:LocationSource"
    values = _facets("AutomaticLocationSource", "enumeration")
    assert values == [s.value for s in cs.LocationSource if s in cs.AUTOMATIC_LOCATION_SOURCES]


@pytest.mark.parametrize(
    ("simple_type", "pattern"),
    [
        ("Uuid", rules.UUID_PATTERN),
        ("CardNumber", rules.CARD_NUMBER_PATTERN),
        ("Timestamp", rules.TIMESTAMP_PATTERN),
        ("LanguageCode", rules.LANGUAGE_PATTERN),
        ("PhoneNumber", rules.PHONE_PATTERN),
        ("UserId", rules.USER_ID_PATTERN),
        ("Code", rules.CODE_PATTERN),
        ("ServiceCode", rules.SERVICE_CODE_PATTERN),
        ("IncidentType", rules.INCIDENT_TYPE_PATTERN),
        ("HazardToken", rules.HAZARD_PATTERN),
        ("ProtocolCode", rules.PROTOCOL_CODE_PATTERN),
        ("ProtocolNodeId", rules.PROTOCOL_NODE_PATTERN),
        ("DeterminantCode", rules.DETERMINANT_CODE_PATTERN),
        ("DialledNumber", rules.DIALLED_NUMBER_PATTERN),
    ],
)
def test_patterns_match_the_python_rules(simple_type: str, pattern: str) -> None:
    assert _facets(simple_type, "pattern") == [pattern]


@pytest.mark.parametrize(
    ("simple_type", "facet", "value"),
    [
        ("ShortText", "maxLength", rules.SHORT_TEXT_MAX),
        ("Text", "maxLength", rules.TEXT_MAX),
        ("LongText", "maxLength", rules.LONG_TEXT_MAX),
        ("ShortText", "minLength", 1),
        ("Text", "minLength", 1),
        ("LongText", "minLength", 1),
        ("PositioningMethod", "maxLength", rules.POSITIONING_METHOD_MAX),
        ("PositioningMethod", "minLength", 1),
        ("Metres", "maxInclusive", int(rules.RADIUS_MAX_M)),
        ("Priority", "minInclusive", 1),
        ("Priority", "maxInclusive", 5),
        ("CallbackAttemptNumber", "maxInclusive", rules.MAX_CALLBACKS),
        ("Latitude", "minInclusive", -90),
        ("Longitude", "maxInclusive", 180),
        ("ProtocolText", "minLength", 1),
        ("ProtocolText", "maxLength", rules.PROTOCOL_TEXT_MAX),
        ("OverrideReason", "minLength", 1),
        ("OverrideReason", "maxLength", rules.OVERRIDE_REASON_MAX),
        ("ProtocolVersion", "minInclusive", 1),
        ("CallControlReason", "minLength", 1),
        ("CallControlReason", "maxLength", rules.CALL_CONTROL_REASON_MAX),
    ],
)
def test_limits_match_the_python_rules(simple_type: str, facet: str, value: int) -> None:
    assert _facets(simple_type, facet) == [str(value)]


MODEL_TYPES: list[tuple[type[Any], str]] = [
    (cs.Card, "CallCard"),
    (cs.Caller, "Caller"),
    (cs.Place, "Place"),
    (cs.Location, "Location"),
    (cs.Incident, "Incident"),
    (cs.Unit, "Unit"),
    (cs.RoutedService, "RoutedService"),
    (cs.StatusChange, "StatusChange"),
    (cs.CallbackAttempt, "CallbackAttempt"),
    (cs.Note, "Note"),
    (cs.Link, "Link"),
    (cs.Handoff, "Handoff"),
    (cs.ProposedLocation, "ProposedLocation"),
    (cs.ProtocolRecord, "ProtocolRecord"),
    (cs.ProtocolAnswer, "ProtocolAnswer"),
    (cs.ProtocolInstruction, "ProtocolInstruction"),
    (cs.ProtocolDeterminant, "ProtocolDeterminant"),
    (cs.CallControlRecord, "CallControlLeg"),
]


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


@pytest.mark.parametrize(("model", "complex_type"), MODEL_TYPES, ids=[t[1] for t in MODEL_TYPES])
def test_elements_are_the_camel_case_fields(model: type[Any], complex_type: str) -> None:
    declared = {
        element.get("name")
        for element in _named("complexType", complex_type).iter(f"{{{XS}}}element")
    }
    fields = {_camel(field.name) for field in dataclasses.fields(model)}
    assert declared == fields


def test_optional_fields_are_optional_elements() -> None:
    required = {
        element.get("name")
        for element in _named("complexType", "CallCard").iter(f"{{{XS}}}element")
        if element.get("minOccurs") != "0"
    }
    assert required == {
        "id",
        "number",
        "version",
        "status",
        "createdAt",
        "updatedAt",
        "channel",
        "language",
        "caller",
        "location",
        "incident",
    }


def _sequence(complex_type: str) -> list[etree._Element]:
    sequence = _named("complexType", complex_type).find(f"{{{XS}}}sequence")
    assert sequence is not None
    return list(sequence.iterchildren(f"{{{XS}}}element"))


@pytest.mark.parametrize(
    ("complex_type", "name", "after"),
    [
        ("CallCard", "proposedLocation", "location"),
        ("Location", "confirmed", "district"),
        ("RoutedService", "handoff", "history"),
    ],
)
def test_revision_1_1_elements_are_optional_and_placed(
    complex_type: str, name: str, after: str
) -> None:
    elements = _sequence(complex_type)
    names = [element.get("name") for element in elements]
    position = names.index(name)
    assert names[position - 1] == after
    assert elements[position].get("minOccurs") == "0"
    assert elements[position].get("maxOccurs") is None
    # Appended at the end of its sequence, except proposedLocation, which sits by location.
    assert name == "proposedLocation" or position == len(names) - 1


def test_the_new_types_are_what_the_model_says() -> None:
    def types(complex_type: str) -> dict[str | None, str | None]:
        return {e.get("name"): e.get("type") for e in _sequence(complex_type)}

    def required(complex_type: str) -> set[str | None]:
        return {e.get("name") for e in _sequence(complex_type) if e.get("minOccurs") != "0"}

    assert types("Location")["confirmed"] == "xs:boolean"
    assert types("Handoff") == {
        "at": "cc:Timestamp",
        "by": "cc:UserId",
        "contact": "cc:ShortText",
        "note": "cc:Text",
    }
    assert required("Handoff") == {"at", "by", "contact"}
    assert types("ProposedLocation") == {
        "lat": "cc:Latitude",
        "lon": "cc:Longitude",
        "radiusM": "cc:Metres",
        "source": "cc:AutomaticLocationSource",
        "receivedAt": "cc:Timestamp",
        "positionedAt": "cc:Timestamp",
        "method": "cc:PositioningMethod",
        "region": "cc:Place",
        "district": "cc:Place",
    }
    assert required("ProposedLocation") == {"lat", "lon", "source", "receivedAt"}
