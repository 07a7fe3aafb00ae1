"""One sign-in or one API key can be ended alone: an admin lists the sign-ins whose tokens still
work and revokes one, a person signs out, an admin revokes one key of a machine; the rest of the
account goes on, every process refuses what was revoked within a second or two, and every
revocation is audited."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from dispatch.auth import service
from dispatch.auth.cache import TTL_S
from dispatch.core.settings import Settings
from tests.fixtures.api import Api, running_api
from tests.fixtures.statements import statements
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio


async def _bearer(api: Api, username: str) -> dict[str, str]:
    """A new sign-in of ``username`` (its own session), as a header."""
    response = await api.post(
        "/api/v1/auth/token", data={"username": username, "password": username}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _me(api: Api, headers: dict[str, str]) -> int:
    return (await api.get("/api/v1/auth/me", headers=headers)).status_code


async def test_an_admin_revokes_one_sign_in_and_the_others_go_on(api: Api) -> None:
    desk, phone = await _bearer(api, "operator1"), await _bearer(api, "operator1")
    listed = await api.get("/api/v1/auth/sessions?username=operator1", user="admin")
    assert listed.status_code == 200, listed.text
    sessions = listed.json()
    assert len(sessions) == 2
    assert {s["username"] for s in sessions} == {"operator1"}
    assert {s["address"] for s in sessions} == {"127.0.0.1"}
    newest = sessions[0]["id"]  # newest first: the phone's
    revoked = await api.post(f"/api/v1/auth/sessions/{newest}/revoke", user="admin")
    assert revoked.status_code == 204, revoked.text
    refused = await api.get("/api/v1/auth/me", headers=phone)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    assert await _me(api, desk) == 200
    left = await api.get("/api/v1/auth/sessions?username=operator1", user="admin")
    assert [s["id"] for s in left.json()] == [sessions[1]["id"]]
    again = await api.post(f"/api/v1/auth/sessions/{newest}/revoke", user="admin")
    assert again.status_code == 409
    unknown = await api.post(f"/api/v1/auth/sessions/{uuid.uuid4()}/revoke", user="admin")
    assert unknown.status_code == 404
    audited = await api.get("/api/v1/audit?action=auth.session_revoked", user="admin")
    (entry,) = audited.json()["items"]
    assert (entry["actor"], entry["target_id"], entry["detail"]["session"]) == (
        "admin",
        "operator1",
        newest,
    )


async def test_a_person_signs_out_and_only_that_token_ends(api: Api) -> None:
    first, second = await _bearer(api, "operator2"), await _bearer(api, "operator2")
    out = await api.post("/api/v1/auth/sign-out", headers=first)
    assert out.status_code == 204, out.text
    assert await _me(api, first) == 401
    assert await _me(api, second) == 200
    assert (await api.post("/api/v1/auth/sign-out", headers=first)).status_code == 401
    machine = await api.post("/api/v1/auth/sign-out", headers={"X-Api-Key": "gateway1-dev-key"})
    assert machine.status_code == 409
    assert "API key is revoked by an admin" in machine.json()["detail"]


async def test_an_admin_revokes_one_key_of_a_machine(api: Api) -> None:
    made = await api.post(
        "/api/v1/users",
        user="admin",
        json={"username": "svc103", "role": "service", "service_code": "103"},
    )
    assert made.status_code == 201
    keys = [
        (
            await api.post("/api/v1/users/svc103/api-keys", user="admin", json={"label": label})
        ).json()
        for label in ("old server", "new server")
    ]
    listed = await api.get("/api/v1/users/svc103/api-keys", user="admin")
    assert [(k["label"], k["revoked_at"]) for k in listed.json()] == [
        ("old server", None),
        ("new server", None),
    ]
    assert "key" not in listed.json()[0]
    old, new = ({"X-Api-Key": k["key"]} for k in keys)
    revoked = await api.post(f"/api/v1/users/svc103/api-keys/{keys[0]['id']}/revoke", user="admin")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert await _me(api, old) == 401
    assert await _me(api, new) == 200
    again = await api.post(f"/api/v1/users/svc103/api-keys/{keys[0]['id']}/revoke", user="admin")
    assert again.status_code == 409
    elsewhere = await api.post(
        f"/api/v1/users/gateway1/api-keys/{keys[1]['id']}/revoke", user="admin"
    )
    assert elsewhere.status_code == 404
    assert await _me(api, new) == 200
    audited = await api.get("/api/v1/audit?action=api_key.revoke", user="admin")
    assert [e["detail"]["key_id"] for e in audited.json()["items"]] == [keys[0]["id"]]


async def test_another_process_refuses_a_revoked_token_soon(api: Api, settings: Settings) -> None:
    # A second process on the same database with a bus of its own (no Redis): its remembered
    # account is read again within the cache's short life, and the session with it.
    async with running_api(settings) as other:
        headers = await _bearer(api, "supervisor1")
        assert await _me(other, headers) == 200
        (session,) = (
            await api.get("/api/v1/auth/sessions?username=supervisor1", user="admin")
        ).json()
        revoked = await api.post(f"/api/v1/auth/sessions/{session['id']}/revoke", user="admin")
        assert revoked.status_code == 204

        async def refused() -> bool | None:
            return True if await _me(other, headers) == 401 else None

        await eventually(refused, what="the other process refusing the revoked token")
        assert TTL_S <= 1.0


def _token(settings: Settings, me: dict[str, Any], session_id: uuid.UUID | None = None) -> str:
    """A token for the account ``me`` describes, made here (not by signing in)."""

    class Account:
        username, role = me["username"], me["role"]

    return service.issue_token(
        Account,  # type: ignore[arg-type]
        secret=settings.secret_key.get_secret_value(),
        now=datetime.now(UTC),
        ttl_minutes=60,
        session_id=session_id,
    )


async def test_a_token_from_before_sessions_lasts_until_it_expires(
    api: Api, settings: Settings
) -> None:
    # Tokens issued before this version carry no session: still accepted (a shift is not
    # signed out by an upgrade), revocable only by disabling the account.
    me = (await api.get("/api/v1/auth/me", user="qa1")).json()
    assert await _me(api, {"Authorization": f"Bearer {_token(settings, me)}"}) == 200


async def test_a_tokens_account_and_sign_in_are_read_in_one_statement(api: Api) -> None:
    headers = await _bearer(api, "operator1")
    api.app.state.credentials.forget_all()  # as on a process that has not seen the token yet
    with statements(api.runtime.engine) as seen:
        assert await _me(api, headers) == 200
    reads = [s for s in seen if "FROM users" in s or "FROM auth_sessions" in s]
    assert len(reads) == 1, seen
    assert "auth_sessions" in reads[0], reads


async def test_a_token_naming_another_accounts_sign_in_is_refused(
    api: Api, settings: Settings
) -> None:
    await _bearer(api, "operator2")  # a sign-in of operator2's
    listed = await api.get("/api/v1/auth/sessions", user="admin", params={"username": "operator2"})
    assert listed.status_code == 200, listed.text
    theirs = uuid.UUID(listed.json()[0]["id"])
    me = (await api.get("/api/v1/auth/me", user="operator1")).json()
    for session_id in (theirs, uuid.uuid4()):  # operator2's sign-in, then none at all
        forged = _token(settings, me, session_id)
        answer = await api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
        assert answer.status_code == 401, answer.text
        assert "not valid" in answer.json()["detail"]
