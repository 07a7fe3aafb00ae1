"""Talking to the server: the server's clock as seen from here, and the accounts a run needs.

The simulator creates its own machine and operator accounts through the admin API (any mode):
``sim-gateway`` (role gateway), ``sim-svc-<code>`` per service (role service) with API keys,
and ``sim-op-NN`` operators with skills. Creating an account that exists is fine (409); an
operator's password is derived from its name, so a second run signs in again.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

API = "/api/v1"


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
    """The password the simulator gives its operator accounts."""
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

    async def services(self) -> list[str]:
        """The codes of the active emergency services."""
        answer = await self.http.get(f"{API}/services", headers=self.headers)
        answer.raise_for_status()
        return [row["code"] for row in answer.json() if row.get("active", True)]

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
        """Create (or reuse) the gateway, the services' and the operators' accounts."""
        await self.ensure_user("sim-gateway", "gateway", full_name="Simulated gateway")
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
