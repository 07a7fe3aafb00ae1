"""Hundreds of consoles stay consistent: 300 real websocket clients, a burst of calls and call
events, and every client ends up with the same state — the one the database holds."""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import UTC, datetime

import httpx
import pytest

from tests.consoles.conftest import GATEWAY, ConsoleClient, open_console, post_call, sign_in
from tests.fixtures.live import Live

pytestmark = pytest.mark.asyncio

CONSOLES = 300
USERS = ("operator1", "operator2", "supervisor1")
CALLS = 40
ABANDONED = 15
_events = itertools.count(1)


async def _abandon(http: httpx.AsyncClient, call_id: str) -> None:
    body = {
        "event_id": f"burst-{next(_events)}",
        "type": "abandoned",
        "at": datetime.now(UTC).isoformat(),
    }
    response = await http.post(f"/api/v1/calls/{call_id}/events", json=body, headers=GATEWAY)
    assert response.status_code == 201, response.text


def _hubs_queue_values(live: Live) -> list[tuple[float, float, object]]:
    """Each shared flush of the live server's console hub from now on: its loop times (began,
    ended) and the operator view's ``queue`` waiting count it left stored."""
    hub = live.app.state.consoles
    compute = hub._compute_shared
    seen: list[tuple[float, float, object]] = []

    async def recorded(dirty: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
        loop = asyncio.get_running_loop()
        began = loop.time()
        changed: dict[tuple[str, str], str] = await compute(dirty)
        text = hub.shared.get(("operator", "queue"))
        waiting = json.loads(text)["overall"]["waiting"] if text else None
        seen.append((round(began, 3), round(loop.time(), 3), waiting))
        return changed

    hub._compute_shared = recorded
    return seen


async def test_300_consoles_converge_to_the_same_state_after_a_burst(
    live: Live, http: httpx.AsyncClient
) -> None:
    tokens = {user: await sign_in(http, user) for user in USERS}
    stored = _hubs_queue_values(live)
    supervisor = {"Authorization": f"Bearer {tokens['supervisor1']}"}
    consoles: list[tuple[str, ConsoleClient]] = []
    for start in range(0, CONSOLES, 50):
        batch = range(start, min(start + 50, CONSOLES))
        opened = await asyncio.gather(
            *(open_console(live, tokens[USERS[n % len(USERS)]]) for n in batch)
        )
        consoles.extend((USERS[n % len(USERS)], c) for n, c in zip(batch, opened, strict=True))

    try:
        # The burst: calls from the gateway in parallel, then some callers hang up while waiting.
        calls = await asyncio.gather(
            *(post_call(http, caller_number=f"+99890{n:07d}") for n in range(CALLS))
        )
        await asyncio.gather(*(_abandon(http, call["id"]) for call in calls[:ABANDONED]))
        truth = await http.get("/api/v1/queues", headers=supervisor)
        expected = truth.json()["overall"]["waiting"]
        assert expected == CALLS - ABANDONED  # nobody is available: every other call still waits

        async def settle(client: ConsoleClient) -> None:
            # Reading raises on any gap in seq, so convergence here also means "no message lost".
            await client.until(lambda parts: parts["queue"]["overall"]["waiting"] == expected, 120)

        await asyncio.gather(*(settle(client) for _, client in consoles))

        # Shared parts are identical on every console; personal parts on every console of a user.
        reference = consoles[0][1].parts["queue"]
        assert all(client.parts["queue"] == reference for _, client in consoles)
        for user in USERS:
            own = [client.parts for name, client in consoles if name == user]
            assert all(parts == own[0] for parts in own)
            assert own[0]["me"]["username"] == user
        # Coalescing: 40 calls and 15 hang-ups (with their queue events) did not each become a
        # message; each console got at most one delta per event, and no snapshot after the first.
        assert all(client.snapshots == 1 for _, client in consoles)
        assert all(len(client.deltas) <= CALLS + ABANDONED for _, client in consoles)
        # A console opened now starts from the state the database holds now (the same as the
        # others', unless the queue moved since they settled: CI run 65 once saw 27 waiting
        # here where 25 had been read and shown, not reproduced in three runs alone).
        late = await open_console(live, tokens["operator1"])
        consoles.append(("operator1", late))
        now = await http.get("/api/v1/queues", headers=supervisor)
        # Twice in CI (runs 65 and 132) the late console had more waiting than the database,
        # after every console had shown the database's count; the hub's own record of what
        # its flushes stored, and when, is the first thing to read if it comes back.
        assert late.parts["queue"]["overall"]["waiting"] == now.json()["overall"]["waiting"], (
            f"the hub's flushes of the queue part (began, ended, waiting): {stored[-12:]}"
        )
    finally:  # a failed check must not leave 300 sockets for the next test's warnings
        await asyncio.gather(
            *(client.socket.close() for _, client in consoles), return_exceptions=True
        )
