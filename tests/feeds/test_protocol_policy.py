"""Which services receive the protocols walked on a card (revision 1.3; dispatch/feeds/policy.py,
the table in dispatch/README.md): first-aid answers to the ambulance, a summary to the others,
the suicide-risk screen to 1146, 103 and 102 only — in the XML, the EIDO and the pulled feed."""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

import cardschema as cs
from dispatch.core.database import session_factory
from dispatch.feeds import payloads, policy
from dispatch.feeds.eido import card_to_eido
from dispatch.feeds.models import FeedPayload
from tests.feeds.conftest import routed_card, service_key
from tests.feeds.test_eido import example
from tests.fixtures.api import Api

README = Path(__file__).resolve().parents[2] / "dispatch" / "README.md"
EXAMPLE = "103-severe-bleeding-qarshi.xml"
SECRET = "Вы думали, как бы это сделали?"
ANSWER = "Qon otilib chiqyaptimi"
ALL = ("101", "102", "103", "104", "1146", "105")


def screen(
    code: str = "suicide_risk_screen", risk: cs.ProtocolRisk | None = None
) -> cs.ProtocolRecord:
    return cs.ProtocolRecord(
        code=code,
        version=1,
        approved=False,
        language="ru",
        started_at=datetime(2026, 11, 24, 13, 7, tzinfo=UTC),
        started_by="z.karimova",
        answers=(
            cs.ProtocolAnswer(
                node="plan",
                question=SECRET,
                value="yes",
                at=datetime(2026, 11, 24, 13, 8, tzinfo=UTC),
            ),
        ),
        determinant=cs.ProtocolDeterminant(code="SR-5", priority=4, services=("1146",), risk=risk),
    )


def bleeding() -> cs.Card:
    """The 1.3 example: a severe-bleeding protocol with answers, instructions and an override."""
    return example(EXAMPLE)


def with_screen(card: cs.Card) -> cs.Card:
    return dataclasses.replace(card, protocols=(*card.protocols, screen()))


def summary(record: cs.ProtocolRecord) -> cs.ProtocolRecord:
    return dataclasses.replace(record, answers=(), instructions=())


def test_the_table_in_the_readme_is_the_policy() -> None:
    text = README.read_text()
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \| (\w+) \|$", text, re.M)
    expected = [
        (code, share.first_aid.value, share.crisis.value)
        for code, share in [*policy.PROTOCOL_SHARES.items(), ("other", policy.OTHER_PROTOCOL_SHARE)]
    ]
    assert rows == expected
    sentence = "it goes to 1146, 103 and 102 only, and it makes the card sensitive"
    assert sentence in " ".join(text.split())


def test_the_ambulance_gets_first_aid_in_full_the_others_a_summary() -> None:
    card = bleeding()
    [record] = card.protocols
    assert not policy.is_sensitive(card)
    assert policy.card_for_service(card, "103") is card
    for code in ("101", "102", "104", "1146"):
        shown = policy.card_for_service(card, code)
        assert shown.protocols == (summary(record),)
        [kept] = shown.protocols
        assert kept.determinant == record.determinant
        assert (kept.priority_override, kept.override_reason) == (1, record.override_reason)
        assert shown == dataclasses.replace(card, protocols=shown.protocols)
    assert policy.card_for_service(card, "105").protocols == ()


def test_the_suicide_screen_goes_to_1146_103_and_102_only() -> None:
    card = with_screen(bleeding())
    first_aid, crisis = card.protocols
    assert policy.is_crisis(crisis)
    assert not policy.is_crisis(first_aid)
    assert policy.is_sensitive(card)  # a crisis protocol makes the card sensitive
    views = {code: policy.card_for_service(card, code).protocols for code in ALL}
    assert views == {
        "101": (),
        "102": (summary(first_aid), crisis),
        "103": (first_aid, crisis),
        "104": (),
        "1146": (summary(first_aid), crisis),
        "105": (),
    }


def test_a_risk_level_makes_any_protocol_a_crisis_screen() -> None:
    unknown = screen(code="hopelessness_check", risk=cs.ProtocolRisk.LOW)
    assert policy.is_crisis(unknown)
    assert not policy.is_crisis(screen(code="hopelessness_check"))
    card = dataclasses.replace(bleeding(), protocols=(unknown,))
    assert policy.card_for_service(card, "101").protocols == ()
    assert policy.card_for_service(card, "1146").protocols == (unknown,)


@pytest.mark.parametrize("code", ["101", "104", "105"])
def test_a_violence_card_gives_its_protocols_only_to_102_103_and_1146(code: str) -> None:
    card = bleeding()
    violence = dataclasses.replace(
        card, incident=dataclasses.replace(card.incident, type="violence.domestic")
    )
    assert policy.card_for_service(violence, code).protocols == ()
    assert policy.card_for_service(violence, "103") is violence
    assert policy.card_for_service(violence, "102").protocols == (summary(card.protocols[0]),)


def test_the_xml_and_the_eido_sent_are_reduced() -> None:
    card = with_screen(bleeding())
    xml = cs.build(card).decode()
    for code in ALL:
        sent = payloads.for_service(code, xml)
        assert cs.parse(sent.encode()) == policy.card_for_service(card, code)
    assert ANSWER in xml
    assert SECRET in xml
    assert payloads.for_service("103", xml) is xml
    assert ANSWER not in payloads.for_service("1146", xml)
    assert SECRET in payloads.for_service("1146", xml)
    assert "<protocols>" not in payloads.for_service("101", xml)
    # A card whose only governed part is its protocols is reduced too.
    only = cs.build(bleeding()).decode()
    assert "<persons>" not in only
    assert ANSWER not in payloads.for_service("101", only)
    for code, present in (("101", ()), ("103", (ANSWER, SECRET)), ("1146", (SECRET,))):
        reduced = payloads._reduced_eido(code, xml)
        doc = card_to_eido(card) if reduced is None else json.loads(reduced)
        text = json.dumps(doc, ensure_ascii=False)
        assert all(secret in text for secret in present)
        assert all(secret not in text for secret in {ANSWER, SECRET} - set(present))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.asyncio
async def test_the_pulled_feed_and_the_eido_follow_the_policy(
    api: Api, engine: AsyncEngine
) -> None:
    created = await routed_card(api, ["101", "103"], incident={"type": "medical.severe_bleeding"})
    key = (uuid.UUID(str(created["id"])), int(str(created["version"])))
    # The version as the 112 system keeps it once a protocol reached the card (the protocols
    # capability writes them; here they are put on the kept version directly).
    async with session_factory(engine)() as session, session.begin():
        row = await session.get(FeedPayload, key)
        assert row is not None
        card = cs.parse(row.xml.encode())
        walked = dataclasses.replace(card, protocols=(*bleeding().protocols, screen()))
        await session.execute(
            update(FeedPayload)
            .where(FeedPayload.card_id == key[0], FeedPayload.card_version == key[1])
            .values(xml=cs.build(walked).decode(), eido=card_to_eido(walked))
        )
    pulled = {}
    for code in ("101", "103"):
        page = await api.get(f"/api/v1/feeds/{code}/cards", headers=await service_key(api, code))
        assert page.status_code == 200, page.text
        [item] = [i for i in page.json()["items"] if i["card_id"] == str(key[0])]
        pulled[code] = item["xml"]
    assert cs.parse(pulled["103"].encode()).protocols == walked.protocols
    assert cs.parse(pulled["101"].encode()).protocols == ()
    for secret in (ANSWER, SECRET, "<protocols>"):
        assert secret not in pulled["101"]
    async with session_factory(engine)() as session, session.begin():
        now = datetime.now(UTC)
        fire = await payloads.eido_for(session, [key], now=now, service="101")
        ambulance = await payloads.eido_for(session, [key], now=now, service="103")
    assert ":protocol:" not in json.dumps(fire[key])
    ids = {note["$id"].rsplit(":protocol:", 1)[-1] for note in ambulance[key]["notesComponent"]}
    assert {"severe_bleeding", "suicide_risk_screen:answer:1"} <= ids
