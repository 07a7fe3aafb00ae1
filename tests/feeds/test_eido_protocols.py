"""EIDO export of revision 1.3's protocols: incident notes (one on each protocol with its
determinant, one per answer, one per instruction), valid against NENA's schema."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import cardschema as cs
from dispatch.feeds.eido import card_to_eido
from tests.feeds.test_eido import by_id, deref, example, minimal_card, refs
from tests.fixtures.eido import EidoValidator

EXAMPLE = "103-severe-bleeding-qarshi.xml"
BASE = "urn:uz:112:card:e7f8a9b0-c1d2-4e3f-8a4b-5c6d7e8f9a0b"


def screen() -> cs.ProtocolRecord:
    """A suicide-risk screen of a draft version at high risk, not escalated yet."""
    return cs.ProtocolRecord(
        code="suicide_risk_screen",
        version=1,
        approved=False,
        language="ru",
        started_at=datetime(2026, 11, 24, 13, 7, tzinfo=UTC),
        started_by="z.karimova",
        answers=(
            cs.ProtocolAnswer(
                node="plan",
                question='Вы думали, как бы это сделали? <b>"план"</b> & средства',
                value="yes",
                at=datetime(2026, 11, 24, 13, 8, 30, tzinfo=UTC),
            ),
        ),
        determinant=cs.ProtocolDeterminant(
            code="SR-1", priority=1, services=("1146", "103", "102"), risk=cs.ProtocolRisk.HIGH
        ),
        escalation_required=True,
    )


def just_started() -> cs.ProtocolRecord:
    return cs.ProtocolRecord(
        code="choking",
        version=4,
        approved=True,
        language="kaa",
        started_at=datetime(2026, 11, 24, 13, 9, tzinfo=UTC),
        started_by="z.karimova",
    )


def test_cards_with_protocols_export_a_valid_eido(eido_validator: EidoValidator) -> None:
    bleeding = example(EXAMPLE)
    crisis = minimal_card(protocols=(screen(), just_started()), operator_id="z.karimova")
    for card in (bleeding, crisis, dataclasses.replace(bleeding, protocols=(just_started(),))):
        doc = card_to_eido(card)
        eido_validator.check(doc)
        assert refs(doc) <= set(by_id(doc)), "every $ref points to a component of the document"


def test_a_protocol_is_a_note_on_it_then_one_per_answer_and_instruction() -> None:
    card = example(EXAMPLE)
    doc = card_to_eido(card)
    notes = [deref(doc, ref) for ref in doc["incidentComponent"]["notesReference"]]
    # The summary of the incident, the card's note, then the protocol.
    assert [note["$id"].removeprefix(BASE) for note in notes] == [
        ":summary",
        ":note:1",
        ":protocol:severe_bleeding",
        *(f":protocol:severe_bleeding:answer:{i}" for i in range(1, 5)),
        *(f":protocol:severe_bleeding:instruction:{i}" for i in range(1, 4)),
    ]
    summary = notes[2]
    assert summary["notesActionComments"] == (
        "<p>Protocol severe_bleeding version 2 (approved), read in uz, started by n.tursunova</p>"
        "<p>Determinant BLEED-2: priority 2, services 103</p>"
        "<p>Priority overridden to 1: Qon otilib chiqyapti va bemorda shok belgilari bor: eng "
        "yuqori ustuvorlik.</p>"
    )
    assert summary["lastUpdateTimeStamp"] == "2026-11-24T18:03:05+05:00"
    assert summary["agentReference"] == {"$ref": "n.tursunova@112.uz"}
    answer = notes[5]
    assert answer["notesActionComments"] == (
        "<p>Protocol severe_bleeding version 2, question spurting: Qon otilib chiqyaptimi yoki "
        "toʻxtovsiz oqyaptimi?</p><p>Answer: yes</p>"
    )
    assert answer["lastUpdateTimeStamp"] == "2026-11-24T18:03:45+05:00"
    assert "agentReference" not in answer
    instruction = notes[-1]
    assert instruction["notesActionComments"] == (
        "<p>Protocol severe_bleeding version 2, instruction lie_down: Uni chalqancha yotqizing, "
        "ustini yoping, suv yoki ovqat bermang.</p>"
    )
    assert instruction["lastUpdateTimeStamp"] == "2026-11-24T18:05:05+05:00"
    # The priority the card carries (the override) is the incident's and the call's.
    assert doc["incidentComponent"]["incidentCommonPriorityNumber"] == 1
    assert doc["callComponent"][0]["priorityIdentifier"] == "highest"


def test_a_screen_says_its_risk_and_escalation_and_escapes_the_text() -> None:
    doc = card_to_eido(minimal_card(protocols=(screen(), just_started())))
    notes = [deref(doc, ref) for ref in doc["incidentComponent"]["notesReference"]]
    base = "urn:uz:112:card:11111111-2222-4333-8444-555555555555"
    assert [note["$id"].removeprefix(base) for note in notes] == [
        ":protocol:suicide_risk_screen",
        ":protocol:suicide_risk_screen:answer:1",
        ":protocol:choking",
    ]
    assert notes[0]["notesActionComments"] == (
        "<p>Protocol suicide_risk_screen version 1 (draft version, not approved), read in ru, "
        "started by z.karimova</p>"
        "<p>Determinant SR-1: priority 1, services 1146, 103, 102, risk high</p>"
        "<p>Escalation required: not escalated yet</p>"
    )
    assert notes[1]["notesActionComments"] == (
        "<p>Protocol suicide_risk_screen version 1, question plan: Вы думали, как бы это "
        "сделали? &lt;b&gt;&quot;план&quot;&lt;/b&gt; &amp; средства</p><p>Answer: yes</p>"
    )
    assert notes[2]["notesActionComments"] == (
        "<p>Protocol choking version 4 (approved), read in kaa, started by z.karimova</p>"
        "<p>No determinant met yet</p>"
    )
    escalated = dataclasses.replace(
        screen(), escalated_at=datetime(2026, 11, 24, 18, 10, tzinfo=UTC)
    )
    doc = card_to_eido(minimal_card(protocols=(escalated,)))
    [first, _] = [deref(doc, ref) for ref in doc["incidentComponent"]["notesReference"]]
    assert first["notesActionComments"].endswith(
        "<p>Escalation required: escalated at 2026-11-24T18:10:00+00:00</p>"
    )
    agents = {agent["$id"] for agent in doc["agentComponent"]}
    assert agents == {"z.karimova@112.uz"}


def test_a_card_without_protocols_has_no_protocol_notes() -> None:
    for name in ("101-fire-samarqand.xml", "1146-crisis-line-andijon.xml"):
        doc = card_to_eido(example(name))
        assert not [i for i in by_id(doc) if ":protocol:" in i]
