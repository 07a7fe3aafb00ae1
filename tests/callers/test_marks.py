"""Caller marks (issue 23): supervisors mark numbers as repeat nuisance or needing special
handling; the mark is audited, expires, is revoked into the history, and changes nothing about
how a call is queued, prioritised or routed."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.api import Api

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
GATEWAY = {"X-Api-Key": "gateway1-dev-key"}
NUMBER = "+998901112233"


def later(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def mark(api: Api, expect: int = 201, **fields: Any) -> dict[str, Any]:
    body = {
        "number": NUMBER,
        "kind": "nuisance",
        "reason": "Calls every night and hangs up",
        "expires_at": later(30),
        **fields,
    }
    response = await api.post("/api/v1/caller-marks", user="supervisor1", json=body)
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def audited(engine: AsyncEngine, action: str) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT actor, target_id, detail FROM audit_log WHERE action = :a ORDER BY id"),
            {"a": action},
        )
        return [
            {
                **row._mapping,
                "detail": json.loads(row.detail) if isinstance(row.detail, str) else row.detail,
            }
            for row in rows
        ]


async def test_a_supervisor_marks_a_number_written_any_way_and_revokes_it(
    api: Api, engine: AsyncEngine
) -> None:
    created = await mark(api, number="8 90 111-22-33", note="Police informed")
    assert created["number"] == NUMBER
    assert created["active"] is True
    assert created["created_by"] == "supervisor1"
    [entry] = await audited(engine, "caller_mark.create")
    assert entry["actor"] == "supervisor1"
    assert entry["target_id"] == created["id"]
    assert entry["detail"]["number"] == NUMBER
    assert entry["detail"]["reason"] == "Calls every night and hangs up"

    listed = await api.get("/api/v1/caller-marks", user="qa1")
    assert [m["id"] for m in listed.json()] == [created["id"]]
    by_number = await api.get(
        "/api/v1/caller-marks", user="supervisor1", params={"number": "901112233"}
    )
    assert [m["id"] for m in by_number.json()] == [created["id"]]

    # one active mark of a kind per number
    again = await mark(api, expect=409)
    assert again["detail_code"] == "caller_mark_exists"

    revoked = await api.request(
        "DELETE", f"/api/v1/caller-marks/{created['id']}", user="supervisor1"
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["active"] is False
    assert revoked.json()["revoked_by"] == "supervisor1"
    [entry] = await audited(engine, "caller_mark.revoke")
    assert entry["target_id"] == created["id"]
    twice = await api.request("DELETE", f"/api/v1/caller-marks/{created['id']}", user="supervisor1")
    assert twice.status_code == 409
    assert twice.json()["detail_code"] == "caller_mark_revoked"
    unknown = await api.request(
        "DELETE", f"/api/v1/caller-marks/{uuid.uuid4()}", user="supervisor1"
    )
    assert unknown.status_code == 404

    # gone from the active list, kept in the history
    assert (await api.get("/api/v1/caller-marks", user="supervisor1")).json() == []
    history = await api.get(
        "/api/v1/caller-marks", user="supervisor1", params={"include_ended": "true"}
    )
    assert [m["id"] for m in history.json()] == [created["id"]]
    # and a new one may be made
    await mark(api)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"expires_at": None}, "nuisance_mark_expiry"),
        ({"expires_at": later(91)}, "nuisance_mark_expiry"),
        ({"expires_at": later(-1)}, "caller_mark_expiry_past"),
        ({"kind": "special_handling", "expires_at": later(-0.5)}, "caller_mark_expiry_past"),
        ({"reason": "   "}, "caller_mark_reason"),
    ],
)
async def test_a_mark_without_a_fit_expiry_or_reason_is_refused(
    api: Api, engine: AsyncEngine, fields: dict[str, Any], code: str
) -> None:
    refused = await mark(api, expect=422, **fields)
    assert refused["detail_code"] == code
    assert await audited(engine, "caller_mark.create") == []
    assert (await api.get("/api/v1/caller-marks", user="supervisor1")).json() == []


async def test_bad_bodies_are_refused(api: Api) -> None:
    for body in (
        {"number": NUMBER, "kind": "vip", "reason": "x", "expires_at": later(1)},
        {"number": "call me", "kind": "nuisance", "reason": "x", "expires_at": later(1)},
        {"number": NUMBER, "kind": "nuisance", "expires_at": later(1)},
        {"number": NUMBER, "kind": "nuisance", "reason": "x", "expires_at": "2026-12-05T10:00"},
    ):
        response = await api.post("/api/v1/caller-marks", user="supervisor1", json=body)
        assert response.status_code == 422, body
        assert response.json()["code"]


async def test_a_special_handling_mark_may_have_no_expiry(api: Api) -> None:
    created = await mark(
        api, kind="special_handling", reason="Deaf caller, texts only", expires_at=None
    )
    assert created["expires_at"] is None
    assert created["active"] is True
    # a nuisance mark on the same number is another kind: both may be active
    await mark(api)
    listed = (await api.get("/api/v1/caller-marks", user="supervisor1")).json()
    assert {m["kind"] for m in listed} == {"special_handling", "nuisance"}


async def test_an_expired_mark_is_not_active(api: Api, engine: AsyncEngine) -> None:
    created = await mark(api)
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE caller_marks SET expires_at = :at"),
            {"at": datetime.now(UTC) - timedelta(minutes=1)},
        )
    assert (await api.get("/api/v1/caller-marks", user="supervisor1")).json() == []
    ended = await api.get(
        "/api/v1/caller-marks", user="supervisor1", params={"include_ended": "true"}
    )
    assert [(m["id"], m["active"]) for m in ended.json()] == [(created["id"], False)]
    # an expired nuisance mark does not stop a new one
    await mark(api)


async def test_operators_neither_mark_nor_list(api: Api) -> None:
    body = {"number": NUMBER, "kind": "nuisance", "reason": "x", "expires_at": later(1)}
    for user in ("operator1", "qa1", "analyst1", "admin"):
        response = await api.post("/api/v1/caller-marks", user=user, json=body)
        assert response.status_code == 403, user
    assert (await api.get("/api/v1/caller-marks", user="operator1")).status_code == 403


async def test_a_number_history_lists_its_calls_cards_and_marks(
    api: Api, engine: AsyncEngine
) -> None:
    calls = []
    for number in (NUMBER, "901112233", "+998907778899"):
        response = await api.post(
            "/api/v1/calls", headers=GATEWAY, json={"channel": "voice", "caller_number": number}
        )
        assert response.status_code == 201
        calls.append(response.json())
    card = await api.post("/api/v1/cards", user="operator1", json={"call_id": calls[0]["id"]})
    assert card.status_code == 201
    created = await mark(api)

    response = await api.get(f"/api/v1/callers/{NUMBER}/history", user="qa1")
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["number"] == NUMBER
    assert [c["id"] for c in found["calls"]] == [calls[1]["id"], calls[0]["id"]]
    assert found["calls"][1]["card"]["number"] == card.json()["number"]
    assert found["calls"][0]["card"] is None
    assert [m["id"] for m in found["marks"]] == [created["id"]]
    [entry] = await audited(engine, "caller.history")
    assert entry["actor"] == "qa1"
    assert entry["target_id"] == NUMBER
    reads = await audited(engine, "card.read")
    assert [r["detail"].get("via") for r in reads] == ["number_history"]
    assert (await api.get(f"/api/v1/callers/{NUMBER}/history", user="operator1")).status_code == 403
    other = await api.get("/api/v1/callers/+998900000000/history", user="supervisor1")
    assert other.json()["calls"] == []
    assert other.json()["marks"] == []
