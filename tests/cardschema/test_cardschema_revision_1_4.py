"""Revision 1.4: the call-control record (transfers and conferences). Additive: a card without it
is what 1.3 wrote, byte for byte; the model, the XSD, XML and JSON agree on every rule, and the
one rule the XSD cannot express (a transfer has a mode, a conference none) is checked by
``validate`` and ``parse`` all the same."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from lxml import etree

import cardschema as cs
from cardschema import rules
from tests.cardschema.call_control_legs import at, dialing, interpreter

NS = f"{{{cs.NAMESPACE}}}"

# sha256 of build() and of json.dumps(card_to_dict(), ensure_ascii=False) as revision 1.3 wrote
# them (computed with the code of commit 3fb6c37, before revision 1.4).
REVISION_1_3_XML = {
    "full_card": "5affaf077dea583268915002e5e4d23362b0fdf2ac417541740afc12b71ff31a",
    "minimal_card": "b84eeae9a34ab0c1f9c5a7f1ba51895de3bd3f934e9afd633d5e09f67bff066a",
    "card_1_2": "65764f8df7ef4b2b433eb390abfad54bd65a324d71ec2f1cd2f719a8009ba7db",
    "card_1_3": "764efb17c7e5c68e111ba8fa725cb9e14ab0b98259fc215115a5af643355ad40",
}
REVISION_1_3_JSON = {
    "full_card": "440a360bf311cdced9a567277f45afc0f25812fa4ab9ce452e2e98f8a3e27033",
    "minimal_card": "9f2ce0701e0e8eb473069d8a7324bf17a89682d566d5da17017dddcabfeb837b",
    "card_1_2": "509119b304a763787c056ab5a9a0d232d1b6f8b5a932490e29cd61df015ae992",
    "card_1_3": "0aed8b53a0652ab66e3305c5f537e57b795006d198a37b258984cf0323d437a2",
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("fixture", sorted(REVISION_1_3_XML))
def test_a_card_without_call_control_is_byte_for_byte_what_1_3_wrote(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    card: cs.Card = request.getfixturevalue(fixture)
    assert card.call_control == ()
    assert _sha(cs.build(card)) == REVISION_1_3_XML[fixture]
    as_json = json.dumps(cs.card_to_dict(card), ensure_ascii=False).encode()
    assert _sha(as_json) == REVISION_1_3_JSON[fixture]
    assert "call_control" not in cs.card_to_dict(card)
    assert cs.card_from_dict(cs.card_to_dict(card)).call_control == ()


def test_the_1_4_card_round_trips_through_xml_and_json(card_1_4: cs.Card) -> None:
    data = cs.build(card_1_4)
    cs.validate(data)
    assert cs.parse(data) == card_1_4
    as_json = json.loads(json.dumps(cs.card_to_dict(card_1_4)))
    assert cs.card_from_dict(as_json) == card_1_4


def _names(element: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in element]


def test_call_control_is_written_last_in_the_schemas_order(card_1_4: cs.Card) -> None:
    root = etree.fromstring(cs.build(card_1_4))
    assert _names(root)[-3:] == ["supervisorId", "protocols", "callControl"]
    legs = root.findall(f"{NS}callControl/{NS}leg")
    assert len(legs) == 4
    conference, transfer, busy, dialing_leg = legs
    assert _names(conference) == [
        "id",
        "kind",
        "requestedAt",
        "requestedBy",
        "targetKind",
        "target",
        "targetName",
        "outcome",
        "endedAt",
        "reason",
    ]
    assert conference.findtext(f"{NS}kind") == "conference"
    assert conference.findtext(f"{NS}outcome") == "cancelled"
    assert _names(transfer) == [
        "id",
        "kind",
        "mode",
        "requestedAt",
        "requestedBy",
        "targetKind",
        "target",
        "targetName",
        "number",
        "outcome",
        "answeredAt",
        "endedAt",
    ]
    assert transfer.findtext(f"{NS}mode") == "attended"
    assert transfer.findtext(f"{NS}targetKind") == "directory"
    assert transfer.findtext(f"{NS}number") == "+998662001146"
    assert transfer.findtext(f"{NS}answeredAt") == "2026-11-22T09:25:18+05:00"
    assert transfer.findtext(f"{NS}endedAt") == "2026-11-22T04:26:02.250000+00:00"
    assert busy.findtext(f"{NS}reason") == "SIP 486 Busy Here\nЛиния занята."
    assert busy.findtext(f"{NS}number") == "*31#+998662334455#12"
    # Just asked for: only what is required (and the transfer's mode).
    assert _names(dialing_leg) == [
        "id",
        "kind",
        "mode",
        "requestedAt",
        "requestedBy",
        "targetKind",
        "target",
        "outcome",
    ]


def test_json_has_call_control_only_when_used(card_1_4: cs.Card) -> None:
    data = cs.card_to_dict(card_1_4)
    assert list(data)[-2:] == ["protocols", "call_control"]
    conference, transfer, _busy, just_asked = data["call_control"]
    assert conference == {
        "id": "0c6f3a1e-8d2b-4f57-9a41-3e7b5d9c2f10",
        "kind": "conference",
        "mode": None,
        "requested_at": "2026-11-22T09:24:05+05:00",
        "requested_by": "d.yusupova",
        "target_kind": "queue",
        "target": "interpreters_tg",
        "target_name": "Tarjimonlar (tojik tili)",
        "number": None,
        "outcome": "cancelled",
        "answered_at": None,
        "ended_at": "2026-11-22T09:24:40+05:00",
        "reason": 'Navbatchi psixolog tojik tilida gapiradi <"tarjimon kerak emas"> & 🗣',
    }
    assert (transfer["mode"], transfer["outcome"]) == ("attended", "completed")
    assert transfer["ended_at"] == "2026-11-22T04:26:02.250000+00:00"
    # Left out, the optional keys are null.
    lean = {key: value for key, value in just_asked.items() if value is not None}
    assert set(just_asked) - set(lean) == {
        "target_name",
        "number",
        "answered_at",
        "ended_at",
        "reason",
    }
    assert cs.card_from_dict(data | {"call_control": [lean]}).call_control == (dialing(),)
    # A card with the key left out or an empty list has none.
    without = {key: value for key, value in data.items() if key != "call_control"}
    assert cs.card_from_dict(without).call_control == ()
    assert cs.card_from_dict(data | {"call_control": []}).call_control == ()


def _leg(**fields: Any) -> cs.CallControlRecord:
    return dataclasses.replace(dialing(), **fields)


def _conference(**fields: Any) -> cs.CallControlRecord:
    return dataclasses.replace(interpreter(), **fields)


@pytest.mark.parametrize(
    ("build", "path", "message"),
    [
        (lambda: _leg(mode=None), "mode", "is required for a transfer (blind or attended)"),
        (
            lambda: _conference(mode=cs.CallControlMode.ATTENDED),
            "mode",
            "a conference has no mode, got attended",
        ),
        (
            lambda: _conference(mode=cs.CallControlMode.BLIND),
            "mode",
            "a conference has no mode, got blind",
        ),
        (lambda: _leg(requested_at=datetime(2026, 11, 22, 9, 29)), "requested_at", "aware"),
        (
            lambda: _leg(requested_at=at(1).replace(tzinfo=timezone(timedelta(seconds=30)))),
            "requested_at",
            "whole minutes",
        ),
        (lambda: _leg(requested_by="d yusupova"), "requested_by", "must match"),
        (lambda: _leg(requested_by=""), "requested_by", "must not be empty"),
        (lambda: _leg(requested_by="u" * 65), "requested_by", "at most 64 characters, got 65"),
        (lambda: _leg(target=""), "target", "must not be empty"),
        (lambda: _leg(target="t" * 201), "target", "at most 200 characters, got 201"),
        (lambda: _leg(target="a\x00b"), "target", "U+0000"),
        (lambda: _leg(target_name=""), "target_name", "must not be empty"),
        (lambda: _leg(target_name="n" * 201), "target_name", "at most 200 characters"),
        (lambda: _leg(number=""), "number", "must match"),
        (lambda: _leg(number="+998 66 200 11 46"), "number", "must match"),
        (lambda: _leg(number="1146a"), "number", "must match"),
        (lambda: _leg(number="1" * 33), "number", "must match"),
        (lambda: _leg(answered_at=datetime(2026, 11, 22, 9, 30)), "answered_at", "aware"),
        (lambda: _leg(ended_at=datetime(2026, 11, 22, 9, 31)), "ended_at", "aware"),
        (lambda: _leg(reason=""), "reason", "must not be empty"),
        (lambda: _leg(reason="r" * 501), "reason", "at most 500 characters, got 501"),
        (lambda: _leg(reason="\ufffe"), "reason", "U+FFFE"),
    ],
)
def test_the_model_refuses_broken_legs(
    build: Callable[[], object], path: str, message: str
) -> None:
    with pytest.raises(cs.CardDataError) as raised:
        build()
    assert raised.value.path == path
    assert message in str(raised.value)


def test_the_bounds_of_one_leg_build(minimal_card: cs.Card) -> None:
    leg = _leg(
        target="t" * 200,
        target_name="n" * 200,
        number="+" + "0" * 29 + "*#",
        reason="r" * 500,
        requested_by="u" * 64,
        answered_at=at(30),
        ended_at=at(59, 59),
        outcome=cs.CallControlOutcome.ENDED,
    )
    card = dataclasses.replace(minimal_card, call_control=(leg, _conference()))
    assert cs.parse(cs.build(card)) == card
    assert cs.card_from_dict(json.loads(json.dumps(cs.card_to_dict(card)))) == card


@pytest.mark.parametrize("outcome", list(cs.CallControlOutcome))
@pytest.mark.parametrize("target_kind", list(cs.CallControlTargetKind))
def test_every_outcome_and_target_kind_round_trips(
    minimal_card: cs.Card, outcome: cs.CallControlOutcome, target_kind: cs.CallControlTargetKind
) -> None:
    card = dataclasses.replace(
        minimal_card,
        call_control=(
            _leg(outcome=outcome, target_kind=target_kind),
            _conference(outcome=outcome, target_kind=target_kind),
        ),
    )
    assert cs.parse(cs.build(card)) == card
    assert cs.card_from_dict(cs.card_to_dict(card)) == card


def _numbered(count: int) -> tuple[cs.CallControlRecord, ...]:
    return tuple(
        _leg(id=uuid.UUID(f"3f9c6d41-b05e-4c8a-9d74-{index:012d}")) for index in range(count)
    )


def test_call_control_is_bounded_and_each_id_once(minimal_card: cs.Card) -> None:
    fifty = _numbered(rules.MAX_CALL_CONTROL_LEGS)
    card = dataclasses.replace(minimal_card, call_control=fifty)
    assert cs.parse(cs.build(card)) == card
    with pytest.raises(cs.CardDataError) as raised:
        dataclasses.replace(minimal_card, call_control=_numbered(51))
    assert raised.value.path == "call_control"
    assert "at most 50, got 51" in str(raised.value)
    with pytest.raises(cs.CardDataError) as raised:
        dataclasses.replace(minimal_card, call_control=(dialing(), interpreter(), dialing()))
    assert raised.value.path == "call_control[2].id"
    assert "duplicate value 3f9c6d41-b05e-4c8a-9d74-6bae80cd5243" in str(raised.value)


def _xml(card: cs.Card, old: bytes, new: bytes) -> bytes:
    data = cs.build(card)
    assert old in data
    return data.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        (
            b"<kind>conference</kind>",
            b"<kind>forward</kind>",
            "'forward' is not an element of the set {'transfer', 'conference'}",
        ),
        (b"<mode>attended</mode>", b"<mode>warm</mode>", "'warm' is not an element of the set"),
        (
            b"<targetKind>queue</targetKind>",
            b"<targetKind>service</targetKind>",
            "'service' is not an element of the set",
        ),
        (
            b"<outcome>cancelled</outcome>",
            b"<outcome>failed</outcome>",
            "'failed' is not an element of the set",
        ),
        (b"<kind>conference</kind>", b"<kind>Conference</kind>", "not an element of the set"),
        (b"<number>+998662001146</number>", b"<number>+998 66</number>", "[+0-9*#]{1,32}"),
        (b"<number>+998662001146</number>", b"<number></number>", "[facet 'pattern']"),
        (
            b"<id>0c6f3a1e-8d2b-4f57-9a41-3e7b5d9c2f10</id>",
            b"<id>0C6F3A1E-8D2B-4F57-9A41-3E7B5D9C2F10</id>",
            "[facet 'pattern']",
        ),
        (
            b"<id>0c6f3a1e-8d2b-4f57-9a41-3e7b5d9c2f10</id>",
            b"<id>interpreter-leg</id>",
            "[facet 'pattern']",
        ),
        (
            b"<id>1d7a4b2f-9e3c-4a68-8b52-4f8c6eab3021</id>",
            b"<id>0c6f3a1e-8d2b-4f57-9a41-3e7b5d9c2f10</id>",
            "uniqueCallControlLeg",
        ),
        (b"<requestedBy>b.saidov<", b"<requestedBy>b saidov<", "requestedBy'"),
        (b"<targetName>Tarjimonlar (tojik tili)<", b"<targetName><", "minLength"),
        (b"<answeredAt>2026-11-22T09:25:18+05:00<", b"<answeredAt>2026-11-22T09:25:18<", "pattern"),
        (b"<outcome>dialing</outcome>\n", b"", "Missing child element(s)"),
        (
            b"<target>a.karimov</target>",
            b"<target>a.karimov</target><target>b</target>",
            "target': This element is not expected",
        ),
        (
            b"<targetKind>operator</targetKind>\n      <target>a.karimov</target>",
            b"<target>a.karimov</target>\n      <targetKind>operator</targetKind>",
            "target': This element is not expected. Expected is ( {urn:uz:112:call-card:1}"
            "targetKind )",
        ),
        (
            b"<reason>SIP 486 Busy Here",
            b"<reason>" + b"r" * 500 + b"SIP 486 Busy Here",
            "exceeds the allowed maximum length of '500'",
        ),
        (b"</callControl>", b"<leg/></callControl>", "leg': Missing child element(s)"),
    ],
)
def test_the_xsd_refuses_broken_legs(
    card_1_4: cs.Card, old: bytes, new: bytes, fragment: str
) -> None:
    data = _xml(card_1_4, old, new)
    for read in (cs.validate, cs.parse):
        with pytest.raises(cs.CardInvalid) as raised:
            read(data)
        assert fragment in str(raised.value)


def test_the_xsd_refuses_an_empty_call_control_and_a_51st_leg(minimal_card: cs.Card) -> None:
    data = cs.build(dataclasses.replace(minimal_card, call_control=(dialing(),)))
    start, end = data.index(b"  <callControl>"), data.index(b"</callControl>\n") + 15
    with pytest.raises(cs.CardInvalid, match="callControl': Missing child element"):
        cs.validate(data[:start] + b"  <callControl/>\n" + data[end:])
    fifty = cs.build(dataclasses.replace(minimal_card, call_control=_numbered(50)))
    leg = data[data.index(b"<leg>") : data.index(b"</leg>") + len(b"</leg>")]
    with pytest.raises(cs.CardInvalid, match="leg': This element is not expected"):
        cs.validate(fifty.replace(b"</callControl>", leg + b"</callControl>"))


def _xsd_alone(data: bytes) -> bool:
    return etree.XMLSchema(etree.parse(str(cs.xsd_path()))).validate(etree.fromstring(data))


def _line(data: bytes, text: bytes) -> int:
    return data[: data.index(text)].count(b"\n") + 1


def test_the_xsd_alone_cannot_express_the_mode_rule_validate_and_parse_check_it(
    card_1_4: cs.Card,
) -> None:
    # XSD 1.0 cannot make kind decide whether mode may appear: the schema alone accepts both
    # a conference with a mode and a transfer without one; the package refuses them, at the
    # conference's mode and at the transfer's leg.
    conference = _xml(
        card_1_4, b"<kind>conference</kind>", b"<kind>conference</kind><mode>blind</mode>"
    )
    transfer = _xml(card_1_4, b"<mode>attended</mode>", b"")
    leg = b"<leg>\n      <id>1d7a4b2f"
    for data, expected in (
        (
            conference,
            cs.Problem(
                _line(conference, b"<mode>blind</mode>"),
                0,
                "Element '{urn:uz:112:call-card:1}mode': a conference has no mode.",
            ),
        ),
        (
            transfer,
            cs.Problem(
                _line(transfer, leg),
                0,
                "Element '{urn:uz:112:call-card:1}leg': a transfer needs a mode (blind or "
                "attended).",
            ),
        ),
    ):
        assert _xsd_alone(data)
        for read in (cs.validate, cs.parse):
            with pytest.raises(cs.CardInvalid) as raised:
                read(data)
            assert raised.value.problems == (expected,)


def test_the_mode_rule_reads_the_kind_as_the_xsd_does(card_1_4: cs.Card) -> None:
    # A comment may split the kind's text; the XSD and the rule both see "transfer".
    data = _xml(card_1_4, b"<kind>transfer</kind>", b"<kind>trans<!-- warm -->fer</kind>")
    assert cs.parse(data) == card_1_4
    broken = data.replace(b"<mode>attended</mode>", b"", 1)
    with pytest.raises(cs.CardInvalid, match="a transfer needs a mode"):
        cs.validate(broken)
    # Every leg that breaks the rule is reported, in document order.
    both = broken.replace(b"<kind>conference</kind>", b"<kind>conference</kind><mode>blind</mode>")
    with pytest.raises(cs.CardInvalid) as raised:
        cs.validate(both)
    assert [problem.message for problem in raised.value.problems] == [
        "Element '{urn:uz:112:call-card:1}mode': a conference has no mode.",
        "Element '{urn:uz:112:call-card:1}leg': a transfer needs a mode (blind or attended).",
    ]
