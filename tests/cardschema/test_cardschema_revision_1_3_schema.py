"""Card revision 1.3's protocols in the XSD agree with the model: list bounds, required
elements, the new types and their order, and the JSON reader naming a broken field."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree

import cardschema as cs
from cardschema import rules

XS = "http://www.w3.org/2001/XMLSchema"


def _types() -> etree._Element:
    return etree.parse(str(cs.xsd_path().parent / "call-card-1-types.xsd")).getroot()


def _complex(name: str) -> etree._Element:
    found = _types().find(f"{{{XS}}}complexType[@name='{name}']")
    assert found is not None, name
    return found


@pytest.mark.parametrize(
    ("wrapper", "limit"),
    [
        ("Protocols", rules.MAX_PROTOCOLS),
        ("ProtocolAnswers", rules.MAX_PROTOCOL_ANSWERS),
        ("ProtocolInstructions", rules.MAX_PROTOCOL_INSTRUCTIONS),
        ("DeterminantServices", rules.MAX_DETERMINANT_SERVICES),
    ],
)
def test_list_bounds_match_the_python_rules(wrapper: str, limit: int) -> None:
    item = _complex(wrapper).find(f"{{{XS}}}sequence/{{{XS}}}element")
    assert item is not None
    assert item.get("maxOccurs") == str(limit)


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def _required(complex_type: str) -> set[str | None]:
    """Elements a document must have: minOccurs 1 in a sequence that is itself required."""
    sequence = _complex(complex_type).find(f"{{{XS}}}sequence")
    assert sequence is not None
    return {
        element.get("name")
        for element in sequence.iterchildren(f"{{{XS}}}element")
        if element.get("minOccurs") != "0"
    }


@pytest.mark.parametrize(
    ("model", "complex_type"),
    [
        (cs.ProtocolRecord, "ProtocolRecord"),
        (cs.ProtocolAnswer, "ProtocolAnswer"),
        (cs.ProtocolInstruction, "ProtocolInstruction"),
        (cs.ProtocolDeterminant, "ProtocolDeterminant"),
    ],
)
def test_required_elements_are_the_fields_without_a_default(
    model: type[Any], complex_type: str
) -> None:
    without_default = {
        _camel(f.name)
        for f in dataclasses.fields(model)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    assert _required(complex_type) == without_default


def test_the_override_and_its_reason_come_together() -> None:
    sequence = _complex("ProtocolRecord").find(f"{{{XS}}}sequence/{{{XS}}}sequence")
    assert sequence is not None
    assert sequence.get("minOccurs") == "0"
    inner = list(sequence.iterchildren(f"{{{XS}}}element"))
    assert [(e.get("name"), e.get("type"), e.get("minOccurs")) for e in inner] == [
        ("priorityOverride", "cc:Priority", None),
        ("overrideReason", "cc:OverrideReason", None),
    ]


def test_the_new_types_are_what_the_model_says() -> None:
    def types(complex_type: str) -> dict[str | None, str | None]:
        return {
            e.get("name"): e.get("type") for e in _complex(complex_type).iter(f"{{{XS}}}element")
        }

    assert types("ProtocolRecord") == {
        "code": "cc:ProtocolCode",
        "version": "cc:ProtocolVersion",
        "approved": "xs:boolean",
        "language": "cc:LanguageCode",
        "startedAt": "cc:Timestamp",
        "startedBy": "cc:UserId",
        "answers": "cc:ProtocolAnswers",
        "instructions": "cc:ProtocolInstructions",
        "determinant": "cc:ProtocolDeterminant",
        "priorityOverride": "cc:Priority",
        "overrideReason": "cc:OverrideReason",
        "escalationRequired": "xs:boolean",
        "escalatedAt": "cc:Timestamp",
    }
    assert types("ProtocolAnswer") == {
        "node": "cc:ProtocolNodeId",
        "question": "cc:ProtocolText",
        "value": "cc:ProtocolText",
        "at": "cc:Timestamp",
    }
    assert types("ProtocolDeterminant") == {
        "code": "cc:DeterminantCode",
        "priority": "cc:Priority",
        "services": "cc:DeterminantServices",
        "risk": "cc:ProtocolRisk",
    }


def test_the_protocols_follow_the_supervisor() -> None:
    # They ended the card in revision 1.3; revision 1.4 appends callControl after them.
    root = etree.parse(str(cs.xsd_path())).getroot()
    card = root.find(f"{{{XS}}}complexType[@name='CallCard']/{{{XS}}}sequence")
    assert card is not None
    elements = list(card.iterchildren(f"{{{XS}}}element"))
    names = [e.get("name") for e in elements]
    position = names.index("protocols")
    pair = elements[position - 1 : position + 1]
    assert [(e.get("name"), e.get("minOccurs")) for e in pair] == [
        ("supervisorId", "0"),
        ("protocols", "0"),
    ]
    text = " ".join((root.findtext(f"{{{XS}}}annotation/{{{XS}}}documentation") or "").split())
    assert "1.3: protocols after supervisorId" in text


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda d: d["protocols"][0].pop("approved"), "protocols[0].approved", "is required"),
        (
            lambda d: d["protocols"][0].update(approved="yes"),
            "protocols[0].approved",
            "must be a boolean, got a string",
        ),
        (
            lambda d: d["protocols"][0].update(escalation_required=None),
            "protocols[0].escalation_required",
            "must be a boolean, got null",
        ),
        (
            lambda d: d["protocols"][0]["answers"][1].update(score=3),
            "protocols[0].answers[1].score",
            "unknown field",
        ),
        (
            lambda d: d["protocols"][0]["answers"][0].update(value=True),
            "protocols[0].answers[0].value",
            "must be a string",
        ),
        (
            lambda d: d["protocols"][0]["determinant"].update(risk="extreme"),
            "protocols[0].determinant.risk",
            "must be one of low, moderate, high",
        ),
        (
            lambda d: d["protocols"][0]["determinant"].update(services=["103", "103"]),
            "protocols[0].determinant.services[1]",
            "duplicate value 103",
        ),
        (
            lambda d: d["protocols"][0].update(override_reason=None),
            "protocols[0].override_reason",
            "is required with priority_override",
        ),
        (
            lambda d: d["protocols"][1]["instructions"].append({"node": "x", "at": "now"}),
            "protocols[1].instructions[0].text",
            "is required",
        ),
        (lambda d: d.update(protocols={}), "protocols", "must be a list"),
        (
            lambda d: d["protocols"].append(copy.deepcopy(d["protocols"][0])),
            "protocols[3].code",
            "duplicate value cardiac_arrest",
        ),
    ],
)
def test_card_from_dict_names_the_broken_field(
    card_1_3: cs.Card, change: Callable[[dict[str, Any]], object], path: str, message: str
) -> None:
    data = copy.deepcopy(cs.card_to_dict(card_1_3))
    change(data)
    with pytest.raises(cs.CardDataError) as raised:
        cs.card_from_dict(data)
    assert raised.value.path == path
    assert message in str(raised.value)
