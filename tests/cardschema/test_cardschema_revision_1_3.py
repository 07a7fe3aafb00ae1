"""Revision 1.3: the protocols walked on a card. Additive: a card without them is what 1.2 wrote,
byte for byte; the model, the XSD, XML and JSON agree on every rule."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from lxml import etree

import cardschema as cs
from cardschema import rules
from tests.cardschema.protocol_records import (
    arrest,
    at,
    bare,
)

XS = "http://www.w3.org/2001/XMLSchema"
NS = f"{{{cs.NAMESPACE}}}"

# sha256 of build() and of json.dumps(card_to_dict(), ensure_ascii=False) as revision 1.2 wrote
# them (computed with the code of commit 7e9717b, before revision 1.3).
REVISION_1_2_XML = {
    "full_card": "5affaf077dea583268915002e5e4d23362b0fdf2ac417541740afc12b71ff31a",
    "minimal_card": "b84eeae9a34ab0c1f9c5a7f1ba51895de3bd3f934e9afd633d5e09f67bff066a",
    "card_1_2": "65764f8df7ef4b2b433eb390abfad54bd65a324d71ec2f1cd2f719a8009ba7db",
}
REVISION_1_2_JSON = {
    "full_card": "440a360bf311cdced9a567277f45afc0f25812fa4ab9ce452e2e98f8a3e27033",
    "minimal_card": "9f2ce0701e0e8eb473069d8a7324bf17a89682d566d5da17017dddcabfeb837b",
    "card_1_2": "509119b304a763787c056ab5a9a0d232d1b6f8b5a932490e29cd61df015ae992",
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("fixture", sorted(REVISION_1_2_XML))
def test_a_card_without_protocols_is_byte_for_byte_what_1_2_wrote(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    card: cs.Card = request.getfixturevalue(fixture)
    assert card.protocols == ()
    assert _sha(cs.build(card)) == REVISION_1_2_XML[fixture]
    as_json = json.dumps(cs.card_to_dict(card), ensure_ascii=False).encode()
    assert _sha(as_json) == REVISION_1_2_JSON[fixture]
    assert "protocols" not in cs.card_to_dict(card)


def test_the_1_3_card_round_trips_through_xml_and_json(card_1_3: cs.Card) -> None:
    data = cs.build(card_1_3)
    cs.validate(data)
    assert cs.parse(data) == card_1_3
    as_json = json.loads(json.dumps(cs.card_to_dict(card_1_3)))
    assert cs.card_from_dict(as_json) == card_1_3


def _names(element: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in element]


def test_protocols_are_written_last_in_the_schemas_order(card_1_3: cs.Card) -> None:
    root = etree.fromstring(cs.build(card_1_3))
    assert _names(root)[-2:] == ["supervisorId", "protocols"]
    first, second, third = root.iterfind(f"{NS}protocols/{NS}protocol")
    assert _names(first) == [
        "code",
        "version",
        "approved",
        "language",
        "startedAt",
        "startedBy",
        "answers",
        "instructions",
        "determinant",
        "priorityOverride",
        "overrideReason",
    ]
    assert first.findtext(f"{NS}approved") == "true"
    assert [a.findtext(f"{NS}node") for a in first.iterfind(f"{NS}answers/{NS}answer")] == [
        "awake",
        "breathing",
        "age",
    ]
    answer = first.find(f"{NS}answers/{NS}answer")
    assert answer is not None
    assert _names(answer) == ["node", "question", "value", "at"]
    assert answer.findtext(f"{NS}at") == "2026-11-22T09:20:12+05:00"
    instruction = first.find(f"{NS}instructions/{NS}instruction")
    assert instruction is not None
    assert _names(instruction) == ["node", "text", "at"]
    determinant = first.find(f"{NS}determinant")
    assert determinant is not None
    assert _names(determinant) == ["code", "priority", "services"]
    assert [s.text for s in determinant.iterfind(f"{NS}services/{NS}service")] == ["103", "101"]
    # A screen at high risk: no override, the escalation required and done.
    assert _names(second)[-3:] == ["determinant", "escalationRequired", "escalatedAt"]
    assert second.findtext(f"{NS}approved") == "false"
    assert second.findtext(f"{NS}escalationRequired") == "true"
    assert second.findtext(f"{NS}escalatedAt") == "2026-11-22T04:27:30.500000+00:00"
    assert second.findtext(f"{NS}determinant/{NS}risk") == "high"
    # Just started: only what is required, escalationRequired left out as false.
    assert _names(third) == ["code", "version", "approved", "language", "startedAt", "startedBy"]


def test_json_has_protocols_only_when_used(card_1_3: cs.Card) -> None:
    data = cs.card_to_dict(card_1_3)
    assert list(data)[-1] == "protocols"
    first, second, third = data["protocols"]
    assert first["determinant"] == {
        "code": "ARREST-1",
        "priority": 2,
        "services": ["103", "101"],
        "risk": None,
    }
    assert first["answers"][2] == {
        "node": "age",
        "question": "Yoshi nechada?",
        "value": "54",
        "at": "2026-11-22T09:20:41+05:00",
    }
    assert first["instructions"][0]["node"] == "push"
    assert (first["priority_override"], first["escalation_required"]) == (1, False)
    assert second["determinant"]["risk"] == "high"
    assert second["escalated_at"] == "2026-11-22T04:27:30.500000+00:00"
    assert third == {
        "code": "choking",
        "version": 1,
        "approved": False,
        "language": "kaa",
        "started_at": "2026-11-22T09:21:00+05:00",
        "started_by": "d.yusupova",
        "answers": [],
        "instructions": [],
        "determinant": None,
        "priority_override": None,
        "override_reason": None,
        "escalation_required": False,
        "escalated_at": None,
    }
    # Left out, the lists, the determinant and the override are empty; escalation is false.
    lean = {key: third[key] for key in ("code", "version", "approved", "language")}
    lean |= {"started_at": third["started_at"], "started_by": third["started_by"]}
    assert cs.card_from_dict(data | {"protocols": [lean]}).protocols == (bare(),)


def _answer(**fields: Any) -> cs.ProtocolAnswer:
    base: dict[str, Any] = {"node": "awake", "question": "Awake?", "value": "yes", "at": at(20)}
    return cs.ProtocolAnswer(**(base | fields))


def _record(**fields: Any) -> cs.ProtocolRecord:
    return dataclasses.replace(bare(), **fields)


def _determinant(**fields: Any) -> cs.ProtocolDeterminant:
    base: dict[str, Any] = {"code": "ARREST-1", "priority": 1}
    return cs.ProtocolDeterminant(**(base | fields))


@pytest.mark.parametrize(
    ("build", "path", "message"),
    [
        (lambda: _answer(node="Awake"), "node", "must match"),
        (lambda: _answer(node="x" * 49), "node", "must match"),
        (lambda: _answer(question=""), "question", "must not be empty"),
        (lambda: _answer(value="v" * 2001), "value", "at most 2000 characters, got 2001"),
        (lambda: _answer(at=datetime(2026, 11, 22, 9, 20)), "at", "must be timezone-aware"),
        (
            lambda: cs.ProtocolInstruction(node="push", text="\x07", at=at(1)),
            "text",
            "U+0007",
        ),
        (lambda: cs.ProtocolInstruction(node="9push", text="t", at=at(1)), "node", "must match"),
        (lambda: _determinant(code="arrest-1"), "code", "must match"),
        (lambda: _determinant(code="A-1"), "code", "must match"),
        (lambda: _determinant(code="ARREST-1000"), "code", "must match"),
        (lambda: _determinant(priority=0), "priority", "between 1 and 5, got 0"),
        (lambda: _determinant(priority=6), "priority", "between 1 and 5, got 6"),
        (lambda: _determinant(services=("103", "103")), "services[1]", "duplicate value 103"),
        (lambda: _determinant(services=("10 3",)), "services[0]", "must match"),
        (
            lambda: _determinant(services=tuple(str(100 + i) for i in range(17))),
            "services",
            "at most 16, got 17",
        ),
        (lambda: _record(code="c"), "code", "must match"),
        (lambda: _record(code="Choking"), "code", "must match"),
        (lambda: _record(version=0), "version", "between 1 and"),
        (lambda: _record(language="UZ"), "language", "must match"),
        (lambda: _record(started_by="d yusupova"), "started_by", "must match"),
        (lambda: _record(started_by=""), "started_by", "must not be empty"),
        (lambda: _record(started_at=datetime(2026, 1, 1)), "started_at", "timezone-aware"),
        (lambda: _record(priority_override=2), "override_reason", "is required with"),
        (lambda: _record(override_reason="why"), "priority_override", "is required with"),
        (
            lambda: _record(priority_override=6, override_reason="why"),
            "priority_override",
            "between 1 and 5",
        ),
        (
            lambda: _record(priority_override=1, override_reason="r" * 501),
            "override_reason",
            "at most 500",
        ),
        (lambda: _record(priority_override=1, override_reason=""), "override_reason", "empty"),
        (lambda: _record(escalated_at=datetime(2026, 1, 1)), "escalated_at", "timezone-aware"),
        (lambda: _record(answers=(_answer(),) * 501), "answers", "at most 500, got 501"),
        (
            lambda: _record(
                instructions=(cs.ProtocolInstruction(node="push", text="t", at=at(1)),) * 501
            ),
            "instructions",
            "at most 500, got 501",
        ),
    ],
)
def test_the_model_refuses_broken_protocols(
    build: Callable[[], object], path: str, message: str
) -> None:
    with pytest.raises(cs.CardDataError) as raised:
        build()
    assert raised.value.path == path
    assert message in str(raised.value)


def test_protocols_are_bounded_and_each_code_once(minimal_card: cs.Card) -> None:
    ten = tuple(_record(code=f"protocol_{i}") for i in range(rules.MAX_PROTOCOLS))
    card = dataclasses.replace(minimal_card, protocols=ten)
    assert cs.parse(cs.build(card)) == card
    with pytest.raises(cs.CardDataError, match="at most 10, got 11"):
        dataclasses.replace(minimal_card, protocols=(*ten, _record(code="one_more")))
    with pytest.raises(cs.CardDataError) as raised:
        dataclasses.replace(minimal_card, protocols=(bare(), arrest(), bare()))
    assert raised.value.path == "protocols[2].code"
    assert "duplicate value choking" in str(raised.value)


def test_the_bounds_of_one_protocol_build(minimal_card: cs.Card) -> None:
    answers = tuple(_answer(node=f"q{i}") for i in range(rules.MAX_PROTOCOL_ANSWERS - 1))
    answers += (_answer(node="long", question="q" * 2000, value="v" * 2000),)
    given = tuple(
        cs.ProtocolInstruction(node=f"i{i}", text="t", at=at(2))
        for i in range(rules.MAX_PROTOCOL_INSTRUCTIONS)
    )
    services = tuple(str(100 + i) for i in range(rules.MAX_DETERMINANT_SERVICES))
    record = _record(
        answers=answers,
        instructions=given,
        determinant=_determinant(services=services, risk=cs.ProtocolRisk.MODERATE),
        priority_override=5,
        override_reason="r" * 500,
    )
    card = dataclasses.replace(minimal_card, protocols=(record,))
    assert cs.parse(cs.build(card)) == card


def test_a_card_over_the_size_limit_is_refused_by_build(minimal_card: cs.Card) -> None:
    # Each protocol may be within its bounds and the card still too large to send: the whole
    # card stays under MAX_CARD_BYTES (1 MiB), and build says so rather than send it.
    answers = tuple(
        _answer(node=f"q{i}", question="q" * 1000, value="v" * 1000) for i in range(500)
    )
    card = dataclasses.replace(minimal_card, protocols=(_record(answers=answers),))
    with pytest.raises(cs.CardTooLarge, match="over the limit of 1048576 bytes"):
        cs.build(card)


def _xml(card: cs.Card, old: bytes, new: bytes) -> bytes:
    data = cs.build(card)
    assert old in data
    return data.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        (b"<priorityOverride>1</priorityOverride>", b"", "overrideReason': This element is not"),
        (b"<priorityOverride>1<", b"<priorityOverride>0<", "less than the minimum"),
        (b"<code>ARREST-1</code>", b"<code>ARREST-01A</code>", "'[A-Z]{2,8}-[0-9]{1,3}'"),
        (b"<code>ARREST-1</code>", b"<code>arrest-1</code>", "[facet 'pattern']"),
        (b"<service>101</service>", b"<service>103</service>", "uniqueDeterminantService"),
        (b"<code>choking</code>", b"<code>cardiac_arrest</code>", "uniqueProtocol"),
        (b"<risk>high</risk>", b"<risk>extreme</risk>", "'extreme' is not an element of the set"),
        (b"<approved>false</approved>\n      <language>kaa", b"<language>kaa", "approved )"),
        (b"<approved>true</approved>", b"<approved>yes</approved>", "xs:boolean"),
        (b"<node>awake</node>", b"<node>Awake</node>", "'[a-z][a-z0-9_]{0,47}'"),
        (b"<version>3</version>", b"<version>0</version>", "less than the minimum"),
        (b"<value>54</value>", b"<value></value>", "minLength"),
        (b"<startedBy>d.yusupova</startedBy>", b"<startedBy>d yusupova</startedBy>", "startedBy'"),
        (b"<escalationRequired>true<", b"<escalationRequired>maybe<", "xs:boolean"),
    ],
)
def test_the_xsd_refuses_broken_protocols(
    card_1_3: cs.Card, old: bytes, new: bytes, fragment: str
) -> None:
    data = _xml(card_1_3, old, new)
    for read in (cs.validate, cs.parse):
        with pytest.raises(cs.CardInvalid) as raised:
            read(data)
        assert fragment in str(raised.value)


def test_the_xsd_refuses_an_override_without_its_reason(card_1_3: cs.Card) -> None:
    data = cs.build(card_1_3)
    broken = re.sub(rb"\s*<overrideReason>.*?</overrideReason>", b"", data, count=1, flags=re.S)
    assert broken != data
    with pytest.raises(cs.CardInvalid) as raised:
        cs.validate(broken)
    assert "Missing child element(s). Expected is ( {urn:uz:112:call-card:1}overrideReason" in str(
        raised.value
    )


def test_the_xsd_bounds_the_lists(minimal_card: cs.Card) -> None:
    answer = _answer()
    card = dataclasses.replace(minimal_card, protocols=(_record(answers=(answer,) * 500),))
    data = cs.build(card)
    item = data[data.index(b"<answer>") : data.index(b"</answer>") + len(b"</answer>\n")]
    item = b"        " + item
    with pytest.raises(cs.CardInvalid, match="answer': This element is not expected"):
        cs.validate(data.replace(item, item * 2, 1))
    ten = tuple(_record(code=f"protocol_{i}") for i in range(rules.MAX_PROTOCOLS))
    data = cs.build(dataclasses.replace(minimal_card, protocols=ten))
    extra = cs.build(dataclasses.replace(minimal_card, protocols=(_record(code="extra"),)))
    one = extra[extra.index(b"<protocol>") : extra.index(b"</protocol>") + len(b"</protocol>")]
    with pytest.raises(cs.CardInvalid, match="protocol': This element is not expected"):
        cs.validate(data.replace(b"</protocols>", one + b"</protocols>"))
