"""SMS and e-mail calls through the API: conversations, replies through the gateway, repeats."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.calls.gateway.models import GatewayCommand
from dispatch.calls.models import Call
from tests.calls.conftest import (
    GATEWAY,
    events,
    get_call,
    minutes_ago,
    new_call,
    post_event,
    published,
)
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint

pytestmark = pytest.mark.asyncio


async def messages(api: Api, call_id: str, user: str = "operator1") -> list[dict[str, object]]:
    response = await api.get(f"/api/v1/calls/{call_id}/messages", user=user)
    assert response.status_code == 200, response.text
    result: list[dict[str, object]] = response.json()
    return result


async def test_an_sms_conversation_is_one_call_answered_through_the_gateway(
    api: Api, engine: AsyncEngine
) -> None:
    bus, subscription = published(api, "*")
    first = await new_call(
        api, channel="sms", caller_number="+998901112233", text="Uyda yong'in, 3-qavat"
    )
    assert first["status"] == "waiting"
    assert first["text"] == "Uyda yong'in, 3-qavat"
    # the same phone writes again, in another form of the same number: same call, 200
    second = await new_call(
        api, expect=200, channel="sms", caller_number="901112233", text="Tutun ko'p"
    )
    assert second["id"] == first["id"]
    assert second["text"] == "Uyda yong'in, 3-qavat"  # the call keeps its first message
    await post_event(api, first["id"], "answered", minutes_ago(1), operator="operator1")

    reply = await api.post(
        f"/api/v1/calls/{first['id']}/messages",
        user="operator1",
        json={"text": "Chiqib keting, o't o'chiruvchilar yo'lda"},
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["direction"] == "out"
    assert reply.json()["author"] == "operator1"
    assert reply.json()["delivery"] == "pending"

    conversation = await messages(api, first["id"])
    assert [(m["direction"], m["text"]) for m in conversation] == [
        ("in", "Uyda yong'in, 3-qavat"),
        ("in", "Tutun ko'p"),
        ("out", "Chiqib keting, o't o'chiruvchilar yo'lda"),
    ]
    async with engine.connect() as connection:
        command = (await connection.execute(select(GatewayCommand))).one()
    assert command.command == "send_text"
    assert command.status == "pending"
    assert command.operator == "operator1"
    assert command.payload == {
        "channel": "sms",
        "to": "+998901112233",
        "text": "Chiqib keting, o't o'chiruvchilar yo'lda",
        "subject": None,
        "message_id": reply.json()["id"],
    }
    assert str(command.command_id) == reply.json()["command_id"]

    await post_event(api, first["id"], "ended", minutes_ago(0.2))
    # after the end, the next message opens a new call
    third = await new_call(api, channel="sms", caller_number="+998901112233", text="Rahmat")
    assert third["id"] != first["id"]

    topics = [event.topic for event in events(subscription)]
    bus.unsubscribe(subscription)
    assert topics.count("call.created") == 2
    assert "call.message_received" in topics
    assert "call.message_sent" in topics
    assert topics.count("gateway.command") == 1


async def test_an_email_thread_joins_by_conversation_id_and_replies_keep_the_subject(
    api: Api, engine: AsyncEngine
) -> None:
    first = await new_call(
        api,
        channel="email",
        caller_number=None,
        caller_address="Nodira@Example.uz",
        subject="Qo'shnimga yordam kerak",
        text="Qo'shnim eshikni ochmayapti",
        conversation_id="<thread-1@example.uz>",
    )
    assert first["caller_address"] == "nodira@example.uz"
    same = await new_call(
        api,
        expect=200,
        channel="email",
        caller_number=None,
        caller_address="nodira@example.uz",
        subject="Re: Qo'shnimga yordam kerak",
        text="Manzil: Chilonzor 9, 14-uy",
        conversation_id="<thread-1@example.uz>",
    )
    assert same["id"] == first["id"]
    other_thread = await new_call(
        api,
        channel="email",
        caller_number=None,
        caller_address="nodira@example.uz",
        text="Boshqa masala",
        conversation_id="<thread-2@example.uz>",
    )
    assert other_thread["id"] != first["id"]
    reply = await api.post(
        f"/api/v1/calls/{first['id']}/messages",
        user="supervisor1",
        json={"text": "Ekipaj yuborildi"},
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["subject"] == "Re: Qo'shnimga yordam kerak"
    thread = await messages(api, first["id"], user="qa1")
    assert [m["subject"] for m in thread] == [
        "Qo'shnimga yordam kerak",
        "Re: Qo'shnimga yordam kerak",
        "Re: Qo'shnimga yordam kerak",
    ]
    async with engine.connect() as connection:
        payload = (await connection.execute(select(GatewayCommand.payload))).scalar_one()
    assert payload["to"] == "nodira@example.uz"
    assert payload["channel"] == "email"


async def test_a_message_after_the_window_starts_a_new_conversation(
    api: Api, engine: AsyncEngine
) -> None:
    first = await new_call(api, channel="sms", caller_number="+998935550000", text="Salom")
    # the conversation's last message is now 31 minutes old (the window is 30)
    async with engine.begin() as connection:
        await connection.execute(
            update(Call)
            .where(Call.id == uuid.UUID(first["id"]))
            .values(last_message_at=minutes_ago(31))
        )
    later = await new_call(api, channel="sms", caller_number="+998935550000", text="Yana men")
    assert later["id"] != first["id"]
    # voice calls are never merged
    voice = await new_call(api, channel="voice", caller_number="+998935550000")
    assert voice["id"] not in (first["id"], later["id"])


async def test_a_repeated_message_id_is_stored_once(api: Api, engine: AsyncEngine) -> None:
    first = await new_call(
        api, channel="sms", caller_number="+998977777777", text="Yordam", message_id="smsc-1"
    )
    before = await fingerprint(engine)
    again = await new_call(
        api,
        expect=200,
        channel="sms",
        caller_number="+998977777777",
        text="Yordam",
        message_id="smsc-1",
    )
    assert again["id"] == first["id"]
    assert await fingerprint(engine) == before
    assert len(await messages(api, first["id"])) == 1


async def test_replies_are_refused_where_they_cannot_go(api: Api, engine: AsyncEngine) -> None:
    voice = await new_call(api)
    sms = await new_call(api, channel="sms", caller_number="+998900000001", text="Yordam")
    await post_event(api, sms["id"], "answered", minutes_ago(1), operator="operator1")
    withheld = await new_call(api, channel="sms", caller_number=None, text="Yordam")
    ended = await new_call(api, channel="sms", caller_number="+998900000002", text="Yordam")
    await post_event(api, ended["id"], "answered", minutes_ago(2))
    await post_event(api, ended["id"], "ended", minutes_ago(1))
    before = await fingerprint(engine)
    cases = [
        (voice["id"], "operator1", {"text": "Salom"}, 409, "voice call"),
        (withheld["id"], "operator1", {"text": "Salom"}, 409, "withheld"),
        (ended["id"], "operator1", {"text": "Salom"}, 409, "is ended"),
        (sms["id"], "operator2", {"text": "Salom"}, 403, "handled by operator1"),
        (sms["id"], "operator1", {"text": ""}, 422, "text"),
        (sms["id"], "operator1", {"text": "Salom", "subject": "Mavzu"}, 422, "subject"),
        (sms["id"], "operator1", {"text": "Salom", "to": "+1"}, 422, "to"),
        ("8e7c58b4-1111-4c1e-9d55-0a3b2c1d0e9f", "operator1", {"text": "Salom"}, 404, "no call"),
    ]
    for call_id, user, body, code, fragment in cases:
        response = await api.post(f"/api/v1/calls/{call_id}/messages", user=user, json=body)
        assert response.status_code == code, (body, response.text)
        assert fragment in response.json()["detail"], (body, response.text)
    assert await fingerprint(engine) == before


async def test_bad_calls_are_refused_naming_the_field(api: Api, engine: AsyncEngine) -> None:
    before = await fingerprint(engine)
    cases = [
        ({"channel": "email", "caller_address": "not-an-address", "text": "x"}, "caller_address"),
        ({"channel": "voice", "imei": "12ab"}, "imei"),
        ({"channel": "voice", "conversation_id": "t-1"}, "conversation_id"),
        ({"channel": "voice", "message_id": "m-1"}, "message_id"),
        (
            {"channel": "sms", "caller_number": "+998901112233", "text": "x", "subject": "s"},
            "subject",
        ),
        ({"channel": "sms", "text": "x", "conversation_id": "has space"}, "conversation_id"),
        ({"channel": "email", "caller_address": "a@b.uz"}, "text"),
    ]
    for body, fragment in cases:
        response = await api.post("/api/v1/calls", json=body, headers=GATEWAY)
        assert response.status_code == 422, (body, response.text)
        assert fragment in response.json()["detail"], (body, response.text)
    assert await fingerprint(engine) == before


async def test_a_text_call_can_be_answered_and_read_by_every_call_reader(api: Api) -> None:
    call = await new_call(api, channel="sms", caller_number="+998911234567", text="Yordam")
    for user in ("operator2", "supervisor1", "qa1"):
        assert (await get_call(api, call["id"], user=user))["channel"] == "sms"
    listed = await api.get(f"/api/v1/calls/{call['id']}/messages", headers=GATEWAY)
    assert listed.status_code == 200
    assert listed.json()[0]["author"] == "+998911234567"
    when = minutes_ago(1)
    await post_event(api, call["id"], "answered", when, operator="operator2")
    await post_event(api, call["id"], "ended", when + timedelta(seconds=30))
    assert (await get_call(api, call["id"]))["talk_seconds"] == 30
