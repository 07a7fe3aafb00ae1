"""Two real server processes on one PostgreSQL hand out calls under concurrent load: no call
goes to two operators, no operator gets two calls at once, every call is answered once, and
one process (the ACD's leader) makes every offer."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from dispatch.calls.gateway.models import GatewayCommand
from dispatch.core.database import create_engine
from dispatch.queues.models import Offer, QueueEntry, QueueLogEntry
from tests.fixtures.databases import PostgresTemplate
from tests.fixtures.processes import dispatch_env, server_process

pytestmark = [pytest.mark.asyncio, pytest.mark.postgres]
GATEWAY = {"X-Api-Key": "gateway1-dev-key"}
OPERATORS = [f"agent{n:02d}" for n in range(1, 9)]
CALLS = 40


@asynccontextmanager
async def server(url: str, log: Path) -> AsyncIterator[httpx.AsyncClient]:
    """``python -m dispatch serve --no-migrate`` on its own port, with the ACD worker on."""
    env = dispatch_env(
        DISPATCH_DATABASE_URL=url,
        DISPATCH_QUEUE_POLL_S="0.05",
        DISPATCH_FEED_WORKER="false",
        DISPATCH_OPERATOR_GRACE_S="600",
    )
    with server_process(env, log, args=["--no-migrate"]) as process:
        async with httpx.AsyncClient(base_url=process.http, timeout=30) as client:
            yield client


class Load:
    """Both servers, used in turn; every answer is checked for a server error."""

    def __init__(self, clients: list[httpx.AsyncClient]) -> None:
        self.clients = clients
        self.turn = itertools.count()
        self.tokens: dict[str, str] = {}
        self.answered: dict[str, str] = {}  # call id → operator, from the accept answers
        self.ended = 0

    async def request(self, method: str, url: str, user: str | None = None, **kw: Any) -> Any:
        client = self.clients[next(self.turn) % len(self.clients)]
        headers = dict(kw.pop("headers", {}))
        if user is not None:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        response = await client.request(method, url, headers=headers, **kw)
        assert response.status_code < 500, (url, response.text)
        return response

    async def sign_in(self, user: str, password: str) -> None:
        response = await self.request(
            "POST", "/api/v1/auth/token", data={"username": user, "password": password}
        )
        self.tokens[user] = response.json()["access_token"]

    async def bot(self, name: str, done: asyncio.Event) -> None:
        """An operator: accepts what is offered, talks a moment, and the caller hangs up."""
        while not done.is_set():
            me = (await self.request("GET", "/api/v1/operators/me", user=name)).json()
            offer = me["offer"]
            if offer is None:
                await asyncio.sleep(0.05)  # a console would be told; polling is enough here
                continue
            accepted = await self.request("POST", f"/api/v1/offers/{offer['id']}/accept", user=name)
            if accepted.status_code != 200:
                continue
            assert offer["call_id"] not in self.answered, "a call was answered twice"
            self.answered[offer["call_id"]] = name
            await asyncio.sleep(0.01)
            ended = await self.request(
                "POST",
                f"/api/v1/calls/{offer['call_id']}/events",
                headers=GATEWAY,
                json={
                    "event_id": f"end-{offer['call_id']}",
                    "type": "ended",
                    "at": datetime.now(UTC).isoformat(),
                },
            )
            assert ended.status_code == 201, ended.text
            self.ended += 1
            if self.ended == CALLS:
                done.set()


async def test_two_workers_on_one_postgres_never_double_assign(
    postgres_template: PostgresTemplate, tmp_path: Path
) -> None:
    name, url = await postgres_template.clone()
    try:
        async with server(url, tmp_path / "a.log") as a, server(url, tmp_path / "b.log") as b:
            load = Load([a, b])
            await load.sign_in("admin", "admin")
            await load.sign_in("supervisor1", "supervisor1")
            changed = await load.request(
                "PATCH",
                "/api/v1/queues/voice-uz",
                user="supervisor1",
                json={"wrap_up_s": 0, "offer_timeout_s": 120, "strategy": "longest-idle"},
            )
            assert changed.status_code == 200, changed.text
            for operator in OPERATORS:
                password = f"{operator}-password"
                created = await load.request(
                    "POST",
                    "/api/v1/users",
                    user="admin",
                    json={"username": operator, "role": "operator", "password": password},
                )
                assert created.status_code == 201, created.text
                await load.sign_in(operator, password)
                skills = {"languages": {"uz": 0}, "channels": {"voice": 0}}
                await load.request("PUT", "/api/v1/operators/me/skills", user=operator, json=skills)
                await load.request(
                    "POST", "/api/v1/operators/me/state", user=operator, json={"state": "available"}
                )

            done = asyncio.Event()
            bots = [asyncio.create_task(load.bot(o, done)) for o in OPERATORS]

            async def call(n: int) -> None:
                body = {"channel": "voice", "language": "uz", "caller_number": f"+9989{n:08d}"}
                posted = await load.request("POST", "/api/v1/calls", headers=GATEWAY, json=body)
                assert posted.status_code == 201, posted.text

            await asyncio.gather(*(call(n) for n in range(CALLS)))
            waiter = asyncio.create_task(done.wait())
            try:
                async with asyncio.timeout(120):
                    # A bot that fails ends the wait at once, with its error.
                    await asyncio.wait([waiter, *bots], return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in [waiter, *bots]:
                    task.cancel()
                results = await asyncio.gather(*bots, return_exceptions=True)
            for result in results:
                if not isinstance(result, asyncio.CancelledError | None):
                    raise AssertionError(f"an operator bot failed: {result!r}") from result
            assert len(load.answered) == CALLS
        for log in ("a.log", "b.log"):
            assert "Traceback" not in (tmp_path / log).read_text(), (tmp_path / log).read_text()
        await check_database(url, load.answered)
    finally:
        await postgres_template.drop(name)


async def check_database(url: str, answered: dict[str, str]) -> None:
    """What the database says matches: one answer per call, one call at a time per operator."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            statuses = dict(
                (
                    await connection.execute(
                        select(QueueEntry.status, func.count()).group_by(QueueEntry.status)
                    )
                ).all()
            )
            accepted = (
                await connection.execute(
                    select(Offer.call_id, Offer.operator).where(Offer.status == "accepted")
                )
            ).all()
            workers = set((await connection.scalars(select(Offer.offered_by).distinct())).all())
            offers = await connection.scalar(select(func.count()).select_from(Offer))
            commands = await connection.scalar(
                select(func.count())
                .select_from(GatewayCommand)
                .where(GatewayCommand.command == "offer")
            )
            lines = (
                await connection.execute(
                    select(QueueLogEntry.operator, QueueLogEntry.event)
                    .where(QueueLogEntry.event.in_(["connect", "complete"]))
                    .order_by(QueueLogEntry.id)
                )
            ).all()
    finally:
        await engine.dispose()
    assert statuses == {"completed": CALLS}
    assert len(accepted) == CALLS
    assert len({call_id for call_id, _ in accepted}) == CALLS  # no call answered twice
    assert {str(call_id): operator for call_id, operator in accepted} == answered
    assert offers == commands  # every offer reached the gateway's outbox
    # One ACD in the centre (a singleton, core/leadership): one process handed out every call,
    # the other's calls and accepts reached it through the database.
    assert len(workers) == 1, workers
    sequence: dict[str, list[str]] = defaultdict(list)
    for operator, event in lines:
        assert operator is not None
        sequence[operator].append(event)
    for operator, events in sequence.items():
        # connect, complete, connect, complete, ...: never two calls at once
        assert events == ["connect", "complete"] * (len(events) // 2), operator
    assert sum(len(events) for events in sequence.values()) == 2 * CALLS
