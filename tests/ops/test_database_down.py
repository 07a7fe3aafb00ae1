"""A database that cannot be reached: 503 with the reason and ``Retry-After``, never a 500
(``benchmarks/reliability.py`` restarts PostgreSQL under load and counts the same answers)."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from dispatch.core.settings import Settings
from dispatch.refusals import answer_refusals
from tests.fixtures.api import running_api
from tests.fixtures.databases import TEST_SCRYPT_N
from tests.fixtures.servers import free_port

pytestmark = pytest.mark.asyncio


@pytest.mark.postgres
async def test_a_request_while_postgresql_is_unreachable_gets_503_and_a_reason() -> None:
    # (SQLite is a file of the server's own: it cannot be "down"; a busy one is covered by
    # the same answer, as the handler takes every OperationalError.)
    nobody_there = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/dispatch"
    settings = Settings(
        database_url=nobody_there,
        password_scrypt_n=TEST_SCRYPT_N,
        log_level="CRITICAL",
        queue_worker=False,
        feed_worker=False,
    )
    async with running_api(settings) as api:
        signing_in = await api.post(
            "/api/v1/auth/token", data={"username": "operator1", "password": "operator1"}
        )
        health = await api.get("/healthz")
    assert signing_in.status_code == 503, signing_in.text
    assert signing_in.json()["code"] == "database_unavailable"
    assert "nothing was stored" in signing_in.json()["detail"]
    assert signing_in.headers["Retry-After"] == "2"
    assert health.status_code == 503


def _raised_from(cause: BaseException) -> DBAPIError:
    """A DBAPIError raised from ``cause``, as SQLAlchemy's asyncpg dialect raises them."""
    try:
        try:
            raise cause
        except BaseException as driver_error:
            raise DBAPIError("SELECT 1", None, driver_error) from driver_error
    except DBAPIError as wrapped:
        return wrapped


@pytest.mark.parametrize(
    ("cause", "status", "code"),
    [
        (
            asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
            503,
            "database_unavailable",
        ),
        (
            asyncpg.exceptions.AdminShutdownError("terminating connection"),
            503,
            "database_unavailable",
        ),
        (
            asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
            503,
            "database_unavailable",
        ),
        (ConnectionRefusedError(111, "Connection refused"), 503, "database_unavailable"),
        # Another change in the way (dispatch/refusals.py _BUSY): rolled back, try again.
        (asyncpg.exceptions.LockNotAvailableError("lock timeout"), 503, "database_busy"),
        (asyncpg.exceptions.DeadlockDetectedError("deadlock detected"), 503, "database_busy"),
        (asyncpg.exceptions.SerializationError("could not serialize"), 503, "database_busy"),
        (PoolTimeout("QueuePool limit reached"), 503, "database_busy"),
        (asyncpg.exceptions.UndefinedTableError("relation does not exist"), 500, None),
    ],
)
async def test_a_database_going_away_or_busy_mid_request_is_503_and_a_defect_stays_500(
    cause: BaseException, status: int, code: str | None
) -> None:
    app = FastAPI()

    @app.get("/work")
    async def work() -> None:
        raise cause if isinstance(cause, PoolTimeout) else _raised_from(cause)

    answer_refusals(app, [])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/work")
    assert response.status_code == status
    if status == 503:
        assert response.json()["code"] == code
        assert response.headers["Retry-After"] == "2"
