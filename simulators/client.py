"""Talking to the server: the server's clock as seen from here, and the accounts a run needs.

The simulator creates its own machine and operator accounts through the admin API (any mode):
``sim-gateway`` (role gateway), ``sim-svc-<code>`` per service (role service) with API keys,
``sim-op-NN`` operators with skills and ``sim-analyst`` (role analyst, for the callback
statistics). Creating an account that exists is fine (409); a person's password is derived
from its name, so a second run signs in again. In webhook mode the run points each service's
webhook at its receiver (with a new HMAC secret) and puts the previous URL back at the end.

:class:`TimedTransport` times every request by endpoint, for the report's ``timing``;
:class:`Background` keeps the requests nobody waits for from crowding out those callers wait
for.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from simulators.report import percentile

API = "/api/v1"
ANALYST = "sim-analyst"
_IDS = re.compile(r"/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+)(?=/|$)")


def endpoint(method: str, path: str) -> str:
    """``POST /calls/{id}/events``: a request's endpoint, ids and numbers folded."""
    return f"{method} {_IDS.sub('/{id}', path.removeprefix(API))}"


class Timings:
    """Wall seconds per endpoint (request sent to response headers received)."""

    def __init__(self) -> None:
        self.samples: defaultdict[str, list[float]] = defaultdict(list)

    def add(self, key: str, seconds: float) -> None:
        """Count one request."""
        self.samples[key].append(seconds)

    def summary(self, top: int = 12) -> dict[str, dict[str, float]]:
        """The endpoints that took the most time in all: count, mean and p95 milliseconds."""
        ranked = sorted(self.samples.items(), key=lambda item: -sum(item[1]))[:top]
        return {
            key: {
                "count": len(values),
                "mean_ms": round(1000 * sum(values) / len(values), 1),
                "p95_ms": round(1000 * percentile(values, 0.95), 1),
            }
            for key, values in ranked
        }


class Background:
    """At most ``limit`` requests that no caller waits for (services' status reports, AML,
    heartbeats) in flight at once; 0 for no limit. On SQLite every request that writes takes
    the single writer's lock in turn, so a crowd of them delays the ACD's commands and the
    requests a call waits for (accept, events, the card)."""

    def __init__(self, limit: int = 0) -> None:
        self.semaphore = asyncio.Semaphore(limit) if limit > 0 else None

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the slots (at once when there is no limit)."""
        if self.semaphore is None:
            yield
            return
        async with self.semaphore:
            yield


class TimedTransport(httpx.AsyncBaseTransport):
    """An HTTP transport that records each request's time in :class:`Timings`."""

    def __init__(self, timings: Timings, inner: httpx.AsyncBaseTransport) -> None:
        self.timings = timings
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send the request through the inner transport, timed."""
        started = time.perf_counter()
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.timings.add(
                endpoint(request.method, request.url.path), time.perf_counter() - started
            )

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self.inner.aclose()


class ServerClock:
    """The server's clock (``DISPATCH_TIME_SCALE`` times wall time) extrapolated locally."""

    def __init__(self, server_now: datetime, scale: float) -> None:
        self.origin = server_now
        self.scale = scale
        self._mono = time.monotonic()

    def elapsed(self) -> float:
        """Seconds of server time since the run started."""
        return (time.monotonic() - self._mono) * self.scale

    def now(self) -> datetime:
        """The server's current instant (UTC)."""
        return self.origin + timedelta(seconds=self.elapsed())

    def stamp(self) -> str:
        """The current instant as ISO 8601 with offset, for events and statuses."""
        return self.now().isoformat()

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of server time."""
        await asyncio.sleep(max(seconds, 0.0) / self.scale)


async def sign_in(http: httpx.AsyncClient, username: str, password: str) -> str:
    """A bearer token for the account."""
    answer = await http.post(f"{API}/auth/token", data={"username": username, "password": password})
    if answer.status_code != 200:
        raise RuntimeError(f"cannot sign in as {username}: {answer.status_code} {answer.text}")
    token: str = answer.json()["access_token"]
    return token


async def server_now(http: httpx.AsyncClient, token: str) -> datetime:
    """The server clock's current instant (read from the queue summary's ``at``)."""
    answer = await http.get(f"{API}/queues", headers={"Authorization": f"Bearer {token}"})
    answer.raise_for_status()
    at = datetime.fromisoformat(answer.json()["at"])
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def measured_scale(http: httpx.AsyncClient, token: str, wall_s: float = 0.5) -> float:
    """How fast the server's clock runs compared with wall time (about DISPATCH_TIME_SCALE)."""
    first, t0 = await server_now(http, token), time.monotonic()
    await asyncio.sleep(wall_s)
    second, t1 = await server_now(http, token), time.monotonic()
    return (second - first).total_seconds() / max(t1 - t0, 1e-6)


def operator_password(username: str) -> str:
    """The password the simulator gives its operator (and analyst) accounts."""
    return f"{username}-simulated"


@dataclass
class Accounts:
    """What the run signs in with."""

    gateway_key: str
    service_keys: dict[str, str] = field(default_factory=dict)
    operators: list[str] = field(default_factory=list)


class Admin:
    """The admin API, used only to create the run's accounts and keys."""

    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}

    async def ensure_user(self, username: str, role: str, **extra: Any) -> None:
        """Create the account unless it exists."""
        body = {"username": username, "role": role, **extra}
        answer = await self.http.post(f"{API}/users", json=body, headers=self.headers)
        if answer.status_code not in (201, 409):
            raise RuntimeError(f"cannot create {username}: {answer.status_code} {answer.text}")

    async def api_key(self, username: str) -> str:
        """A new API key for a machine account."""
        answer = await self.http.post(
            f"{API}/users/{username}/api-keys", json={"label": "simulator"}, headers=self.headers
        )
        answer.raise_for_status()
        key: str = answer.json()["key"]
        return key

    async def services(self) -> dict[str, str | None]:
        """The active emergency services' codes and their webhook URLs."""
        answer = await self.http.get(f"{API}/services", headers=self.headers)
        answer.raise_for_status()
        return {
            row["code"]: row.get("webhook_url") for row in answer.json() if row.get("active", True)
        }

    async def webhook(self, code: str, url: str | None, secret: str | None = None) -> None:
        """Point the service's webhook at ``url`` (signed with ``secret``), or clear it."""
        body: dict[str, str | None] = {"webhook_url": url}
        if secret is not None:
            body["webhook_secret"] = secret
        answer = await self.http.patch(f"{API}/services/{code}", json=body, headers=self.headers)
        if answer.status_code != 200:
            raise RuntimeError(
                f"cannot set the webhook of {code}: {answer.status_code} {answer.text}"
            )

    async def ring_time(self, seconds: int) -> list[str]:
        """Let every queue ring an operator at least ``seconds`` (server time); the queues
        changed. A fast clock turns a 10 s ring into a fraction of a wall second, shorter than
        the round trip from offer to accept."""
        answer = await self.http.get(f"{API}/queues", headers=self.headers)
        answer.raise_for_status()
        changed = []
        for row in answer.json()["queues"]:
            name = row["name"]
            detail = await self.http.get(f"{API}/queues/{name}", headers=self.headers)
            if detail.status_code == 200 and detail.json()["queue"]["offer_timeout_s"] < seconds:
                patch = await self.http.patch(
                    f"{API}/queues/{name}", json={"offer_timeout_s": seconds}, headers=self.headers
                )
                patch.raise_for_status()
                changed.append(name)
        return changed

    async def districts(self, region: str | None = None) -> dict[str, Any]:
        """District outlines as GeoJSON (all, or one region's)."""
        params = {"region": region} if region else {}
        answer = await self.http.get(f"{API}/geo/districts", params=params, headers=self.headers)
        answer.raise_for_status()
        collection: dict[str, Any] = answer.json()
        return collection

    async def accounts(self, operators: int, services: list[str]) -> Accounts:
        """Create (or reuse) the gateway, the services', the operators' and the analyst's
        accounts."""
        await self.ensure_user("sim-gateway", "gateway", full_name="Simulated gateway")
        await self.ensure_user(
            ANALYST, "analyst", password=operator_password(ANALYST), full_name="Simulation report"
        )
        accounts = Accounts(gateway_key=await self.api_key("sim-gateway"))
        for code in services:
            name = f"sim-svc-{code}"
            await self.ensure_user(name, "service", service_code=code, full_name=f"Service {code}")
            accounts.service_keys[code] = await self.api_key(name)
        for number in range(1, operators + 1):
            name = f"sim-op-{number:02d}"
            await self.ensure_user(
                name, "operator", password=operator_password(name), full_name=f"Bot {number}"
            )
            accounts.operators.append(name)
        return accounts
