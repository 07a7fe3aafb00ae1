"""Card revision 1.4's call control in the XSD agrees with the model: the list bound, the
required elements, the types and their order, the uniqueness of a leg, and the JSON reader
naming a broken field."""

from __future__ import annotations

import copy
import dataclasses
import uuid
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


def _sequence(name: str) -> list[etree._Element]:
    sequence = _complex(name).find(f"{{{XS}}}sequence")
    assert sequence is not None
    return list(sequence.iterchildren(f"{{{XS}}}element"))


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def test_the_list_bound_matches_the_python_rule() -> None:
    [leg] = _sequence("CallControl")
    assert (leg.get("name"), leg.get("type")) == ("leg", "cc:CallControlLeg")
    assert leg.get("maxOccurs") == str(rules.MAX_CALL_CONTROL_LEGS) == "50"


def test_required_elements_are_the_fields_without_a_default() -> None:
    without_default = {
        _camel(f.name)
        for f in dataclasses.fields(cs.CallControlRecord)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    required = {e.get("name") for e in _sequence("CallControlLeg") if e.get("minOccurs") != "0"}
    assert required == without_default


def test_the_new_types_are_what_the_model_says_in_the_models_order() -> None:
    # test_cardschema_xsd.py's MODEL_TYPES checks the names; the order and the types are here.
    elements = _sequence("CallControlLeg")
    fields = [_camel(f.name) for f in dataclasses.fields(cs.CallControlRecord)]
    assert [e.get("name") for e in elements] == fields
    assert {e.get("name"): e.get("type") for e in elements} == {
        "id": "cc:Uuid",
        "kind": "cc:CallControlKind",
        "mode": "cc:CallControlMode",
        "requestedAt": "cc:Timestamp",
        "requestedBy": "cc:UserId",
        "targetKind": "cc:CallControlTargetKind",
        "target": "cc:ShortText",
        "targetName": "cc:ShortText",
        "number": "cc:DialledNumber",
        "outcome": "cc:CallControlOutcome",
        "answeredAt": "cc:Timestamp",
        "endedAt": "cc:Timestamp",
        "reason": "cc:CallControlReason",
    }


def _card_xsd() -> etree._Element:
    return etree.parse(str(cs.xsd_path())).getroot()


def test_the_card_ends_with_the_call_control() -> None:
    root = _card_xsd()
    card = root.find(f"{{{XS}}}complexType[@name='CallCard']/{{{XS}}}sequence")
    assert card is not None
    last = list(card.iterchildren(f"{{{XS}}}element"))[-2:]
    assert [(e.get("name"), e.get("type"), e.get("minOccurs")) for e in last] == [
        ("protocols", "cc:Protocols", "0"),
        ("callControl", "cc:CallControl", "0"),
    ]
    text = " ".join((root.findtext(f"{{{XS}}}annotation/{{{XS}}}documentation") or "").split())
    assert "1.4: callControl after protocols" in text


def test_each_leg_is_recorded_once() -> None:
    unique = _card_xsd().find(f"{{{XS}}}element/{{{XS}}}unique[@name='uniqueCallControlLeg']")
    assert unique is not None
    selector = unique.find(f"{{{XS}}}selector")
    field = unique.find(f"{{{XS}}}field")
    assert selector is not None
    assert field is not None
    assert (selector.get("xpath"), field.get("xpath")) == ("cc:callControl/cc:leg", "cc:id")


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            lambda d: d["call_control"][1].update(number="+998 66 200 11 46"),
            "call_control[1].number",
            "must match [+0-9*#]{1,32}",
        ),
        (
            lambda d: d["call_control"][0].update(mode="blind"),
            "call_control[0].mode",
            "a conference has no mode, got blind",
        ),
        (
            lambda d: d["call_control"][1].pop("mode"),
            "call_control[1].mode",
            "is required for a transfer",
        ),
        (
            lambda d: d["call_control"][1].update(mode="warm"),
            "call_control[1].mode",
            "must be one of blind, attended; got 'warm'",
        ),
        (
            lambda d: d["call_control"][0].update(kind="forward"),
            "call_control[0].kind",
            "must be one of transfer, conference",
        ),
        (
            lambda d: d["call_control"][2].update(target_kind="service"),
            "call_control[2].target_kind",
            "must be one of operator, queue, directory, number",
        ),
        (
            lambda d: d["call_control"][3].update(outcome="failed"),
            "call_control[3].outcome",
            "must be one of dialing, connected, completed, busy, no_answer, rejected, "
            "cancelled, ended",
        ),
        (
            lambda d: d["call_control"][0].update(id="0c6f3a1e8d2b4f579a413e7b5d9c2f10"),
            "call_control[0].id",
            "is not a UUID",
        ),
        (
            lambda d: d["call_control"][0].update(id="0c6f3a1e-8d2b-4f57-9a41-3e7b5d9c2f100"),
            "call_control[0].id",
            "is not a UUID",
        ),
        (
            lambda d: d["call_control"][0].update(id="{0c6f3a1e-8d2b-4f57-9a41-3e7b5d9c2f10}"),
            "call_control[0].id",
            "is not a UUID",
        ),
        (lambda d: d["call_control"][0].update(id=""), "call_control[0].id", "is not a UUID"),
        (
            lambda d: d["call_control"][0].update(id=None),
            "call_control[0].id",
            "must be a UUID string, got null",
        ),
        (
            lambda d: d["call_control"][0].update(id=12),
            "call_control[0].id",
            "must be a UUID string, got an integer",
        ),
        (
            lambda d: d["call_control"][3].pop("requested_at"),
            "call_control[3].requested_at",
            "is required",
        ),
        (
            lambda d: d["call_control"][3].update(requested_at="2026-11-22T09:29:00"),
            "call_control[3].requested_at",
            "is not a timestamp with a UTC offset",
        ),
        (
            lambda d: d["call_control"][2].update(reason="r" * 501),
            "call_control[2].reason",
            "at most 500 characters",
        ),
        (
            lambda d: d["call_control"][2].update(target=12),
            "call_control[2].target",
            "must be a string, got an integer",
        ),
        (
            lambda d: d["call_control"][1].update(transferred_to="x"),
            "call_control[1].transferred_to",
            "unknown field",
        ),
        (lambda d: d.update(call_control={}), "call_control", "must be a list"),
        (lambda d: d["call_control"].append("leg"), "call_control[4]", "must be an object"),
        (
            lambda d: d["call_control"].append(copy.deepcopy(d["call_control"][1])),
            "call_control[4].id",
            "duplicate value 1d7a4b2f-9e3c-4a68-8b52-4f8c6eab3021",
        ),
        (
            lambda d: d["call_control"].extend(copy.deepcopy(d["call_control"] * 12)),
            "call_control",
            "at most 50, got 52",
        ),
    ],
)
def test_card_from_dict_names_the_broken_field(
    card_1_4: cs.Card, change: Callable[[dict[str, Any]], object], path: str, message: str
) -> None:
    data = copy.deepcopy(cs.card_to_dict(card_1_4))
    change(data)
    with pytest.raises(cs.CardDataError) as raised:
        cs.card_from_dict(data)
    assert raised.value.path == path
    assert message in str(raised.value)


def test_card_from_dict_reads_an_upper_case_leg_id_as_the_same_uuid(card_1_4: cs.Card) -> None:
    # As a link's card_id: JSON takes a UUID in either case; build() writes it in lower case.
    data = copy.deepcopy(cs.card_to_dict(card_1_4))
    data["call_control"][0]["id"] = "0C6F3A1E-8D2B-4F57-9A41-3E7B5D9C2F10"
    card = cs.card_from_dict(data)
    assert card.call_control[0].id == uuid.UUID("0c6f3a1e-8d2b-4f57-9a41-3e7b5d9c2f10")
    assert card == card_1_4
    assert cs.card_to_dict(card)["call_control"][0]["id"] == "0c6f3a1e-8d2b-4f57-9a41-3e7b5d9c2f10"
