"""Building, parsing and validating card XML, including hostile input."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

import cardschema as cs

NS = "urn:uz:112:call-card:1"


def test_build_writes_pretty_utf8_in_the_card_namespace(full_card: cs.Card) -> None:
    data = cs.build(full_card)
    assert data.startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<callCard xmlns="' + NS.encode()
    )
    assert b'schemaVersion="1"' in data.splitlines()[1]
    assert b"\n  <number>112-20261122-000123</number>\n" in data
    assert "<name>Yongʻin xavfsizligi</name>".encode() in data
    root = etree.fromstring(data)
    assert root.tag == f"{{{NS}}}callCard"
    assert root.nsmap == {None: NS}


def test_timestamps_are_written_exactly_as_isoformat(full_card: cs.Card) -> None:
    data = cs.build(full_card)
    assert b"<createdAt>2026-11-22T09:19:04.120000+05:00</createdAt>" in data
    assert b"<updatedAt>2026-11-22T06:02:40+00:00</updatedAt>" in data
    assert b"<closedAt>2026-11-22T02:32:40.000005-03:30</closedAt>" in data


def test_empty_lists_and_unknown_values_are_left_out(minimal_card: cs.Card) -> None:
    data = cs.build(minimal_card)
    for absent in (b"<services", b"<callbacks", b"<notes", b"<links", b"<hazards", b"<lat"):
        assert absent not in data
    for absent in (b"<confirmed", b"<proposedLocation", b"<handoff"):
        assert absent not in data
    assert b"<caller/>" in data
    assert b"<location/>" in data
    assert b"<incident/>" in data


@pytest.mark.parametrize("fixture", ["full_card", "minimal_card"])
def test_parse_reads_back_what_build_wrote(fixture: str, request: pytest.FixtureRequest) -> None:
    card: cs.Card = request.getfixturevalue(fixture)
    data = cs.build(card)
    again = cs.parse(data)
    assert again == card
    assert cs.build(again) == data


def _children(element: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in element]


def test_revision_1_1_elements_are_written_in_place(full_card: cs.Card) -> None:
    root = etree.fromstring(cs.build(full_card))
    names = _children(root)
    assert names[names.index("location") + 1] == "proposedLocation"
    location = root.find(f"{{{NS}}}location")
    assert location is not None
    assert _children(location)[-2:] == ["district", "confirmed"]
    assert location.findtext(f"{{{NS}}}confirmed") == "true"
    proposed = root.find(f"{{{NS}}}proposedLocation")
    assert proposed is not None
    assert _children(proposed) == [
        "lat",
        "lon",
        "radiusM",
        "source",
        "receivedAt",
        "positionedAt",
        "method",
        "region",
        "district",
    ]
    assert proposed.findtext(f"{{{NS}}}receivedAt") == "2026-11-22T04:25:07.250000+00:00"
    services = root.findall(f"{{{NS}}}services/{{{NS}}}service")
    assert [_children(service)[-1] for service in services] == ["history", "handoff"]
    handoff = services[1].find(f"{{{NS}}}handoff")
    assert handoff is not None
    assert _children(handoff) == ["at", "by", "contact", "note"]


def test_an_unconfirmed_location_has_no_confirmed_element(full_card: cs.Card) -> None:
    location = dataclasses.replace(full_card.location, confirmed=False)
    data = cs.build(dataclasses.replace(full_card, location=location))
    assert b"<confirmed" not in data
    assert b"<confirmed>false</confirmed>" not in data


def test_awkward_text_survives(full_card: cs.Card) -> None:
    card = cs.parse(cs.build(full_card))
    assert card.incident.description == "Tutun chiqmoqda.\r\nДым из окна.\tÚyde adam bar. 🔥"
    assert card.location.address == 'Samarqand sh., Registon koʻchasi 12 <3-podyezd> & "5-qavat"'
    assert card.closed_at is not None
    assert card.closed_at.utcoffset() == timedelta(hours=-3, minutes=-30)
    assert card.updated_at.utcoffset() == timedelta(0)
    assert card.proposed_location is not None
    assert card.proposed_location.method == 'CELL <2G> & "TA"'
    handoff = card.services[1].handoff
    assert handoff is not None
    assert handoff.note == "Tizim javob bermadi.\nKarta raqami telefonda aytildi. 📞"


def test_build_never_emits_an_invalid_card(full_card: cs.Card) -> None:
    # Break a frozen card behind the model's back: the XSD check in build still refuses it.
    object.__setattr__(full_card.incident, "priority", 9)
    with pytest.raises(cs.CardInvalid) as raised:
        cs.build(full_card)
    assert "priority" in str(raised.value)
    assert "maximum value allowed ('5')" in str(raised.value)


def test_the_xsd_also_refuses_an_operator_proposed_location(full_card: cs.Card) -> None:
    assert full_card.proposed_location is not None
    object.__setattr__(full_card.proposed_location, "source", cs.LocationSource.OPERATOR)
    with pytest.raises(cs.CardInvalid) as raised:
        cs.build(full_card)
    assert "'operator' is not an element of the set {'aml', 'network'}" in str(raised.value)


CARD_WITH_NOISE = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- sent by the 103 system -->
<?audit id="42"?>
<callCard xmlns="{NS}" schemaVersion="1">
  <id>11111111-2222-4333-8444-555555555555</id>
  <number>112-20261122-000001</number>
  <version>
    3
  </version>
  <status>routed</status>
  <createdAt> 2026-11-22T09:19:00Z </createdAt>
  <updatedAt>2026-11-22T09:20:00.25+05:00</updatedAt>
  <channel>voice</channel>
  <language>uz</language>
  <caller><name>Ali<!-- family name withheld -->jon</name></caller>
  <location><lat> 41.3 </lat><lon>6.92E1</lon><radiusM>.5</radiusM>
    <confirmed> 1 </confirmed></location>
  <proposedLocation>
    <lat>+4.13E1</lat><lon> 69.2 </lon><source>network</source>
    <receivedAt>2026-11-22T09:19:50Z</receivedAt><method> CELL </method>
  </proposedLocation>
  <incident>
    <!-- priority as the 103 system writes it -->
    <priority>+2</priority>
    <hazards><!-- first --><hazard>smoke</hazard><hazard>gas<?pi x?>_leak</hazard></hazards>
  </incident>
  <services>
    <!-- one service -->
    <service>
      <code>103</code>
      <status>received</status>
      <routedAt>2026-11-22T09:19:30+05:00</routedAt>
      <history><change><status>received</status><at>2026-11-22T09:19:31+05:00</at></change>
      </history>
      <handoff><at>2026-11-22T09:19:35+05:00</at><by>a</by><contact>Bek<!-- x -->ov</contact>
      </handoff>
    </service>
  </services>
  <notes><note><at>2026-11-22T09:19:40+05:00</at><author>a</author><text><![CDATA[<b>]]></text>
  </note></notes>
</callCard>
"""


def test_parse_reads_what_the_xsd_allows_beyond_what_build_writes() -> None:
    card = cs.parse(CARD_WITH_NOISE.encode())
    assert card.version == 3
    assert card.created_at.tzinfo == UTC
    assert card.updated_at.microsecond == 250000
    assert card.caller.name == "Alijon"
    assert (card.location.lat, card.location.lon, card.location.radius_m) == (41.3, 69.2, 0.5)
    assert card.incident.priority == 2
    assert card.incident.hazards == ("smoke", "gas_leak")
    assert card.services[0].history[0].status is cs.ServiceStatus.RECEIVED
    assert card.notes[0].text == "<b>"
    assert card.location.confirmed is True
    assert card.proposed_location == cs.ProposedLocation(
        lat=41.3,
        lon=69.2,
        source=cs.LocationSource.NETWORK,
        received_at=datetime(2026, 11, 22, 9, 19, 50, tzinfo=UTC),
        method=" CELL ",
    )
    assert card.services[0].handoff == cs.Handoff(
        at=card.services[0].history[0].at + timedelta(seconds=4), by="a", contact="Bekov"
    )


@pytest.mark.parametrize(
    ("value", "confirmed"),
    [("true", True), ("1", True), (" true\n", True), ("false", False), ("0", False)],
)
def test_confirmed_is_read_as_an_xsd_boolean(value: str, confirmed: bool) -> None:
    data = CARD_WITH_NOISE.replace("<confirmed> 1 </confirmed>", f"<confirmed>{value}</confirmed>")
    assert cs.parse(data.encode()).location.confirmed is confirmed


@pytest.mark.parametrize("value", ["yes", "TRUE", ""])
def test_confirmed_must_be_a_boolean(value: str) -> None:
    data = CARD_WITH_NOISE.replace("<confirmed> 1 </confirmed>", f"<confirmed>{value}</confirmed>")
    with pytest.raises(cs.CardInvalid, match="confirmed"):
        cs.parse(data.encode())


def test_other_encodings_are_read() -> None:
    text = CARD_WITH_NOISE.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    text = text.replace("Ali<!--", "Алишер<!--")
    card = cs.parse(text.encode("utf-16"))
    assert card.caller.name == "Алишерjon"


def test_every_problem_is_reported_with_its_line(minimal_card: cs.Card) -> None:
    data = cs.build(minimal_card)
    data = data.replace(b"<channel>voice</channel>", b"<channel>fax</channel>")
    data = data.replace(b"<language>uz</language>", b"<language>UZB1</language>")
    with pytest.raises(cs.CardInvalid) as raised:
        cs.validate(data)
    problems = raised.value.problems
    lines = data.decode().splitlines()
    assert [problem.line for problem in problems] == [
        lines.index("  <channel>fax</channel>") + 1,
        lines.index("  <language>UZB1</language>") + 1,
    ]
    assert "'fax' is not an element of the set" in problems[0].message
    assert "language" in problems[1].message
    assert str(raised.value) == "; ".join(f"line {p.line}: {p.message}" for p in problems)
    assert str(raised.value).startswith(f"line {problems[0].line}: Element '{{{NS}}}channel': ")


@pytest.mark.parametrize(
    ("root", "found"),
    [
        (f'<callCard xmlns="{NS}x" schemaVersion="1"/>', f"found callCard in namespace {NS}x"),
        ('<callCard schemaVersion="1"/>', "found callCard in namespace (none)"),
        (f'<card xmlns="{NS}"/>', f"found card in namespace {NS}"),
    ],
)
def test_wrong_root_names_the_expected_namespace(root: str, found: str) -> None:
    with pytest.raises(cs.CardInvalid) as raised:
        cs.parse(f"<?xml version='1.0'?>\n\n{root}".encode())
    assert str(raised.value) == (
        f"line 3: the root element must be callCard in namespace {NS}, {found}"
    )
    assert raised.value.problems == (cs.Problem(3, 0, str(raised.value)[len("line 3: ") :]),)


@pytest.mark.parametrize(
    ("data", "line", "fragment"),
    [
        (b"", 1, "Document is empty"),
        (b"<callCard>\n<id></callCard>", 2, "Opening and ending tag mismatch"),
        (b"<a>\xff</a>", 1, "Invalid bytes in character encoding"),
        (b"<a/><b/>", 1, "Extra content at the end of the document"),
        (b"<a>" + b"<b>" * 300 + b"</b>" * 300 + b"</a>", 1, "Excessive depth"),
    ],
)
def test_malformed_input_reports_line_and_reason(data: bytes, line: int, fragment: str) -> None:
    with pytest.raises(cs.MalformedXML) as raised:
        cs.validate(data)
    assert raised.value.line == line
    assert raised.value.column >= 1
    assert fragment in raised.value.message
    assert str(raised.value).startswith(f"line {line}, column {raised.value.column}: malformed")


def test_size_limit_is_enforced_before_parsing(minimal_card: cs.Card) -> None:
    data = cs.build(minimal_card)
    padded = data + b" " * (cs.MAX_CARD_BYTES - len(data))
    assert len(padded) == cs.MAX_CARD_BYTES == 1024 * 1024
    assert cs.parse(padded) == minimal_card
    for oversize in (padded + b" ", b"<" * (cs.MAX_CARD_BYTES + 1)):
        with pytest.raises(cs.CardTooLarge) as raised:
            cs.parse(oversize)
        assert (raised.value.size, raised.value.limit) == (cs.MAX_CARD_BYTES + 1, cs.MAX_CARD_BYTES)
        assert str(raised.value) == (
            "card is 1048577 bytes, over the limit of 1048576 bytes; it was not parsed"
        )


def test_a_doctype_is_refused_even_without_declarations(minimal_card: cs.Card) -> None:
    data = cs.build(minimal_card).replace(b"?>\n", b"?>\n<!DOCTYPE callCard>\n", 1)
    with pytest.raises(cs.UnsafeXML, match="DOCTYPE"):
        cs.parse(data)


def test_a_doctype_in_utf16_is_refused(minimal_card: cs.Card) -> None:
    text = cs.build(minimal_card).decode().replace('"UTF-8"?>\n', '"UTF-16"?>\n<!DOCTYPE c>\n')
    with pytest.raises(cs.UnsafeXML, match="DOCTYPE"):
        cs.validate(text.encode("utf-16"))


def test_local_file_entities_are_never_read(minimal_card: cs.Card, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a")
    body = cs.build(minimal_card).decode().split("\n", 1)[1]
    body = body.replace("<caller/>", "<caller><name>&leak;</name></caller>")
    data = f'<!DOCTYPE callCard [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>\n{body}'.encode()
    for read in (cs.parse, cs.validate):
        with pytest.raises(cs.UnsafeXML) as raised:
            read(data)
        assert "TOP-SECRET" not in str(raised.value)


def test_external_dtds_and_parameter_entities_are_refused(
    minimal_card: cs.Card, tmp_path: Path
) -> None:
    dtd = tmp_path / "card.dtd"
    dtd.write_text('<!ENTITY leak "TOP-SECRET-9c1e">')
    body = cs.build(minimal_card).decode().split("\n", 1)[1]
    body = body.replace("<caller/>", "<caller><name>&leak;</name></caller>")
    documents = [
        f'<!DOCTYPE callCard SYSTEM "{dtd.as_uri()}">\n{body}',
        f'<!DOCTYPE callCard [<!ENTITY % p SYSTEM "{dtd.as_uri()}"> %p;]>\n{body}',
    ]
    for document in documents:
        with pytest.raises(cs.UnsafeXML) as raised:
            cs.parse(document.encode())
        assert "TOP-SECRET" not in str(raised.value)


def test_concurrent_validations_keep_their_own_problems(minimal_card: cs.Card) -> None:
    valid = cs.build(minimal_card)
    bad_channel = valid.replace(b">voice<", b">fax<")
    bad_language = valid.replace(b">uz<", b">UZB1<")

    def outcome(data: bytes) -> str:
        try:
            cs.validate(data)
        except cs.CardInvalid as exc:
            return "channel" if all("channel" in p.message for p in exc.problems) else "language"
        return "valid"

    inputs = [valid, bad_channel, bad_language] * 60
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(outcome, inputs))
    assert results == ["valid", "channel", "language"] * 60


def test_xsd_path_points_at_the_schema_files() -> None:
    path = cs.xsd_path()
    assert path.name == "call-card-1.xsd"
    assert path.is_file()
    assert (path.parent / "call-card-1-types.xsd").is_file()
    schema = etree.XMLSchema(etree.parse(str(path)))
    assert schema.validate(
        etree.parse(
            str(Path(cs.__file__).parent / "examples" / "valid" / "103-ambulance-nukus.xml")
        )
    )


def test_problem_reads_as_a_line() -> None:
    problem = cs.Problem(line=12, column=0, message="Element 'x': bad")
    assert str(problem) == "line 12: Element 'x': bad"
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.line = 1  # type: ignore[misc]
