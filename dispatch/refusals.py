"""Every refusal answers with the same body, ``{"detail": ..., "code": ...}`` (and ``errors``
for request validation; ``reasons`` and ``warnings`` for a card that cannot be closed or routed
as it stands), whatever refused it: the domain, request validation, the database's
net, or the framework itself (a body that is not JSON, an unknown path, a method the path does
not take). A 405 names in ``Allow`` every method the path takes, across all its routes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from http import HTTPStatus

import asyncpg
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from dispatch.core.logging import get_logger
from dispatch.errors import DomainError, TooManyRequests

log = get_logger(__name__)
_PARAMETER = re.compile(r"\{[^}]*\}")


def answer_refusals(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Install the handlers on ``app`` whose API routes are those of ``routers``."""
    # Each route's pattern, methods and how literal its template is: where several templates
    # match a path (``/cards/{card_id}`` and ``/cards/{card_id}.xml``), the most literal one is
    # the resource (the other would refuse the value anyway).
    routes: list[tuple[re.Pattern[str], set[str], int]] = [
        (route.path_regex, set(route.methods or ()), len(_PARAMETER.sub("", route.path)))
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
    ]

    def allowed(path: str) -> set[str]:
        matching = [(methods, literal) for regex, methods, literal in routes if regex.match(path)]
        if not matching:
            return set()
        most = max(literal for _, literal in matching)
        return set().union(*(methods for methods, literal in matching if literal == most))

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            taken = allowed(request.url.path)
            if taken:
                headers["Allow"] = ", ".join(sorted(taken))
        try:
            code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
        except ValueError:
            code = "http_error"
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return JSONResponse(
            {"detail": detail, "code": code}, status_code=exc.status_code, headers=headers
        )

    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(ConnectionError, _database_unavailable)
    app.add_exception_handler(PoolTimeout, _database_busy)
    app.add_exception_handler(HTTPException, http_error)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after_s)}
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=headers)


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    """The net under the edge's checks: a value the database refused (a number out of its
    range, a text too long for its column) is the request's fault, and its transaction has
    been rolled back; 422, never a 500."""
    assert isinstance(exc, DataError)
    log.warning("request.data_refused", error=type(exc.orig).__name__, path=request.url.path)
    return JSONResponse(
        {
            "detail": "invalid request: a value does not fit what the database holds "
            "(a number out of range or a text too long)",
            "code": "invalid_request",
        },
        status_code=422,
    )


# How long a client is asked to wait before trying again while the database is unreachable.
DATABASE_RETRY_AFTER_S = 2


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A database that cannot be reached (down, restarting, the connection lost under the
    request) is the server's state, not the request's fault: 503 with the reason and
    ``Retry-After``; the transaction was rolled back, so nothing is half-written. Any other
    database error stays a 500 (a defect to find, not to hide)."""
    assert isinstance(exc, DBAPIError)
    if any(isinstance(cause, _BUSY) for cause in _causes(exc)):
        return await _database_busy(request, exc)
    if (
        exc.connection_invalidated
        or isinstance(exc, (OperationalError, InterfaceError))
        or any(isinstance(cause, _UNAVAILABLE) for cause in _causes(exc))
    ):
        return await _database_unavailable(request, exc)
    raise exc


# What the driver raises when PostgreSQL is not there: refused or lost connections, a server
# starting up, shutting down or in crash recovery (SQLSTATE classes 08 and 57).
_UNAVAILABLE = (
    OSError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
)


# What the driver raises when the request met another transaction's change and was rolled
# back for it: a lock held past ``lock_timeout`` (55P03), a deadlock or a serialization failure
# (SQLSTATE class 40). Trying again is what to do.
_BUSY = (
    asyncpg.exceptions.LockNotAvailableError,
    asyncpg.exceptions.TransactionRollbackError,
)


def _causes(exc: BaseException) -> list[BaseException]:
    """The chain of exceptions ``exc`` was raised from (the driver's is deeper down)."""
    chain: list[BaseException] = []
    step = exc.__cause__ or exc.__context__
    while step is not None and len(chain) < 10:
        chain.append(step)
        step = step.__cause__ or step.__context__
    return chain


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    why = "the database is unavailable for a moment"
    return _try_again(request, exc, "database_unavailable", why)


async def _database_busy(request: Request, exc: Exception) -> JSONResponse:
    """A row or lock the request needed stayed held by another transaction past the bound
    (``db_lock_wait_s``: PostgreSQL's ``lock_timeout``), the request and another change
    deadlocked, or no pooled connection came free in time: the request was rolled back, and
    trying again shortly is right."""
    return _try_again(
        request,
        exc,
        "database_busy",
        "the database is busy with what this request needs, another change to the same record "
        "in the way",
    )


def _try_again(request: Request, exc: Exception, code: str, why: str) -> JSONResponse:
    """503 ``code``: ``why``, nothing stored, and when to try again (``Retry-After``)."""
    log.warning(f"request.{code}", error=type(exc).__name__, path=request.url.path)
    return JSONResponse(
        {
            "detail": f"{why} (nothing was stored); try again in {DATABASE_RETRY_AFTER_S} s",
            "code": code,
        },
        status_code=503,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(
            {"field": where, "message": error.get("msg", ""), "type": error.get("type")}
        )
    summary = "; ".join(f"{p['field'] or 'body'}: {p['message']}" for p in problems)
    return JSONResponse(
        {"detail": f"invalid request: {summary}", "code": "invalid_request", "errors": problems},
        status_code=422,
    )
