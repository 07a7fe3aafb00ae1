"""Input the databases cannot hold is refused at the edge with 422, the same on SQLite and
PostgreSQL, and nothing changes: NUL characters anywhere a field is read, numbers beyond the
database's integers; a value the database still refuses is a 422, never a 500."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.exc import DataError
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint

pytestmark = pytest.mark.asyncio

HUGE = 2**70


def _refused(response: Any, fragment: str) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_request"
    assert fragment in response.json()["detail"]


async def test_nul_characters_are_refused_wherever_a_field_is_read(
    api: Api, engine: AsyncEngine
) -> None:
    operator = await api.headers("operator1")
    admin = await api.headers("admin")
    before = await fingerprint(engine)
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        ("GET", "/api/v1/cards?operator=a%00b", {"headers": operator}, "the query"),
        ("GET", "/api/v1/audit?actor=%00", {"headers": admin}, "the query"),
        ("GET", "/api/v1/users/ad%00min", {"headers": admin}, "the path"),
        (
            "POST",
            "/api/v1/cards",
            {"headers": operator, "json": {"incident": {"description": "smoke\u0000"}}},
            "the body",
        ),
        (
            "POST",
            "/api/v1/users",
            {"headers": admin, "json": {"username": "nul\u0000user", "role": "operator"}},
            "the body",
        ),
        (
            "POST",
            "/api/v1/auth/token",
            {"data": {"username": "admin\x00", "password": "admin"}},
            "the body",
        ),
    ]
    for method, url, kwargs, where in cases:
        response = await api.client.request(method, url, **kwargs)
        _refused(response, f"{where} contains a NUL character")
    assert await fingerprint(engine) == before


async def test_an_escaped_backslash_before_u0000_is_ordinary_text(api: Api) -> None:
    text = "path C:\\u0000\\x"  # a backslash, then the letters u0000: no NUL in it
    created = await api.post(
        "/api/v1/cards", user="operator1", json={"incident": {"description": text}}
    )
    assert created.status_code == 201, created.text
    assert created.json()["incident"]["description"] == text


async def test_numbers_beyond_the_databases_integers_are_refused(
    api: Api, engine: AsyncEngine
) -> None:
    admin = await api.headers("admin")
    operator = await api.headers("operator1")
    before = await fingerprint(engine)
    card = uuid.uuid4()
    for url, headers in [
        (f"/api/v1/audit?offset={HUGE}", admin),
        (f"/api/v1/cards?offset={HUGE}", operator),
        (f"/api/v1/cards/{card}/versions/{2**40}", operator),
        (f"/api/v1/qa/scorecards/ace/versions/{2**40}", admin),
    ]:
        response = await api.client.get(url, headers=headers)
        assert response.status_code == 422, (url, response.text)
    assert await fingerprint(engine) == before


async def test_a_value_the_database_refuses_is_a_422_not_a_500(api: Api) -> None:
    async def refused_by_the_database() -> None:
        raise DataError("INSERT ...", {}, ValueError("value out of int32 range"))

    api.app.add_api_route("/test/refused-by-the-database", refused_by_the_database)
    response = await api.get("/test/refused-by-the-database")
    _refused(response, "does not fit what the database holds")
