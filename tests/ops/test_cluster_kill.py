"""Two server processes on one PostgreSQL and Redis (issue 21): one is killed with SIGKILL
under load; nothing acknowledged is lost, and every singleton runs once, in the survivor.

Real parts only: PostgreSQL and Redis from the suite's servers, two ``python -m dispatch serve
--no-migrate`` processes, a webhook receiver for police (102), a gateway on the survivor's
websocket. Operators create and route cards and the gateway posts calls on both processes
the whole time; the process leading the singletons (the first started) is killed in the middle.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import websockets
from sqlalchemy import text

from dispatch.core.database import opened_engine
from dispatch.core.leadership import NAMESPACE, lock_key
from tests.feeds.conftest import Receiver, receiving
from tests.fixtures.databases import PostgresTemplate
from tests.fixtures.processes import SINGLETONS, ServerProcess, dispatch_env, server_process
from tests.fixtures.waiting import eventually

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.timeout(240),
]

GATEWAY = {"X-Api-Key": "gateway1-dev-key"}
SERVICE = "102"
TAKE_OVER_S = 5.0
_numbers = itertools.count(1)


@dataclass
class Load:
    """What the clients were told was stored (an answer lost in the kill counts as nothing)."""

    cards: list[str] = field(default_factory=list)
    routed: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    lost_answers: int = 0
    refused: list[str] = field(default_factory=list)
    stop: bool = False


@contextlib.asynccontextmanager
async def database(postgres_template: PostgresTemplate) -> AsyncIterator[str]:
    name, url = await postgres_template.clone()
    try:
        yield url
    finally:
        await postgres_template.drop(name)


async def sign_in(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await http.post(
        "/api/v1/auth/token", data={"username": username, "password": username}
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def leads(server: ServerProcess) -> list[str] | None:
    """The singletons ``server`` runs now; None when it does not answer."""
    with contextlib.suppress(httpx.HTTPError, ValueError):
        async with httpx.AsyncClient(base_url=server.http, timeout=2) as http:
            found: list[str] = (await http.get("/healthz")).json()["leads"]
            return found
    return None


async def held_locks(url: str) -> dict[str, int]:
    """How many sessions hold each singleton's advisory lock."""
    async with opened_engine(url) as engine, engine.connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT objid::bigint AS key, count(*) AS n FROM pg_locks "
                    "WHERE locktype = 'advisory' AND granted AND classid = :namespace "
                    "GROUP BY objid"
                ),
                {"namespace": NAMESPACE},
            )
        ).all()
    by_key = {row.key: row.n for row in rows}
    return {name: by_key.get(lock_key(name), 0) for name in SINGLETONS}


async def operator(http: httpx.AsyncClient, load: Load) -> None:
    """Create and route cards until told to stop; a lost answer is a card not acknowledged."""
    headers = await sign_in(http, "operator1")
    while not load.stop:
        try:
            created = await http.post(
                "/api/v1/cards",
                headers=headers,
                json={"incident": {"type": "road.accident_injuries", "victims": 1}},
            )
            if created.status_code != 201:
                load.refused.append(f"create {created.status_code}")
                continue
            card_id = created.json()["id"]
            load.cards.append(card_id)
            routed = await http.post(
                f"/api/v1/cards/{card_id}/route", headers=headers, json={"services": [SERVICE]}
            )
            if routed.status_code != 200:
                load.refused.append(f"route {routed.status_code}")
                continue
            load.routed.append(card_id)
        except httpx.TransportError:
            load.lost_answers += 1
            await asyncio.sleep(0.1)


async def gateway_calls(http: httpx.AsyncClient, load: Load) -> None:
    """Post voice calls in Uzbek until told to stop (each answered 201 is a call the centre
    has)."""
    while not load.stop:
        body = {
            "channel": "voice",
            "language": "uz",
            "caller_number": f"+99891{next(_numbers):07d}",
        }
        try:
            response = await http.post("/api/v1/calls", json=body, headers=GATEWAY)
            if response.status_code == 201:
                load.calls.append(response.json()["id"])
            else:
                load.refused.append(f"call {response.status_code}")
        except httpx.TransportError:
            load.lost_answers += 1
        await asyncio.sleep(0.05)


async def gateway_offers(
    server: ServerProcess, offered: dict[str, str], done: asyncio.Event
) -> None:
    """The gateway on ``server``'s websocket: records whom each call is offered to (the
    latest), acks every command."""
    url = f"{server.ws}/ws/gateway?api_key={GATEWAY['X-Api-Key']}"
    async with websockets.connect(url, open_timeout=10) as socket:
        while not done.is_set():
            try:
                raw = await asyncio.wait_for(socket.recv(), 0.5)
            except TimeoutError:
                continue
            message = json.loads(raw)
            if message.get("type") != "command":
                continue
            if message["command"] == "offer":
                offered[message["call_id"]] = message["operator"]
            await socket.send(json.dumps({"type": "ack", "command_id": message["command_id"]}))


async def test_killing_the_leading_process_under_load_loses_nothing(
    postgres_template: PostgresTemplate, redis_url: str, tmp_path: Path
) -> None:
    async with database(postgres_template) as url:
        env = cluster_env(url, redis_url, FEED_RETRY_BASE_S="0.2", FEED_RETRY_MAX_S="1")
        with receiving() as hook:
            async with two_processes(env, tmp_path) as (first, second):
                await _drive(url, first, second, hook)


def cluster_env(url: str, redis_url: str, **settings: str) -> dict[str, str]:
    """The settings of a centre's processes on ``url`` and Redis (a bus channel of their own),
    and ``settings`` (``NAME="value"`` for ``DISPATCH_NAME``)."""
    return dispatch_env(
        DISPATCH_DATABASE_URL=url,
        DISPATCH_REDIS_URL=redis_url,
        DISPATCH_REDIS_CHANNEL=f"test:cluster:{uuid.uuid4().hex}",
        **{f"DISPATCH_{name}": value for name, value in settings.items()},
    )


@contextlib.asynccontextmanager
async def two_processes(
    env: dict[str, str], folder: Path
) -> AsyncIterator[tuple[ServerProcess, ServerProcess]]:
    """Two server processes; the first leads every singleton before the second starts."""
    with server_process(env, folder / "first.log", args=["--no-migrate"]) as first:
        await eventually(
            lambda: leads_all(leads(first)), what="the first process leading", within=20
        )
        with server_process(env, folder / "second.log", args=["--no-migrate"]) as second:
            assert await leads(second) == []
            yield first, second


async def leads_all(found: Awaitable[list[str] | None]) -> bool:
    """Whether ``leads``' answer names every singleton."""
    return sorted(await found or []) == sorted(SINGLETONS)


async def _drive(url: str, first: ServerProcess, second: ServerProcess, hook: Receiver) -> None:
    load = Load()
    offered: dict[str, str] = {}
    done = asyncio.Event()
    async with (
        httpx.AsyncClient(base_url=first.http, timeout=10) as to_first,
        httpx.AsyncClient(base_url=second.http, timeout=10) as to_second,
    ):
        admin = await sign_in(to_second, "admin")
        hooked = await to_second.patch(
            f"/api/v1/services/{SERVICE}", headers=admin, json={"webhook_url": hook.url}
        )
        assert hooked.status_code == 200, hooked.text
        # operator1 is offered a call by the first process's ACD; operator2, available only
        # after the kill, by the survivor's.
        await available(to_second, "operator1")
        gateway = asyncio.create_task(gateway_offers(second, offered, done))
        workers = [
            asyncio.create_task(operator(to_first, load)),
            asyncio.create_task(operator(to_second, load)),
            asyncio.create_task(gateway_calls(to_first, load)),
            asyncio.create_task(gateway_calls(to_second, load)),
        ]
        try:
            await asyncio.sleep(3)
            before = len(load.routed)
            os.kill(first.process.pid, signal.SIGKILL)
            killed = time.monotonic()
            await eventually(
                lambda: leads_all(leads(second)),
                what="the survivor leading every singleton",
                within=15,
            )
            take_over = time.monotonic() - killed
            await available(to_second, "operator2")
            await eventually(
                lambda: "operator2" in offered.values(),
                what="the survivor's ACD offering a call to operator2 through its gateway",
                within=15,
            )
            await asyncio.sleep(2)  # the load goes on against the survivor
        finally:
            load.stop = True
            await asyncio.gather(*workers, return_exceptions=True)
        assert len(load.routed) > before, "no card acknowledged after the kill"
        assert take_over <= TAKE_OVER_S, f"singletons taken over after {take_over:.1f} s"

        # Nothing acknowledged is lost: every card stored, every route delivered to police,
        # every call the gateway was answered for stored and offered (the ACD resumed).
        supervisor = await sign_in(to_second, "supervisor1")
        for card_id in load.cards:
            stored = await to_second.get(f"/api/v1/cards/{card_id}", headers=supervisor)
            assert stored.status_code == 200, f"card {card_id} lost"
        routed = set(load.routed)
        await eventually(
            lambda: routed <= _delivered(hook),
            what=f"every acknowledged route delivered ({len(routed)})",
            within=30,
        )
        calls = set(load.calls)
        for call_id in calls:
            stored = await to_second.get(f"/api/v1/calls/{call_id}", headers=supervisor)
            assert stored.status_code == 200, f"call {call_id} lost"
        done.set()
        await asyncio.wait_for(gateway, 10)
        assert "operator1" in offered.values(), "the first ACD's offer never reached the gateway"

        # Every singleton runs once: one lock each, all held by the survivor.
        assert await held_locks(url) == dict.fromkeys(SINGLETONS, 1)
        assert not load.refused or set(load.refused) <= {"create 503", "route 503"}, load.refused


async def available(http: httpx.AsyncClient, username: str) -> None:
    state = await http.post(
        "/api/v1/operators/me/state",
        headers=await sign_in(http, username),
        json={"state": "available"},
    )
    assert state.status_code == 200, state.text


def _delivered(hook: Receiver) -> set[str]:
    found: set[str] = set()
    for received in hook.bodies():
        card_id = received.headers.get("X-Card-Id")
        if card_id:
            found.add(card_id)
    return found
