"""The benchmarks' HTTP client: one keep-alive ``httpx.AsyncClient`` per worker, and signing in.

Importing this module makes httpcore skip its per-request ``sniffio`` look-up (below).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator

import httpx

# httpcore asks sniffio for the async library on every request; sniffio is not installed, and a
# failed import searches sys.path each time (a third of the client's CPU). None here makes
# that import fail at once, and httpcore then takes asyncio, which is what runs.
sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def clients(base: str, count: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    """A pooled client per worker, each keeping its connection alive.

    Not one client shared by all: httpcore's pool looks at every connection for every request,
    and with 16 workers on one client the client alone took more than a core here and the
    bare endpoint measured 300–800 requests/s instead of about 1,900.
    """
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with contextlib.AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base, limits=limits, timeout=60)
            )
            for _ in range(count)
        ]


async def sign_in(
    http: httpx.AsyncClient, username: str, password: str | None = None
) -> dict[str, str]:
    """A bearer header for the account (demo accounts in dev mode: the password is the
    username)."""
    response = await http.post(
        "/api/v1/auth/token", data={"username": username, "password": password or username}
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def service_key(http: httpx.AsyncClient, admin: dict[str, str], code: str) -> dict[str, str]:
    """A service account for ``code`` made through the admin API, and its ``X-Api-Key``."""
    username = f"bench{code}"
    created = await http.post(
        "/api/v1/users",
        headers=admin,
        json={"username": username, "role": "service", "service_code": code},
    )
    created.raise_for_status()
    key = await http.post(f"/api/v1/users/{username}/api-keys", headers=admin, json={})
    key.raise_for_status()
    return {"X-Api-Key": key.json()["key"]}
