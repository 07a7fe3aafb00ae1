"""Lock waits per server process, sampled from PostgreSQL's ``pg_stat_activity``.

Every ``interval`` seconds the sampler lists the database's backends waiting on a lock
(``wait_event_type = 'Lock'``); each server process names its sessions
``dispatch112:<pid>`` (``application_name``), so the waits group by process. A backend seen
waiting in consecutive samples counts as one wait; the sampled wait time is the samples × the
interval (a wait shorter than the interval is seen only if a sample falls in it: the figures
are a lower bound). Per process also: what was waited on (``wait_event``: transactionid,
tuple, relation, advisory...), the statements that waited the most, and what held them up —
the first blocking backend's process, state and last statement (``pg_blocking_pids``): a
holder ``idle in transaction`` was between statements, its server process busy or throttled;
each wait's own statement with its holder (``waited_on``), and the longest a holder's
transaction had been open when seen (``holder_open_ms_max``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

SAMPLE = """
SELECT w.pid, w.application_name, w.wait_event,
       left(regexp_replace(w.query, '\\s+', ' ', 'g'), 100),
       b.application_name || ' ' || b.state || ': '
           || left(regexp_replace(b.query, '\\s+', ' ', 'g'), 80),
       (extract(epoch FROM clock_timestamp() - b.xact_start) * 1000)::int
FROM pg_stat_activity w
LEFT JOIN pg_stat_activity b ON b.pid = (pg_blocking_pids(w.pid))[1]
WHERE w.wait_event_type = 'Lock' AND w.datname = current_database()
"""

# backend pid, application_name, wait_event, statement, blocker ("" when none was seen), how
# long the blocker's transaction had been open (ms; None when none was seen)
Row = tuple[int, str, str, str, str, int | None]


@dataclass
class WaitTally:
    """What the samples saw, per application_name."""

    interval: float
    samples: int = 0
    waits: Counter[str] = field(default_factory=Counter)
    sampled: Counter[str] = field(default_factory=Counter)  # samples in which it waited
    events: dict[str, Counter[str]] = field(default_factory=dict)
    statements: dict[str, Counter[str]] = field(default_factory=dict)
    blockers: dict[str, Counter[str]] = field(default_factory=dict)
    # "waiter's statement <- its blocker", each wait once
    pairs: dict[str, Counter[str]] = field(default_factory=dict)
    # the longest any blocker's transaction had been open when sampled (ms)
    holder_open_ms: dict[str, int] = field(default_factory=dict)
    _waiting: set[int] = field(default_factory=set)  # backends waiting in the last sample

    def add(self, rows: Iterable[Row]) -> None:
        """One sample's rows."""
        self.samples += 1
        now: set[int] = set()
        for backend, application, event, statement, blocker, open_ms in rows:
            name = application or "(unnamed)"
            now.add(backend)
            if backend not in self._waiting:
                self.waits[name] += 1
                if blocker:
                    pair = f"{statement[:60]} <- {blocker}"
                    self.pairs.setdefault(name, Counter())[pair] += 1
            if open_ms is not None:
                self.holder_open_ms[name] = max(self.holder_open_ms.get(name, 0), open_ms)
            self.sampled[name] += 1
            self.events.setdefault(name, Counter())[event] += 1
            self.statements.setdefault(name, Counter())[statement] += 1
            if blocker:
                self.blockers.setdefault(name, Counter())[blocker] += 1
        self._waiting = now

    def by_process(self, pids: Iterable[int]) -> dict[str, dict[str, Any]]:
        """The figures per server process (``dispatch112:<pid>``), every pid named even
        without a wait, then any other session that waited."""
        names = [f"dispatch112:{pid}" for pid in pids]
        names += sorted(n for n in self.waits if n not in names)
        return {
            name: {
                "waits": self.waits[name],
                "sampled_wait_s": round(self.sampled[name] * self.interval, 2),
                "on": dict(self.events.get(name, Counter()).most_common()),
                "statements": dict(self.statements.get(name, Counter()).most_common(3)),
                "blocked_by": dict(self.blockers.get(name, Counter()).most_common(5)),
                "waited_on": dict(self.pairs.get(name, Counter()).most_common(8)),
                "holder_open_ms_max": self.holder_open_ms.get(name, 0),
            }
            for name in names
        }


@contextlib.asynccontextmanager
async def sampling(url: str, interval: float = 0.1) -> AsyncIterator[WaitTally]:
    """Sample lock waits on ``url``'s database every ``interval`` s until the block ends."""
    tally = WaitTally(interval)
    connection = await asyncpg.connect("postgresql://" + url.split("://", 1)[1])

    async def loop() -> None:
        while True:
            rows = await connection.fetch(SAMPLE)
            tally.add((r[0], r[1], r[2] or "", r[3] or "", r[4] or "", r[5]) for r in rows)
            await asyncio.sleep(interval)

    task = asyncio.create_task(loop())
    try:
        yield tally
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await connection.close()
