"""What the server acknowledged during a run, and whether it still has it afterwards.

:class:`Acknowledged` is an httpx response hook on the simulator's client: it keeps what the
server answered as stored — a call it created (``POST /calls``), a card (``POST /cards``), a
route and the services it names (``POST /cards/{id}/route``), a dropped or abandoned call
(``POST /calls/{id}/events``), a callback attempt's outcome (``POST /callbacks/{id}/attempts``).
An answer lost with a killed process (a 502 from HAProxy, a broken connection) is not an
acknowledgement. :func:`audit` then reads the database and the services' receivers: every
acknowledged call, card and attempt stored; every acknowledged route delivered to each of its
services (waited for, bounded); every dropped or abandoned diallable call with a callback task
(its own, or joined to its number's). Each "missing" figure must be 0.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

_CARD_ROUTE = re.compile(r"^/api/v1/cards/([0-9a-f-]{36})/route$")
_CALL_EVENT = re.compile(r"^/api/v1/calls/([0-9a-f-]{36})/events$")
_ATTEMPT = re.compile(r"^/api/v1/callbacks/([0-9a-f-]{36})/attempts$")
DROPS = frozenset({"dropped", "abandoned"})
DIALLABLE = ("voice", "video")  # dispatch.callbacks.tasks.DIALLABLE


@dataclass
class Acknowledged:
    """What the server answered as stored, as the simulator's requests saw it."""

    calls: set[str] = field(default_factory=set)
    cards: set[str] = field(default_factory=set)
    routes: dict[str, set[str]] = field(default_factory=dict)  # card id → service codes
    drops: set[str] = field(default_factory=set)  # calls whose drop/abandon was taken
    attempts: set[str] = field(default_factory=set)  # attempt ids whose outcome was taken
    since: float | None = None  # only answers after this instant (monotonic) count

    async def hook(self, response: httpx.Response) -> None:
        """The client's response hook: note an acknowledgement."""
        request = response.request
        if request.method != "POST" or response.status_code not in (200, 201):
            return
        if self.since is not None and time.monotonic() < self.since:
            return
        path = request.url.path
        if path in ("/api/v1/calls", "/api/v1/cards"):
            await response.aread()
            found = self.calls if path.endswith("calls") else self.cards
            found.add(str(response.json()["id"]))
        elif match := _CARD_ROUTE.match(path):
            await response.aread()
            services = response.json().get("services") or []
            codes = {
                str(s.get("code") or s.get("service")) for s in services if isinstance(s, dict)
            }
            self.routes.setdefault(match[1], set()).update(codes)
        elif match := _CALL_EVENT.match(path):
            if json.loads(request.content or b"{}").get("type") in DROPS:
                self.drops.add(match[1])
        elif _ATTEMPT.match(path):
            attempt = json.loads(request.content or b"{}").get("attempt_id")
            if attempt:
                self.attempts.add(str(attempt))

    def counts(self) -> dict[str, int]:
        """How many of each were acknowledged."""
        return {
            "calls": len(self.calls),
            "cards": len(self.cards),
            "routes": sum(len(codes) for codes in self.routes.values()),
            "drops": len(self.drops),
            "attempts": len(self.attempts),
        }


async def _present(
    connection: asyncpg.Connection, table: str, ids: set[str], also: str = "TRUE"
) -> set[str]:
    rows = await connection.fetch(
        f"SELECT id::text FROM {table} WHERE id = ANY($1::uuid[]) AND {also}",  # noqa: S608
        [uuid.UUID(i) for i in ids],
    )
    return {row[0] for row in rows}


async def _callbacks(connection: asyncpg.Connection, drops: set[str]) -> dict[str, Any]:
    """Diallable dropped calls without a task of their own or a join; open tasks left."""
    ids = [uuid.UUID(i) for i in drops]
    diallable = await connection.fetch(
        "SELECT id::text FROM calls WHERE id = ANY($1::uuid[]) AND channel = ANY($2::text[]) "
        "AND caller_number IS NOT NULL",
        ids,
        list(DIALLABLE),
    )
    wanted = {row[0] for row in diallable}
    covered = await connection.fetch(
        "SELECT call_id::text FROM callback_tasks WHERE call_id = ANY($1::uuid[]) "
        "UNION SELECT call_id::text FROM callback_joins WHERE call_id = ANY($1::uuid[])",
        ids,
    )
    statuses = await connection.fetch("SELECT status, count(*) FROM callback_tasks GROUP BY 1")
    return {
        "expected": len(wanted),
        "missing": sorted(wanted - {row[0] for row in covered}),
        "tasks_by_status": {row[0]: row[1] for row in statuses},
    }


async def _delivered(
    routes: Mapping[str, set[str]],
    received: Callable[[str], set[str]],
    within: float,
) -> tuple[list[str], float]:
    """Routed (card, service) pairs never received, after waiting up to ``within`` s for them;
    the seconds waited."""
    began = time.monotonic()
    while True:
        missing = [
            f"{card} → {code}"
            for card, codes in routes.items()
            for code in codes
            if card not in received(code)
        ]
        if not missing or time.monotonic() - began > within:
            return sorted(missing), round(time.monotonic() - began, 1)
        await asyncio.sleep(0.5)


async def _outbox_of(connection: asyncpg.Connection, missing: list[str]) -> list[str]:
    """Each missing "card → service" with what the outbox says of it: no row (never owed), or
    each row's cursor, status and how it was acknowledged (acknowledged: the server holds
    that the service has it)."""
    described = []
    for pair in missing:
        card, code = pair.split(" → ")
        rows = await connection.fetch(
            "SELECT id, status, via, acknowledged_at FROM feed_outbox "
            "WHERE card_id = $1::uuid AND service_code = $2 ORDER BY id",
            card,
            code,
        )
        found = "; ".join(
            f"cursor {r['id']} {r['status']}" + (f" via {r['via']}" if r["via"] else "")
            for r in rows
        )
        described.append(f"{pair}: {found or 'no outbox row'}")
    return described


async def audit(
    url: str,
    acknowledged: Acknowledged,
    received: Callable[[str], set[str]],
    *,
    settle_s: float,
) -> dict[str, Any]:
    """Every acknowledgement checked against the database and the receivers (``received``:
    a service code → the cards its system got); what is missing, by kind."""
    missing_deliveries, waited = await _delivered(acknowledged.routes, received, settle_s)
    connection = await asyncpg.connect("postgresql://" + url.split("://", 1)[1])
    try:
        calls = acknowledged.calls - await _present(connection, "calls", acknowledged.calls)
        cards = acknowledged.cards - await _present(connection, "cards", acknowledged.cards)
        attempts = acknowledged.attempts - await _present(
            connection, "callback_attempts", acknowledged.attempts, "outcome IS NOT NULL"
        )
        callbacks = await _callbacks(connection, acknowledged.drops)
        outbox = await _outbox_of(connection, missing_deliveries[:5])
    finally:
        await connection.close()
    lost = {
        "calls": len(calls),
        "cards": len(cards),
        "deliveries": len(missing_deliveries),
        "callback_tasks": len(callbacks["missing"]),
        "callback_attempts": len(attempts),
    }
    return {
        "acknowledged": acknowledged.counts(),
        "lost": lost,
        "deliveries_waited_s": waited,
        "callback_tasks_expected": callbacks["expected"],
        "callback_tasks_by_status": callbacks["tasks_by_status"],
        "examples": {
            "calls": sorted(calls)[:5],
            "cards": sorted(cards)[:5],
            "deliveries": outbox,
            "callback_tasks": callbacks["missing"][:5],
            "callback_attempts": sorted(attempts)[:5],
        },
    }
