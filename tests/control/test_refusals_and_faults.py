"""Call control's refusals and faults: every request that cannot be done is refused (409 with its
reason, or 422) and changes nothing; the directory; a gateway's failures and silences; a broken
follower of an answer."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.control.service import failure_of
from dispatch.control.worker import RingTimer
from tests.control.conftest import (
    Acd,
    call_of,
    connected,
    gateway_answers,
    last_command,
    legs_of,
    post,
    psychologist,
)
from tests.fixtures.databases import fingerprint

pytestmark = pytest.mark.asyncio


async def test_call_control_refuses_what_cannot_be_done_and_changes_nothing(
    acd: Acd, engine: AsyncEngine
) -> None:
    await acd.add_operator("busy1", languages={"uz": 1})
    call_id = await connected(acd)
    # A party that was busy (its leg is over), and a call the supervisor took over (their own).
    refused = await post(
        acd, f"/api/v1/calls/{call_id}/conference", "operator1", {"target": {"number": "103"}}
    )
    busy = await last_command(acd, call_id, "conference")
    await gateway_answers(acd, busy["command_id"], reason="busy")
    own = await acd.call()
    acd.check(await acd.api.post(f"/api/v1/calls/{own['id']}/takeover", user="supervisor1"), 200)
    waiting = await acd.call()
    await acd.api.token("operator2")
    await acd.api.token("qa1")
    url = f"/api/v1/calls/{call_id}"
    before = await fingerprint(engine)
    cases: list[tuple[str, str, str, Any, int, str]] = [
        ("operator1", "POST", f"/api/v1/calls/{waiting['id']}/hold", None, 409, "not_connected"),
        ("operator2", "POST", f"{url}/hold", None, 409, "call_control_not_yours"),
        ("operator1", "POST", f"{url}/resume", None, 409, "call_control_not_held"),
        ("qa1", "POST", f"{url}/hold", None, 403, "needs the role"),
        (
            "operator1",
            "POST",
            "/api/v1/calls/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d/hold",
            None,
            404,
            "no call",
        ),
        ("operator1", "POST", f"{url}/transfer", {"target": {}}, 422, "exactly one"),
        (
            "operator1",
            "POST",
            f"{url}/transfer",
            {"target": {"queue": "voice-uz", "number": "103"}},
            422,
            "exactly one",
        ),
        (
            "operator1",
            "POST",
            f"{url}/transfer",
            {"target": {"operator": "operator1"}},
            422,
            "yourself",
        ),
        (
            "operator1",
            "POST",
            f"{url}/transfer",
            {"target": {"operator": "nobody"}},
            422,
            "no colleague",
        ),
        (
            "operator1",
            "POST",
            f"{url}/transfer",
            {"target": {"operator": "busy1"}},
            409,
            "call_control_target_busy",
        ),
        (
            "operator1",
            "POST",
            f"{url}/transfer",
            {"target": {"directory": "nowhere"}},
            422,
            "no entry",
        ),
        (
            "operator1",
            "POST",
            f"{url}/transfer",
            {"target": {"queue": "voice-uz"}},
            409,
            "call_control_same_queue",
        ),
        (
            "operator1",
            "POST",
            f"{url}/transfer",
            {"target": {"queue": "no-such-queue"}},
            404,
            "no-such-queue",
        ),
        (
            "operator1",
            "POST",
            f"{url}/transfer",
            {"mode": "attended", "target": {"queue": "voice-ru"}},
            422,
            "blind",
        ),
        (
            "operator1",
            "POST",
            f"{url}/transfer",
            {"mode": "listen", "target": {"number": "103"}},
            422,
            "blind or attended",
        ),
        ("operator1", "POST", f"{url}/transfer", {"target": {"number": "call me"}}, 422, "number"),
        (
            "operator1",
            "POST",
            f"{url}/conference",
            {"target": {"queue": "voice-ru"}},
            422,
            "queue cannot join",
        ),
        ("operator1", "POST", f"{url}/leave", {}, 409, "call_control_no_party"),
        ("operator1", "DELETE", f"{url}/legs/{refused['id']}", None, 409, "call_control_no_party"),
        (
            "supervisor1",
            "POST",
            f"/api/v1/calls/{own['id']}/monitor",
            {"mode": "listen"},
            409,
            "call_control_own_call",
        ),
        (
            "operator1",
            "DELETE",
            f"{url}/legs/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
            None,
            404,
            "no leg",
        ),
        ("supervisor1", "POST", f"{url}/monitor", {"mode": "blind"}, 422, "listens"),
        (
            "supervisor1",
            "POST",
            f"/api/v1/calls/{waiting['id']}/monitor",
            {"mode": "listen"},
            409,
            "not_connected",
        ),
        ("supervisor1", "DELETE", f"{url}/monitor", None, 409, "call_control_not_monitoring"),
        ("operator1", "POST", f"{url}/monitor", {"mode": "listen"}, 403, "needs the role"),
    ]
    for user, method, path, body, status, fragment in cases:
        response = await acd.api.request(method, path, user=user, json=body)
        assert response.status_code == status, (path, body, response.text)
        assert fragment in response.text, (path, body, response.text)
    assert await fingerprint(engine) == before


async def test_the_directory_lists_a_regions_desks_colleagues_and_queues(acd: Acd) -> None:
    await psychologist(acd)
    found = acd.check(
        await acd.api.get(
            "/api/v1/transfer-targets",
            user="operator1",
            params={"region": "UZ-SA", "service": "103", "names": "ru"},
        ),
        200,
    )
    assert [e["id"] for e in found["directory"]] == ["desk-103-sa"]
    assert found["directory"][0]["name"] == "Старший врач 103, Самарканд"
    psych = next(c for c in found["colleagues"] if c["username"] == "psych1")
    assert (psych["psychologist"], psych["available"]) == (True, True)
    assert "voice-ru" in [q["name"] for q in found["queues"]]
    speakers = acd.check(
        await acd.api.get("/api/v1/transfer-targets", user="operator1", params={"language": "tg"}),
        200,
    )
    assert [e["id"] for e in speakers["directory"]] == ["interpreter-tg-fa"]
    bad = await acd.api.get(
        "/api/v1/transfer-targets", user="operator1", params={"region": "Tashkent"}
    )
    assert bad.status_code == 422


async def test_a_party_the_gateway_never_answers_is_given_up_and_the_colleague_freed(
    acd: Acd,
) -> None:
    psych = await psychologist(acd)
    call_id = await connected(acd)
    await post(
        acd, f"/api/v1/calls/{call_id}/conference", "operator1", {"target": {"operator": psych}}
    )
    timer = RingTimer(acd.api.runtime)
    acd.clock.advance(30)
    due = await timer.round()
    assert due is not None  # still ringing: due at the ring timeout (60 s)
    assert (await legs_of(acd, call_id))[0]["status"] == "dialing"
    acd.clock.advance(31)
    assert await timer.round() is None
    (leg,) = await legs_of(acd, call_id)
    assert leg["status"] == "no_answer"
    assert "did not answer within 60 s" in leg["reason"]
    assert (await acd.me(psych))["state"] == "available"
    assert (await last_command(acd, call_id, "conference"))["status"] == "expired"
    call = await call_of(acd, call_id)
    assert (call["status"], call["operator"]) == ("connected", "operator1")


@pytest.mark.parametrize(
    ("reason", "outcome"),
    [
        ("busy", "busy"),
        ("no_answer: rang 30 s", "no_answer"),
        ("  busy line", "busy"),
        ("the line is engaged", "rejected"),
        (" ", "rejected"),
        ("", "rejected"),
        (None, "rejected"),
    ],
)
async def test_a_gateway_failure_names_what_happened_to_the_party(
    reason: str | None, outcome: str
) -> None:
    assert failure_of(reason) == outcome


async def test_a_follower_that_fails_leaves_the_gateways_answer_recorded(acd: Acd) -> None:
    call_id = await connected(acd)
    await post(
        acd, f"/api/v1/calls/{call_id}/conference", "operator1", {"target": {"number": "103"}}
    )
    add = await last_command(acd, call_id, "conference")

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug in what follows the answer")

    acd.api.app.state.command_answered = broken
    await gateway_answers(acd, add["command_id"])
    assert (await last_command(acd, call_id, "conference"))["status"] == "acknowledged"
    assert (await legs_of(acd, call_id))[0]["status"] == "dialing"  # the ring timer gives it up
