"""Voice and video calls through the API: events, repeats, disorder, refusals, the bus."""

from __future__ import annotations

from datetime import timedelta

import pytest
import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.calls.models import CallEvent
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


@pytest.mark.parametrize("channel", ["voice", "video"])
async def test_a_call_rings_is_answered_transferred_and_ends_with_its_recording(
    api: Api, channel: str
) -> None:
    bus, subscription = published(api, "call.*")
    call = await new_call(api, channel=channel, language="kaa")
    assert call["status"] == "waiting"
    # the ACD chose the queue by channel and language (tests/queues cover the choice)
    assert call["queue"] == {"voice": "voice-kaa", "video": "video"}[channel]
    assert call["timeline_complete"] is True
    start = minutes_ago(5)

    ringing = await post_event(api, call["id"], "ringing", start, operator="operator1")
    assert ringing["call_status"] == "ringing"
    await post_event(
        api, call["id"], "answered", start + timedelta(seconds=8), operator="operator1"
    )
    assert (await get_call(api, call["id"]))["status"] == "connected"
    await post_event(
        api, call["id"], "transferred", start + timedelta(seconds=40), operator="operator2"
    )
    await post_event(
        api, call["id"], "ringing", start + timedelta(seconds=41), operator="operator2"
    )
    await post_event(
        api, call["id"], "answered", start + timedelta(seconds=45), operator="operator2"
    )
    ended = await post_event(
        api,
        call["id"],
        "ended",
        start + timedelta(seconds=128),
        media_url="https://records.112.uz/2026/11/22/call.ogg",
    )
    assert ended["call_status"] == "ended"

    done = await get_call(api, call["id"], user="qa1")
    assert done["status"] == "ended"
    assert done["operator"] == "operator2"
    assert done["talk_seconds"] == 120
    assert done["media_url"] == "https://records.112.uz/2026/11/22/call.ogg"
    assert done["timeline_complete"] is True
    timeline = await api.get(f"/api/v1/calls/{call['id']}/events", user="supervisor1")
    assert [e["type"] for e in timeline.json()] == [
        "ringing",
        "answered",
        "transferred",
        "ringing",
        "answered",
        "ended",
    ]
    topics = [event.topic for event in events(subscription)]
    bus.unsubscribe(subscription)
    assert topics[0] == "call.created"
    assert topics.count("call.answered") == 2
    assert topics[-2:] == ["call.ended", "call.status_changed"]


async def test_the_same_event_twice_is_stored_once_and_answered_alike(
    api: Api, engine: AsyncEngine
) -> None:
    call = await new_call(api)
    at = minutes_ago(2)
    first = await post_event(
        api, call["id"], "answered", at, event_id="tg-77", operator="operator1"
    )
    await post_event(api, call["id"], "ended", at + timedelta(seconds=30))
    before = await fingerprint(engine)
    again = await post_event(
        api, call["id"], "answered", at, event_id="tg-77", operator="operator1", expect=200
    )
    assert again == first  # the earlier answer, though the call has ended since
    assert again["call_status"] == "connected"
    assert await fingerprint(engine) == before
    changed = await post_event(
        api, call["id"], "answered", at, event_id="tg-77", operator="operator2", expect=409
    )
    assert "tg-77 was already used for another event" in changed["detail"]
    assert await fingerprint(engine) == before
    async with engine.connect() as connection:
        stored = await connection.scalar(
            select(func.count()).select_from(CallEvent).where(CallEvent.event_id == "tg-77")
        )
    assert stored == 1


async def test_events_out_of_order_give_the_true_timeline(api: Api) -> None:
    call = await new_call(api)
    start = minutes_ago(3)
    # the gateway's "ended" overtakes the "answered" and "ringing" it follows
    ended = await post_event(api, call["id"], "ended", start + timedelta(seconds=95))
    assert ended["call_status"] == "ended"
    assert ended["timeline_complete"] is False
    gap = await get_call(api, call["id"])
    assert gap["answered_at"] is None
    assert gap["talk_seconds"] is None
    late = await post_event(
        api, call["id"], "answered", start + timedelta(seconds=15), operator="operator1"
    )
    assert late["call_status"] == "ended"  # still ended: answered happened before
    await post_event(api, call["id"], "ringing", start + timedelta(seconds=4))
    done = await get_call(api, call["id"])
    assert done["status"] == "ended"
    assert done["talk_seconds"] == 80
    assert done["operator"] == "operator1"
    assert done["timeline_complete"] is True
    timeline = await api.get(f"/api/v1/calls/{call['id']}/events", user="operator1")
    assert [e["type"] for e in timeline.json()] == ["ringing", "answered", "ended"]


async def test_an_abandoned_call_never_talked(api: Api) -> None:
    call = await new_call(api)
    start = minutes_ago(1)
    await post_event(api, call["id"], "ringing", start, operator="operator1")
    await post_event(api, call["id"], "abandoned", start + timedelta(seconds=20))
    done = await get_call(api, call["id"])
    assert done["status"] == "abandoned"
    assert done["ended_at"] is not None
    assert done["talk_seconds"] is None


async def test_an_event_after_the_end_is_refused_and_changes_nothing(
    api: Api, engine: AsyncEngine
) -> None:
    call = await new_call(api)
    start = minutes_ago(4)
    await post_event(api, call["id"], "answered", start)
    await post_event(api, call["id"], "dropped", start + timedelta(seconds=50))
    before = await fingerprint(engine)
    refused = await post_event(api, call["id"], "ended", start + timedelta(seconds=70), expect=409)
    assert "is dropped since dropped" in refused["detail"]
    assert "cannot follow" in refused["detail"]
    assert refused["code"] == "conflict"
    assert await fingerprint(engine) == before


async def test_an_event_for_an_unknown_call_is_refused_and_logged(
    api: Api, engine: AsyncEngine
) -> None:
    before = await fingerprint(engine)
    unknown = "5d6f0c4e-8d4c-4c1e-9d55-0a3b2c1d0e9f"
    with structlog.testing.capture_logs() as logged:
        refused = await post_event(
            api, unknown, "ringing", minutes_ago(1), event_id="x-1", expect=404
        )
    assert unknown in refused["detail"]
    assert await fingerprint(engine) == before
    warnings = [entry for entry in logged if entry["event"] == "call.event.unknown_call"]
    assert warnings, logged
    assert warnings[0]["event_id"] == "x-1"
    assert warnings[0]["call_id"] == unknown
    assert warnings[0]["log_level"] == "warning"


async def test_an_event_may_answer_a_command_of_its_call(api: Api) -> None:
    call = await new_call(api, channel="sms", text="Yordam kerak")
    await post_event(api, call["id"], "answered", minutes_ago(1), operator="operator1")
    reply = await api.post(
        f"/api/v1/calls/{call['id']}/messages", user="operator1", json={"text": "Qayerdasiz?"}
    )
    command_id = reply.json()["command_id"]
    other = await new_call(api, channel="voice", caller_number="+998712000000")
    wrong = await post_event(
        api, other["id"], "ringing", minutes_ago(1), command_id=command_id, expect=422
    )
    assert "command_id" in wrong["detail"]
    ok = await post_event(api, call["id"], "ended", minutes_ago(0.5), command_id=command_id)
    assert ok["command_id"] == command_id


async def test_bad_events_are_refused_naming_the_field(api: Api, engine: AsyncEngine) -> None:
    call = await new_call(api)
    url = f"/api/v1/calls/{call['id']}/events"
    at = minutes_ago(1).isoformat()
    before = await fingerprint(engine)
    cases = [
        ({"event_id": "e1", "type": "exploded", "at": at}, "type"),
        ({"event_id": "e1", "type": "ringing", "at": "2026-11-22T08:00:00"}, "at"),
        ({"event_id": "e1", "type": "ringing", "at": "yesterday"}, "at"),
        ({"event_id": "e 1", "type": "ringing", "at": at}, "event_id"),
        ({"type": "ringing", "at": at}, "event_id"),
        ({"event_id": "e1", "type": "ringing", "at": at, "operator": "ghost"}, "operator"),
        ({"event_id": "e1", "type": "ringing", "at": at, "operator": "qa1"}, "operator"),
        ({"event_id": "e1", "type": "ringing", "at": at, "media_url": "rec.ogg"}, "media_url"),
        ({"event_id": "e1", "type": "ringing", "at": at, "command_id": "7"}, "command_id"),
        (
            {
                "event_id": "e1",
                "type": "ringing",
                "at": at,
                "command_id": "0b5a1c1e-0c5e-4f43-9b59-2b4f0d4c0a11",
            },
            "command_id",
        ),
        ({"event_id": "e1", "type": "ringing", "at": at, "colour": "red"}, "colour"),
        (
            {"event_id": "e1", "type": "ringing", "at": minutes_ago(-60).isoformat()},
            "at: ",
        ),
    ]
    for body, fragment in cases:
        response = await api.post(url, json=body, headers=GATEWAY)
        assert response.status_code == 422, (body, response.text)
        assert fragment in response.json()["detail"], (body, response.text)
    not_json = await api.post(url, content=b"ringing", headers=GATEWAY)
    assert not_json.status_code == 422
    assert await fingerprint(engine) == before
