"""The example cards shipped with the package: the valid ones pass, the invalid ones fail right."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import cardschema as cs

EXAMPLES = Path(cs.__file__).parent / "examples"
VALID = sorted((EXAMPLES / "valid").glob("*.xml"))

# file -> (error class, fragment of the message)
INVALID: dict[str, tuple[type[cs.CardSchemaError], str]] = {
    "missing-number.xml": (
        cs.CardInvalid,
        "line 4: Element '{urn:uz:112:call-card:1}version': This element is not expected. "
        "Expected is ( {urn:uz:112:call-card:1}number )",
    ),
    "bad-channel.xml": (cs.CardInvalid, "The value 'fax' is not an element of the set"),
    "bad-service-status.xml": (cs.CardInvalid, "The value 'delivered' is not an element"),
    "priority-out-of-range.xml": (
        cs.CardInvalid,
        "line 27: Element '{urn:uz:112:call-card:1}priority': [facet 'maxInclusive'] "
        "The value '9' is greater than the maximum value allowed ('5')",
    ),
    "naive-timestamp.xml": (
        cs.CardInvalid,
        "line 7: Element '{urn:uz:112:call-card:1}createdAt': [facet 'pattern'] "
        "The value '2026-11-22T14:05:10' is not accepted",
    ),
    "wrong-namespace.xml": (
        cs.CardInvalid,
        "the root element must be callCard in namespace urn:uz:112:call-card:1, "
        "found callCard in namespace urn:uz:112:call-card:2",
    ),
    "wrong-schema-version.xml": (
        cs.CardInvalid,
        "attribute 'schemaVersion': The value '2' does not match the fixed value constraint '1'",
    ),
    "bad-card-number.xml": (cs.CardInvalid, "The value '112-2026-777' is not accepted"),
    "latitude-out-of-range.xml": (cs.CardInvalid, "The value '139.767966' is greater than"),
    "latitude-without-longitude.xml": (cs.CardInvalid, "Expected is ( {urn:uz:112:call-card:1}lon"),
    "proposed-location-latitude-out-of-range.xml": (
        cs.CardInvalid,
        "line 27: Element '{urn:uz:112:call-card:1}lat': [facet 'minInclusive'] "
        "The value '-91.5' is less than the minimum value allowed ('-90')",
    ),
    "proposed-location-from-operator.xml": (
        cs.CardInvalid,
        "line 30: Element '{urn:uz:112:call-card:1}source': [facet 'enumeration'] "
        "The value 'operator' is not an element of the set {'aml', 'network'}",
    ),
    "handoff-without-contact.xml": (
        cs.CardInvalid,
        "line 38: Element '{urn:uz:112:call-card:1}note': This element is not expected. "
        "Expected is ( {urn:uz:112:call-card:1}contact )",
    ),
    "duplicate-service.xml": (cs.CardInvalid, "Duplicate key-sequence ['103']"),
    "four-callbacks.xml": (cs.CardInvalid, "'{urn:uz:112:call-card:1}callback': This element is"),
    "empty-services.xml": (cs.CardInvalid, "services': Missing child element(s)"),
    "unknown-element.xml": (cs.CardInvalid, "priorityOverride': This element is not expected"),
    "malformed.xml": (
        cs.MalformedXML,
        "line 13, column 11: malformed XML: Opening and ending tag mismatch: caller line 11",
    ),
    "billion-laughs.xml": (cs.UnsafeXML, "a DOCTYPE (DTD, entity declarations) is not allowed"),
    "xxe-file.xml": (cs.UnsafeXML, "a DOCTYPE (DTD, entity declarations) is not allowed"),
    "xxe-parameter-entity.xml": (cs.UnsafeXML, "DOCTYPE"),
    # Revision 1.2.
    "too-many-persons.xml": (
        cs.CardInvalid,
        "line 349: Element '{urn:uz:112:call-card:1}person': This element is not expected.",
    ),
    "age-and-age-band.xml": (
        cs.CardInvalid,
        "line 52: Element '{urn:uz:112:call-card:1}ageBand': This element is not expected.",
    ),
    "duplicate-caller-condition.xml": (
        cs.CardInvalid,
        "Duplicate key-sequence ['non_native_language'] in unique identity-constraint "
        "'{urn:uz:112:call-card:1}uniqueCallerCondition'",
    ),
    "attachment-bad-sha256.xml": (
        cs.CardInvalid,
        "The value '3A6EB0790F39' is not accepted by the pattern '[0-9a-f]{64}'",
    ),
    "attachment-with-file-content.xml": (
        cs.CardInvalid,
        "line 125: Element '{urn:uz:112:call-card:1}content': This element is not expected.",
    ),
    "structured-address-part-too-long.xml": (
        cs.CardInvalid,
        "line 24: Element '{urn:uz:112:call-card:1}house': [facet 'maxLength'] The value has a "
        "length of '46'; this exceeds the allowed maximum length of '32'.",
    ),
    "unknown-link-kind.xml": (cs.CardInvalid, "The value 'merged' is not an element of the set"),
    # Revision 1.3.
    "protocol-override-without-reason.xml": (
        cs.CardInvalid,
        "line 75: Element '{urn:uz:112:call-card:1}protocol': Missing child element(s). "
        "Expected is ( {urn:uz:112:call-card:1}overrideReason )",
    ),
    "protocol-bad-determinant-code.xml": (
        cs.CardInvalid,
        "line 126: Element '{urn:uz:112:call-card:1}code': [facet 'pattern'] The value 'BLEED2' "
        "is not accepted by the pattern '[A-Z]{2,8}-[0-9]{1,3}'",
    ),
    # Revision 1.4: the XSD refuses the first; the second is the rule the XSD cannot express.
    "call-control-bad-outcome.xml": (
        cs.CardInvalid,
        "line 90: Element '{urn:uz:112:call-card:1}outcome': [facet 'enumeration'] The value "
        "'transferred' is not an element of the set",
    ),
    "call-control-conference-with-mode.xml": (
        cs.CardInvalid,
        "line 71: Element '{urn:uz:112:call-card:1}mode': a conference has no mode.",
    ),
    "external-dtd.xml": (cs.UnsafeXML, "DOCTYPE"),
    "undeclared-entity.xml": (
        cs.UnsafeXML,
        "line 28: entity references are not allowed (Entity 'two' not defined)",
    ),
}


REVISION_1_2_EXAMPLE = "102-103-pedestrian-hit-toshkent.xml"
REVISION_1_3_EXAMPLE = "103-severe-bleeding-qarshi.xml"
REVISION_1_4_EXAMPLE = "1146-warm-transfer-namangan.xml"


def test_there_is_one_valid_example_per_service_and_one_of_revisions_1_2_to_1_4() -> None:
    first_services = {cs.parse(path.read_bytes()).services[0].code for path in VALID}
    assert first_services == {"101", "102", "103", "104", "1146"}
    assert len(VALID) == 8
    revisions = {REVISION_1_2_EXAMPLE, REVISION_1_3_EXAMPLE, REVISION_1_4_EXAMPLE}
    assert revisions <= {path.name for path in VALID}


@pytest.mark.parametrize("path", VALID, ids=[path.name for path in VALID])
def test_each_example_is_what_build_writes(path: Path) -> None:
    assert cs.build(cs.parse(path.read_bytes())) == path.read_bytes()


def test_the_revision_1_2_example_uses_every_new_part() -> None:
    card = cs.parse((EXAMPLES / "valid" / REVISION_1_2_EXAMPLE).read_bytes())
    assert card.caller.conditions == (cs.CallerCondition.NON_NATIVE_LANGUAGE,)
    address = card.location.structured_address
    assert address is not None
    assert address.mahalla == "Qatortol mahallasi"
    assert address.landmark is not None
    assert [person.role for person in card.persons] == ["victim", "suspect", "witness"]
    assert card.vehicles[0].plate == "01 A 777 BC"
    assert card.attachments[0].media_type == "image/jpeg"
    assert card.incident_id == card.links[0].card_id
    assert card.links[0].kind is cs.LinkKind.PARENT
    assert cs.incident_problems(card) == ()
    # The 1.1 examples (and the 1.3 one) use none of it.
    for path in VALID:
        if path.name != REVISION_1_2_EXAMPLE:
            other = cs.parse(path.read_bytes())
            assert (other.persons, other.vehicles, other.attachments) == ((), (), ())
            assert other.incident_id is None
            assert other.location.structured_address is None
            assert other.caller.conditions == ()


def test_the_revision_1_3_example_walks_a_protocol_with_an_override() -> None:
    card = cs.parse((EXAMPLES / "valid" / REVISION_1_3_EXAMPLE).read_bytes())
    [record] = card.protocols
    assert (record.code, record.version, record.approved) == ("severe_bleeding", 2, True)
    assert len(record.answers) == 4
    assert [given.node for given in record.instructions] == ["gloves", "press", "lie_down"]
    assert record.determinant == cs.ProtocolDeterminant(
        code="BLEED-2", priority=2, services=("103",)
    )
    assert (record.priority_override, card.incident.priority) == (1, 1)
    assert record.override_reason is not None
    assert not record.escalation_required
    # The other examples walked no protocol.
    for path in VALID:
        if path.name != REVISION_1_3_EXAMPLE:
            assert cs.parse(path.read_bytes()).protocols == ()


def test_the_revision_1_4_example_records_a_withdrawn_conference_and_a_warm_transfer() -> None:
    card = cs.parse((EXAMPLES / "valid" / REVISION_1_4_EXAMPLE).read_bytes())
    conference, transfer = card.call_control
    # An interpreter asked for, then withdrawn before the queue answered.
    assert (conference.kind, conference.mode) == (cs.CallControlKind.CONFERENCE, None)
    assert conference.target_kind is cs.CallControlTargetKind.QUEUE
    assert conference.outcome is cs.CallControlOutcome.CANCELLED
    assert (conference.answered_at, conference.number) == (None, None)
    assert conference.reason is not None
    # A warm transfer to the psychologist on duty, handed over: the operator left.
    assert (transfer.kind, transfer.mode) == (
        cs.CallControlKind.TRANSFER,
        cs.CallControlMode.ATTENDED,
    )
    assert transfer.target_kind is cs.CallControlTargetKind.DIRECTORY
    assert transfer.outcome is cs.CallControlOutcome.COMPLETED
    assert transfer.number == "+998692271146"
    assert transfer.answered_at is not None
    assert transfer.ended_at is not None
    assert conference.requested_at < transfer.requested_at < transfer.answered_at
    assert transfer.answered_at < transfer.ended_at
    assert (card.outcome, card.services[0].code) == (cs.Outcome.TRANSFERRED, "1146")
    # The other examples made no transfer or conference.
    for path in VALID:
        if path.name != REVISION_1_4_EXAMPLE:
            assert cs.parse(path.read_bytes()).call_control == ()


@pytest.mark.parametrize("path", VALID, ids=[path.name for path in VALID])
def test_valid_example(path: Path) -> None:
    data = path.read_bytes()
    cs.validate(data)
    card = cs.parse(data)
    assert cs.parse(cs.build(card)) == card
    assert cs.card_from_dict(cs.card_to_dict(card)) == card
    assert card.created_at.utcoffset() == timedelta(hours=5)
    assert card.services
    assert card.notes


def test_the_examples_show_the_revision_1_1_parts() -> None:
    cards = {path.name: cs.parse(path.read_bytes()) for path in VALID}
    police = cards["102-police-toshkent.xml"]
    assert police.location.confirmed
    assert police.proposed_location is not None
    assert police.proposed_location.source is cs.LocationSource.AML
    assert police.proposed_location.method == "GNSS"
    gas = cards["104-gas-fargona.xml"]
    handoff = gas.services[0].handoff
    assert handoff is not None
    assert handoff.by == "m.xolmatova"
    assert handoff.contact.startswith("диспетчер Р. Усмонов")
    assert gas.services[1].handoff is None
    # The others are revision 1 cards as they were, and still valid.
    for name in ("101-fire-samarqand.xml", "103-ambulance-nukus.xml"):
        assert not cards[name].location.confirmed
        assert cards[name].proposed_location is None
        assert all(service.handoff is None for service in cards[name].services)


def test_every_invalid_example_has_an_expectation() -> None:
    assert sorted(path.name for path in (EXAMPLES / "invalid").glob("*.xml")) == sorted(INVALID)


@pytest.mark.parametrize(("name", "expected"), sorted(INVALID.items()))
def test_invalid_example(name: str, expected: tuple[type[cs.CardSchemaError], str]) -> None:
    error, fragment = expected
    data = (EXAMPLES / "invalid" / name).read_bytes()
    for read in (cs.validate, cs.parse):
        with pytest.raises(cs.CardSchemaError) as raised:
            read(data)
        assert type(raised.value) is error
        assert fragment in str(raised.value)


def test_xxe_never_shows_the_password_file() -> None:
    data = (EXAMPLES / "invalid" / "xxe-file.xml").read_bytes()
    assert b"file:///etc/passwd" in data
    passwd_first_line = Path("/etc/passwd").read_text().splitlines()[0]
    with pytest.raises(cs.UnsafeXML) as raised:
        cs.parse(data)
    assert passwd_first_line not in str(raised.value)
    assert "root:" not in str(raised.value)
