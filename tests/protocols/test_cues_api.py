"""Cues in text over the API (issue 25): a call's SMS and e-mail messages and its card's notes
propose protocols with the words that triggered them; the operator's replies are not read."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.audit.models import AuditEntry
from tests.calls.conftest import new_call
from tests.cards.conftest import new_card
from tests.fixtures.api import Api

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


async def cues(api: Api, call_id: str, user: str = "operator1") -> list[dict[str, Any]]:
    response = await api.get(f"/api/v1/calls/{call_id}/cues", user=user)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


async def test_an_sms_saying_mother_is_not_breathing_proposes_cpr_with_its_words(
    api: Api,
) -> None:
    call = await new_call(
        api, channel="sms", caller_number="+998901112233", text="onam nafas olmayapti"
    )
    (cue,) = await cues(api, call["id"])
    assert (cue["cue"], cue["protocol"], cue["source"]) == (
        "cardiac_arrest",
        "cardiac_arrest",
        "message",
    )
    assert (cue["text"], cue["field"], cue["card_id"], cue["note_index"]) == (
        "onam nafas olmayapti",
        "text",
        None,
        None,
    )
    assert cue["message_id"] is not None
    assert [(t["words"], t["start"], t["end"]) for t in cue["triggers"]] == [
        ("nafas olmayapti", 5, 20)
    ]
    assert cue["triggers"][0]["rule"] == "cardiac_arrest.uz.no_breath"
    # the supervisor sees the same
    assert await cues(api, call["id"], user="supervisor1") == [cue]


async def test_later_messages_and_the_cards_notes_are_read_but_not_the_operators_replies(
    api: Api, engine: AsyncEngine
) -> None:
    call = await new_call(api, channel="sms", caller_number="+998901112244", text="мама не дышит")
    await new_call(
        api, expect=200, channel="sms", caller_number="+998901112244", text="Gaz hidi ham bor"
    )
    reply = await api.post(
        f"/api/v1/calls/{call['id']}/messages",
        user="operator1",
        json={"text": "Nafas olmayaptimi? Erim meni uryapti desangiz 1 yozing"},
    )
    assert reply.status_code == 201, reply.text
    card = await new_card(api, call_id=call["id"])
    for text in ("Hamma joyi normal", "Qo'shnisi: eri uni doim uradi"):
        note = await api.post(
            f"/api/v1/cards/{card['id']}/notes", user="operator1", json={"text": text}
        )
        assert note.status_code == 201, note.text

    found = await cues(api, call["id"])
    assert [(c["source"], c["cue"], c["protocol"], c["triggers"][0]["words"]) for c in found] == [
        ("message", "cardiac_arrest", "cardiac_arrest", "не дышит"),
        ("message", "fire_gas", "gas_smell", "Gaz hidi"),
        ("note", "domestic_violence", "domestic_violence", "uni doim uradi"),
    ]
    note_cue = found[2]
    assert (note_cue["card_id"], note_cue["note_index"], note_cue["author"]) == (
        card["id"],
        1,
        "operator1",
    )
    async with engine.connect() as connection:
        reads = (
            await connection.execute(
                select(AuditEntry.actor).where(
                    AuditEntry.action == "card.read", AuditEntry.target_id == card["id"]
                )
            )
        ).all()
    assert [row.actor for row in reads] == ["operator1"]


async def test_an_emails_subject_is_read_and_a_call_without_cues_has_none(api: Api) -> None:
    mail = await new_call(
        api,
        channel="email",
        caller_number=None,
        caller_address="nodira@example.uz",
        subject="Uyimiz yonyapti",
        text="Chilonzor 9, 14-uy",
    )
    (cue,) = await cues(api, mail["id"])
    assert (cue["field"], cue["protocol"], cue["triggers"][0]["words"]) == (
        "subject",
        "building_fire",
        "yonyapti",
    )
    quiet = await new_call(
        api, channel="sms", caller_number="+998901112255", text="telefonim o'ldi zaryad yo'q"
    )
    assert await cues(api, quiet["id"]) == []


async def test_an_unknown_call_is_a_404(api: Api) -> None:
    response = await api.get(f"/api/v1/calls/{uuid.uuid4()}/cues", user="operator1")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
