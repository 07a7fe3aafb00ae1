"""Every route checks the role: a table of who may call what, tested over every route.

The table is ``role_table.py``; a new route without a row there fails
``test_every_route_is_in_the_table``: decide who may call it, then add it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from dispatch.app import ROUTERS, create_app
from dispatch.auth.roles import Role
from dispatch.core.settings import Settings
from tests.auth.role_table import OWN_SIGN_IN, POLICY, PUBLIC, SAMPLE_PARAMS
from tests.fixtures.api import Api, running_api
from tests.fixtures.databases import TEST_SCRYPT_N, SqliteTemplate

# The module's app and its threads live as long as the module (tests/fixtures/hygiene.py).
pytestmark = pytest.mark.module_threads


def _routes() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                found.update((method, route.path) for method in (route.methods or set()) - {"HEAD"})
            elif isinstance(route, APIWebSocketRoute):
                found.add(("WS", route.path))
            else:
                raise AssertionError(f"unexpected route type {type(route).__name__}")
    return found


def test_the_routers_are_what_the_app_serves() -> None:
    served = set(create_app().openapi()["paths"])
    listed = {path for method, path in _routes() if method != "WS"}  # OpenAPI has no websockets
    assert served == listed


def test_no_route_is_hidden_by_one_before_it() -> None:
    # The routers are listed hottest first (a request is matched against the routes in order);
    # the order may change only while every route still answers its own paths.
    ordered = [
        (route, (getattr(route, "methods", None) or {"WS"}) - {"HEAD"})
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute | APIWebSocketRoute)
    ]
    for index, (route, methods) in enumerate(ordered):
        url = _url(route.path)
        for earlier, earlier_methods in ordered[:index]:
            hidden = methods & earlier_methods
            assert not (earlier.path_regex.match(url) and hidden), (
                f"{sorted(hidden)} {route.path} is answered by {earlier.path} before it"
            )


def test_every_route_is_in_the_table() -> None:
    routes = _routes()
    assert routes - POLICY.keys() == set(), "routes without a role policy"
    assert POLICY.keys() - routes == set(), "policy rows for routes that no longer exist"


def _url(path: str) -> str:
    for name, value in SAMPLE_PARAMS.items():
        path = path.replace("{" + name + "}", value)
    return path


async def _credentials(api: Api) -> dict[Role, dict[str, str]]:
    created = await api.post(
        "/api/v1/users",
        user="admin",
        json={"username": "svc102", "role": "service", "service_code": "102"},
    )
    assert created.status_code == 201
    key = await api.post("/api/v1/users/svc102/api-keys", user="admin", json={})
    users = {
        Role.OPERATOR: "operator1",
        Role.SUPERVISOR: "supervisor1",
        Role.QA: "qa1",
        Role.ANALYST: "analyst1",
        Role.TRAINER: "trainer1",
        Role.ADMIN: "admin",
    }
    headers = {role: await api.headers(name) for role, name in users.items()}
    headers[Role.GATEWAY] = {"X-Api-Key": "gateway1-dev-key"}
    headers[Role.SERVICE] = {"X-Api-Key": key.json()["key"]}
    return headers


# Roles are not SQL: one app on one SQLite database serves every case of this module (a fresh
# app per case on both databases cost minutes). The requests carry empty bodies, so what they
# change is at most a refused attempt; the answer checked is only "admitted or not".
@pytest.fixture(scope="module")
def role_settings(sqlite_template: SqliteTemplate) -> Settings:
    """One database for the module."""
    return Settings(
        database_url=sqlite_template.clone(), password_scrypt_n=TEST_SCRYPT_N, log_level="WARNING"
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def role_api(
    role_settings: Settings,
) -> AsyncIterator[tuple[Api, dict[Role, dict[str, str]]]]:
    """The app, and every role's credentials, for the whole module."""
    async with running_api(role_settings) as api:
        yield api, await _credentials(api)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    ("method", "path"), sorted(k for k in POLICY if k[0] != "WS"), ids=lambda v: str(v)
)
async def test_route_admits_exactly_its_roles(
    role_api: tuple[Api, dict[Role, dict[str, str]]], method: str, path: str
) -> None:
    api, credentials = role_api
    allowed = POLICY[(method, path)]
    url = _url(path)
    anonymous = await api.request(method, url, json={})
    if allowed == PUBLIC:
        assert anonymous.status_code not in (401, 403)
        return
    assert anonymous.status_code == 401, anonymous.text
    if allowed == OWN_SIGN_IN:
        return
    for role, headers in credentials.items():
        response = await api.request(method, url, headers=headers, json={})
        if role in allowed:
            assert response.status_code not in (401, 403), (role, response.text)
        else:
            assert response.status_code == 403, (role, response.status_code, response.text)
            assert "needs the role" in response.json()["detail"]


def _websocket_credentials(client: TestClient) -> dict[Role, dict[str, str]]:
    def bearer(username: str) -> dict[str, str]:
        token = client.post(
            "/api/v1/auth/token", data={"username": username, "password": username}
        ).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    admin = bearer("admin")
    created = client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": "svc102", "role": "service", "service_code": "102"},
    )
    assert created.status_code == 201
    key = client.post("/api/v1/users/svc102/api-keys", headers=admin, json={}).json()["key"]
    people = {
        Role.OPERATOR: "operator1",
        Role.SUPERVISOR: "supervisor1",
        Role.QA: "qa1",
        Role.ANALYST: "analyst1",
        Role.ADMIN: "admin",
    }
    headers = {role: bearer(name) for role, name in people.items()}
    headers[Role.GATEWAY] = {"X-Api-Key": "gateway1-dev-key"}
    headers[Role.SERVICE] = {"X-Api-Key": key}
    return headers


def _refusal(client: TestClient, path: str, headers: dict[str, str] | None) -> WebSocketDisconnect:
    try:
        with client.websocket_connect(path, headers=dict(headers or {})) as socket:
            socket.send_json({"type": "hello"})  # not an authentication message
            socket.receive_json()
    except WebSocketDisconnect as disconnect:
        return disconnect
    raise AssertionError(f"{path} accepted {headers}")


@pytest.fixture(scope="module")
def socket_client(
    role_settings: Settings, sqlite_template: SqliteTemplate
) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]]]]:
    """One app behind Starlette's test client for the websocket cases, with credentials."""
    settings = role_settings.model_copy(update={"database_url": sqlite_template.clone()})
    with TestClient(create_app(settings)) as client:
        yield client, _websocket_credentials(client)


@pytest.mark.parametrize(
    ("method", "path"), sorted(k for k in POLICY if k[0] == "WS"), ids=lambda v: str(v)
)
def test_websocket_admits_exactly_its_roles(
    socket_client: tuple[TestClient, dict[Role, dict[str, str]]], method: str, path: str
) -> None:
    client, credentials = socket_client
    allowed = POLICY[(method, path)]
    assert allowed != PUBLIC, "no websocket is public"
    url = _url(path)
    assert _refusal(client, url, None).code in (1008, 4401)
    for role, headers in credentials.items():
        if role in allowed:
            # admitted: the server accepts the upgrade (a refusal closes before accepting)
            with client.websocket_connect(url, headers=dict(headers)):
                continue
        refused = _refusal(client, url, headers)
        assert refused.code in (1008, 4401), (role, refused)
        assert "needs the role" in str(refused.reason), (role, refused.reason)
