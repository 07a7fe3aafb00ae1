"""The operator is warned: the active marks of the caller's number come with the call the
operator works on (the console's ``call`` part), and only they; the call is queued, offered and
carded exactly as any other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.consoles.conftest import ConsoleClient, open_console, post_call, sign_in
from tests.fixtures.live import Live

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
MARKED = "+998901112233"
EXPIRED = "+998905556677"


async def _post(http: httpx.AsyncClient, token: str, url: str, body: Any) -> dict[str, Any]:
    response = await http.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def _take_call(
    http: httpx.AsyncClient, live: Live, number: str
) -> tuple[ConsoleClient, dict[str, Any], str]:
    """operator1 takes the next call, posted from ``number``; its console and call part."""
    token = await sign_in(http, "operator1")
    console = await open_console(live, token)
    await _post(http, token, "/api/v1/operators/me/state", {"state": "available"})
    call = await post_call(http, caller_number=number)
    parts = await console.until(lambda p: p["offer"] is not None)
    await _post(http, token, f"/api/v1/offers/{parts['offer']['id']}/accept", {})
    parts = await console.until(lambda p: p["call"] is not None and p["call"]["id"] == call["id"])
    return console, parts["call"], token


async def test_the_marks_of_the_number_warn_the_operator_and_change_nothing_else(
    live: Live, http: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    supervisor = await sign_in(http, "supervisor1")
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    nuisance = await _post(
        http,
        supervisor,
        "/api/v1/caller-marks",
        {
            "number": "90 111 22 33",
            "kind": "nuisance",
            "reason": "Prank calls",
            "expires_at": until,
        },
    )
    special = await _post(
        http,
        supervisor,
        "/api/v1/caller-marks",
        {"number": MARKED, "kind": "special_handling", "reason": "Deaf caller, texts"},
    )
    console, call, token = await _take_call(http, live, "901112233")
    plain = await post_call(http, caller_number="+998909990000")

    marks = call["caller_marks"]
    assert [(m["id"], m["kind"], m["reason"]) for m in marks] == [
        (nuisance["id"], "nuisance", "Prank calls"),
        (special["id"], "special_handling", "Deaf caller, texts"),
    ]
    assert marks[0]["expires_at"] is not None
    # queued and carded as any other call: same queue, same priority for the same type
    assert call["queue"] == plain["queue"]
    card = await _post(
        http, token, "/api/v1/cards", {"call_id": call["id"], "incident": {"type": "fire.building"}}
    )
    other = await _post(
        http,
        supervisor,
        "/api/v1/cards",
        {"call_id": plain["id"], "incident": {"type": "fire.building"}},
    )
    assert card["incident"]["priority"] == other["incident"]["priority"]
    async with engine.connect() as connection:
        queued = (
            await connection.execute(
                text("SELECT call_id, priority FROM queue_entries WHERE call_id IN (:a, :b)"),
                {"a": call["id"].replace("-", ""), "b": plain["id"].replace("-", "")},
            )
        ).all()
    assert len({row.priority for row in queued}) <= 1

    # a revoked mark leaves the operator's view at once
    revoked = await http.request(
        "DELETE",
        f"/api/v1/caller-marks/{nuisance['id']}",
        headers={"Authorization": f"Bearer {supervisor}"},
    )
    assert revoked.status_code == 200
    parts = await console.until(lambda p: len(p["call"]["caller_marks"]) == 1)
    assert parts["call"]["caller_marks"][0]["id"] == special["id"]
    await console.socket.close()


async def test_a_call_from_another_number_or_with_an_expired_mark_warns_of_nothing(
    live: Live, http: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    supervisor = await sign_in(http, "supervisor1")
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    for number in (MARKED, EXPIRED):
        await _post(
            http,
            supervisor,
            "/api/v1/caller-marks",
            {"number": number, "kind": "nuisance", "reason": "Prank calls", "expires_at": until},
        )
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE caller_marks SET expires_at = :at WHERE number = :number"),
            {"at": datetime.now(UTC) - timedelta(seconds=1), "number": EXPIRED},
        )
    console, call, _ = await _take_call(http, live, EXPIRED)
    assert call["caller_marks"] == []
    await console.socket.close()
