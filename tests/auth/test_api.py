"""Sign-in, tokens, API keys and account administration through the API."""

from __future__ import annotations

import jwt
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.auth.cache import TTL_S
from dispatch.core.settings import Settings
from tests.fixtures.api import Api, running_api
from tests.fixtures.databases import fingerprint
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio


async def test_sign_in_returns_a_bearer_token_that_works(api: Api) -> None:
    response = await api.post(
        "/api/v1/auth/token", data={"username": "operator1", "password": "operator1"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["role"] == "operator"
    me = await api.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["username"] == "operator1"
    assert "password_hash" not in me.json()


async def test_wrong_password_is_refused_and_only_recorded(api: Api, engine: AsyncEngine) -> None:
    before = await fingerprint(engine)
    typed = "hunter2-typed-as-a-name"
    for form in (
        {"username": "operator1", "password": "wrong-secret"},
        {"username": typed, "password": "nobody"},
    ):
        response = await api.post("/api/v1/auth/token", data=form)
        assert response.status_code == 401
        assert response.json()["detail"] == "wrong username or password"
        assert response.headers["www-authenticate"] == "Bearer"
    after = await fingerprint(engine)
    assert {t for t in after if after[t] != before[t]} == {"audit_log"}  # nothing else changed
    assert after["audit_log"][0] == before["audit_log"][0] + 2
    entries = await api.get("/api/v1/audit?action=auth.sign_in_failed", user="admin")
    recorded = entries.json()["items"]
    assert [(e["actor"], e["target_id"], e["detail"]["reason"]) for e in recorded] == [
        ("unknown", "", "no such account"),
        ("operator1", "operator1", "wrong password"),
    ]
    assert all(e["ip"] == "127.0.0.1" for e in recorded)
    # What was typed is not kept: neither the password nor a name that is no account.
    assert typed not in entries.text
    assert "wrong-secret" not in entries.text


async def test_malformed_sign_in_form_names_the_missing_field(
    api: Api, engine: AsyncEngine
) -> None:
    before = await fingerprint(engine)
    response = await api.post("/api/v1/auth/token", data={"username": "operator1"})
    assert response.status_code == 422
    assert "password" in response.json()["detail"]
    response = await api.post("/api/v1/auth/token", json={"username": "a", "password": "b"})
    assert response.status_code == 422
    assert await fingerprint(engine) == before


async def test_requests_without_or_with_a_bad_token_get_401(api: Api) -> None:
    assert (await api.get("/api/v1/services")).status_code == 401
    bad = await api.get("/api/v1/services", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    assert "sign in again" in bad.json()["detail"]
    forged = jwt.encode(
        {"sub": "admin", "exp": 4102444800},
        "some-other-secret-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    response = await api.get("/api/v1/services", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_expired_token_is_refused(api: Api) -> None:
    secret = api.runtime.settings.secret_key.get_secret_value()
    expired = jwt.encode({"sub": "admin", "exp": 1_000_000}, secret, algorithm="HS256")
    response = await api.get("/api/v1/services", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_machine_signs_in_with_an_api_key(api: Api) -> None:
    ok = await api.get("/api/v1/auth/me", headers={"X-Api-Key": "gateway1-dev-key"})
    assert ok.status_code == 200
    assert ok.json()["role"] == "gateway"
    bad = await api.get("/api/v1/auth/me", headers={"X-Api-Key": "guess"})
    assert bad.status_code == 401


async def test_admin_creates_a_service_account_and_its_key(api: Api) -> None:
    created = await api.post(
        "/api/v1/users",
        user="admin",
        json={"username": "svc103", "role": "service", "service_code": "103"},
    )
    assert created.status_code == 201, created.text
    key = await api.post("/api/v1/users/svc103/api-keys", user="admin", json={"label": "ambulance"})
    assert key.status_code == 201
    plain = key.json()["key"]
    me = await api.get("/api/v1/auth/me", headers={"X-Api-Key": plain})
    assert me.json()["service_code"] == "103"
    audit = await api.get("/api/v1/audit?target_id=svc103", user="admin")
    actions = [item["action"] for item in audit.json()["items"]]
    assert actions == ["api_key.create", "user.create"]
    assert plain not in audit.text


async def test_account_rules_are_enforced(api: Api, engine: AsyncEngine) -> None:
    before = await fingerprint(engine)
    cases = [
        (
            {"username": "operator1", "role": "operator", "password": "12345678"},
            409,
            "already exists",
        ),
        ({"username": "svc", "role": "service"}, 422, "service_code"),
        ({"username": "op9", "role": "operator"}, 422, "password"),
        ({"username": "op9", "role": "operator", "password": "x"}, 422, "password"),
        ({"username": "Bad Name", "role": "operator", "password": "12345678"}, 422, "username"),
        ({"username": "op9", "role": "pilot", "password": "12345678"}, 422, "role"),
    ]
    for body, status, fragment in cases:
        response = await api.post("/api/v1/users", user="admin", json=body)
        assert response.status_code == status, (body, response.text)
        assert fragment in response.json()["detail"]
    key = await api.post("/api/v1/users/operator1/api-keys", user="admin", json={})
    assert key.status_code == 422
    assert await fingerprint(engine) == before


async def test_disabled_account_loses_access_at_once(api: Api) -> None:
    headers = await api.headers("operator2")
    assert (await api.get("/api/v1/auth/me", headers=headers)).status_code == 200
    disabled = await api.patch("/api/v1/users/operator2", user="admin", json={"active": False})
    assert disabled.status_code == 200
    response = await api.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert "disabled" in response.json()["detail"]
    again = await api.post(
        "/api/v1/auth/token", data={"username": "operator2", "password": "operator2"}
    )
    assert again.status_code == 401
    self_disable = await api.patch("/api/v1/users/admin", user="admin", json={"active": False})
    assert self_disable.status_code == 409


async def test_a_process_that_did_not_hear_of_a_disabled_account_refuses_it_soon(
    api: Api, settings: Settings
) -> None:
    # A second server process on the same database, with a bus of its own (no Redis): the
    # account it remembers (auth/cache.py) must still be read again within its short life.
    async with running_api(settings) as other:
        headers = await api.headers("operator2")
        assert (await other.get("/api/v1/auth/me", headers=headers)).status_code == 200
        disabled = await api.patch("/api/v1/users/operator2", user="admin", json={"active": False})
        assert disabled.status_code == 200
        assert (await api.get("/api/v1/auth/me", headers=headers)).status_code == 401

        async def refused() -> bool | None:
            response = await other.get("/api/v1/auth/me", headers=headers)
            return True if response.status_code == 401 else None

        # The bound is generous for a loaded machine; the cache itself lives 1 s (TTL_S).
        await eventually(refused, what="the other process refusing the disabled account")
        assert TTL_S <= 1.0
