"""Operator states (a table of allowed moves), skills and queues; what supervisors change."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.databases import fingerprint
from tests.queues.conftest import Acd

pytestmark = pytest.mark.asyncio


async def test_sign_in_break_and_sign_out_are_logged_and_seeded_skills_show(acd: Acd) -> None:
    me = await acd.me("operator1")
    assert me["state"] == "signed_out"
    assert me["skills"] == {
        "languages": {"uz": 0, "ru": 1},
        "channels": {"voice": 0, "sms": 0},
        "sign_language": None,
        "psychological_support": None,
    }
    assert (await acd.me("operator2"))["skills"]["sign_language"] == 0

    assert (await acd.state("operator1", "available"))["state"] == "available"
    assert (await acd.state("operator1", "available"))["state"] == "available"  # no change
    acd.clock.advance(60)
    paused = await acd.state("operator1", "on_break", "lunch")
    assert (paused["state"], paused["reason"]) == ("on_break", "lunch")
    changed = await acd.state("operator1", "on_break", "meeting")  # only the reason changes
    assert changed["reason"] == "meeting"
    acd.clock.advance(30)
    await acd.state("operator1", "available")
    await acd.state("operator1", "signed_out")
    lines = await acd.log(operator="operator1")
    assert [(line["event"], line["data"].get("reason")) for line in lines] == [
        ("sign_in", None),
        ("pause", "lunch"),
        ("pause", "meeting"),
        ("unpause", None),
        ("sign_out", None),
    ]
    assert lines[1]["at"].startswith("2026-11-22T04:01:00")


async def test_operators_set_their_skills_and_supervisors_change_anyone(acd: Acd) -> None:
    mine = await acd.api.request(
        "PUT",
        "/api/v1/operators/me/skills",
        user="operator1",
        json={
            "languages": {"uz": 0, "kaa": 1, "en": 3},
            "channels": {"voice": 0},
            "psychological_support": 0,
        },
    )
    assert mine.status_code == 200, mine.text
    assert mine.json()["skills"]["languages"] == {"uz": 0, "kaa": 1, "en": 3}
    assert mine.json()["skills"]["psychological_support"] == 0

    await acd.state("operator2", "available")
    forced = await acd.api.post(
        "/api/v1/operators/operator2/state",
        user="supervisor1",
        json={"state": "on_break", "reason": "coaching"},
    )
    assert (forced.json()["state"], forced.json()["reason"]) == ("on_break", "coaching")
    queues = await acd.api.request(
        "PUT",
        "/api/v1/operators/operator2/queues",
        user="supervisor1",
        json={"queues": ["video-sign", "voice-ru", "video-sign"]},
    )
    assert queues.json()["queues"] == ["video-sign", "voice-ru"]
    everyone = (await acd.api.get("/api/v1/operators", user="supervisor1")).json()
    by_name = {o["username"]: o for o in everyone}
    assert by_name["operator2"]["state"] == "on_break"
    assert by_name["operator2"]["queues"] == ["video-sign", "voice-ru"]
    assert by_name["operator1"]["skills"]["languages"]["kaa"] == 1
    one = await acd.api.get("/api/v1/operators/operator2", user="supervisor1")
    assert one.json()["reason"] == "coaching"
    audit = await acd.api.get(
        "/api/v1/audit", user="admin", params={"action": "operator.", "target_id": "operator2"}
    )
    assert {e["action"] for e in audit.json()["items"]} >= {"operator.state", "operator.queues"}


BAD_INPUT: list[tuple[str, str, str, dict[str, Any], int, str]] = [
    ("POST", "/api/v1/operators/me/state", "operator1", {"state": "dancing"}, 422, "state"),
    ("POST", "/api/v1/operators/me/state", "operator1", {"state": "on_call"}, 422, "state"),
    ("POST", "/api/v1/operators/me/state", "operator1", {"state": "on_break"}, 422, "reason"),
    (
        "POST",
        "/api/v1/operators/me/state",
        "operator1",
        {"state": "available", "mood": "good"},
        422,
        "mood",
    ),
    (
        "PUT",
        "/api/v1/operators/me/skills",
        "operator1",
        {"languages": {"uz": 12}},
        422,
        "languages",
    ),
    ("PUT", "/api/v1/operators/me/skills", "operator1", {"channels": {"fax": 0}}, 422, "channels"),
    (
        "PUT",
        "/api/v1/operators/me/skills",
        "operator1",
        {"languages": {"Uzbek": 0}},
        422,
        "languages",
    ),
    (
        "PUT",
        "/api/v1/operators/operator2/queues",
        "supervisor1",
        {"queues": ["voice-tlh"]},
        422,
        "no queue called voice-tlh",
    ),
    ("PUT", "/api/v1/operators/nobody/skills", "supervisor1", {}, 404, "nobody"),
    ("PUT", "/api/v1/operators/qa1/skills", "supervisor1", {}, 422, "only operators"),
    (
        "POST",
        "/api/v1/operators/operator2/state",
        "supervisor1",
        {"state": "available"},
        409,
        "on a call",
    ),
]


async def test_bad_input_is_refused_and_changes_nothing(acd: Acd, engine: AsyncEngine) -> None:
    # operator2 is on a call: a supervisor cannot pull them off it.
    await acd.state("operator2", "available")
    call = await acd.call(language="ru")
    await acd.tick()
    await acd.accept("operator2")
    assert (await acd.me("operator2"))["call_id"] == call["id"]
    for user in ("operator1", "supervisor1"):
        await acd.api.token(user)
    before = await fingerprint(engine)
    for method, url, user, body, status, fragment in BAD_INPUT:
        response = await acd.api.request(method, url, user=user, json=body)
        assert response.status_code == status, (url, body, response.text)
        assert fragment in response.text, (url, body, response.text)
    assert await fingerprint(engine) == before


async def test_an_operator_on_a_call_cannot_leave_it_by_request(acd: Acd) -> None:
    await acd.state("operator1", "available")
    await acd.call()
    await acd.tick()
    await acd.accept("operator1")
    refused = await acd.state("operator1", "signed_out", expect=409)
    assert "on a call" in refused["detail"]
    assert refused["code"] == "conflict"
