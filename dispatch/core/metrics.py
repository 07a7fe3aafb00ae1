"""Prometheus metrics: one registry per app, an ASGI middleware for HTTP timings."""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dispatch.core.logging import get_logger

log = get_logger(__name__)


class Metrics:
    """The server's metrics; domain packages add theirs through ``registry``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "dispatch_http_requests",
            "HTTP requests answered, by route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_seconds = Histogram(
            "dispatch_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.events_published = Gauge(
            "dispatch_bus_events_published",
            "Events published on the bus since start.",
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


# A client's own request id is kept (logs, audit, the answer's header) only when it is a plain
# token that fits the audit's column; anything else gets a fresh one.
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")


def _request_id(sent: bytes) -> str:
    if _REQUEST_ID.fullmatch(sent):
        return sent.decode("ascii")
    return uuid.uuid4().hex


@dataclass
class DatabaseTime:
    """A request's time in the database so far: its statements (each from being sent to its
    answer being read back, lock waits included) and its commits."""

    statements: int = 0
    statement_s: float = 0.0
    commit_s: float = 0.0


_database_time: ContextVar[DatabaseTime | None] = ContextVar("database_time", default=None)


def statement_took(seconds: float) -> None:
    """Add one statement to the current request's tally (``core.database``'s engine hooks;
    outside a request — the hub, the ACD's timers — nothing is kept)."""
    tally = _database_time.get()
    if tally is not None:
        tally.statements += 1
        tally.statement_s += seconds


@contextlib.contextmanager
def commit_timed() -> Iterator[None]:
    """Time a commit for the current request's tally: its own time, less the statements it
    flushed (those count as statements)."""
    tally = _database_time.get()
    if tally is None:
        yield
        return
    began, statements_before = time.perf_counter(), tally.statement_s
    try:
        yield
    finally:
        flushed = tally.statement_s - statements_before
        tally.commit_s += time.perf_counter() - began - flushed


def server_timing(seconds: float, database: DatabaseTime | None = None) -> bytes:
    """A ``Server-Timing`` value (W3C Server Timing), in milliseconds: ``app``, the time this
    process took from the request's arrival in the app to its answer's start; ``db``, of that
    the time its SQL statements took (sent to answered: the database's work, its lock waits,
    and this process's turn to read the answer), ``desc`` their count; ``commit``, its
    commits' own time. A browser's developer tools show it; a client that timed the whole
    request tells from it how much of its wait was the server's own, and of that how much the
    database's (a benchmark: ``benchmarks/harness/surge_day.py``), and how much the network,
    the load balancer or its own loop."""
    text = f"app;dur={seconds * 1000:.1f}"
    if database is not None:
        text += (
            f', db;dur={database.statement_s * 1000:.1f};desc="{database.statements} statements"'
            f", commit;dur={database.commit_s * 1000:.1f}"
        )
    return text.encode("ascii")


class RequestContextMiddleware:
    """Binds a request id to the logs, answers with ``X-Request-ID`` and ``Server-Timing``
    (this process's own time), times every request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = _request_id(headers.get(b"x-request-id", b""))
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()
        database = DatabaseTime()
        tally = _database_time.set(database)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode("latin-1")),
                    (
                        b"server-timing",
                        server_timing(time.perf_counter() - started, database),
                    ),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _database_time.reset(tally)
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.http_requests.labels(method, template, str(status)).inc()
            self.metrics.http_seconds.labels(method, template).observe(elapsed)
            # A load balancer's health checks (every second per process) would bury the
            # requests people make: logged at debug when they pass.
            quiet = template == "/healthz" and status == 200
            (log.debug if quiet else log.info)(
                "http.request",
                method=method,
                path=scope.get("path"),
                status=status,
                ms=round(elapsed * 1000, 2),
            )
