"""The day of ``make bench-surge`` (``benchmarks/surge.py``): bench-scale's day against the
cluster (:class:`~benchmarks.harness.scale_day.ClusterDay`, every process measured, the kill)
with what a surge run also reads while it plays.

- :class:`Settled`: an httpx hook keeping the wall instant (``time.monotonic``, the clock the
  console processes stamp arrivals with) at which each request that settles a live call was
  sent — an offer accepted (the call answered) or an ``abandoned`` event taken — how long it
  took, how much of that the server process said was its own (``Server-Timing: app``), and of
  that how much its SQL statements and commit took (``db`` and ``commit``). Each
  one adds 1 to ``answered_today + abandoned_today`` of the consoles' ``queue`` part, a count
  that only grows: the changes whose fan-out to every console is measured. A call settles
  once: a second settling answer for the same call (the caller's ``abandoned`` taken just
  after the operator's accept) is counted apart (``repeats``), not as a change.
- :class:`SurgeDay`: the surge policy as ``GET /api/v1/surge`` says it, read every
  ``watch_s`` wall seconds through HAProxy (each state once: the server instant it began, and
  when it was first and last read — a state shorter than a read's interval may go unseen, and
  two states in a row that are both on or both off say one went unseen between them);
  the console processes' CPU over the play (part of the load generator); the server clock's
  origin (the surge window in server time); and, with a kill, the kill put in the middle of
  the surge whatever the setup took.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from benchmarks.harness.scale_day import ClusterDay, KillPlan
from benchmarks.harness.servers import process_cpu_s
from simulators.client import API, ServerClock

_ACCEPT = re.compile(r"^/api/v1/offers/[0-9a-f-]{36}/accept$")
_EVENT = re.compile(r"^/api/v1/calls/[0-9a-f-]{36}/events$")
SENT = "bench_sent_at"  # the request's extension holding when it was sent


@dataclass
class Settled:
    """When each request that settled a live call (answered or abandoned) was sent."""

    sent: list[float] = field(default_factory=list)
    took: list[float] = field(default_factory=list)  # each one's request, sent to answered (s)
    # Of ``took``, where the server said (``Server-Timing: app``): the server process's own
    # part, and the rest (the client, the network, HAProxy, the server before its app).
    in_server: list[float] = field(default_factory=list)
    outside: list[float] = field(default_factory=list)
    # Of ``in_server``, its statements and commit (``db`` + ``commit``), where the server said.
    in_database: list[float] = field(default_factory=list)
    # The calls settled so far: a call settles once. A second settling answer for it (an
    # ``abandoned`` event taken after the operator's accept, a repeated request) adds nothing
    # to the consoles' count, and kept it would shift every later change's match by one.
    calls: set[str] = field(default_factory=set)
    repeats: int = 0
    # Each one's kind (``accept`` or ``abandoned``), for the slowest's list: (sent, took, kind,
    # the server's own ms, its statements' ms, its commit's ms).
    kinds: list[tuple[float, float, str, float | None, float | None, float | None]] = field(
        default_factory=list
    )

    def slowest(self, count: int = 8) -> list[dict[str, Any]]:
        """The ``count`` slowest settling requests, slowest first, with the server's parts."""
        rows = sorted(self.kinds, key=lambda row: row[1], reverse=True)[:count]
        first = min(self.sent, default=0.0)
        return [
            {
                "sent_s": round(sent - first, 2),
                "kind": kind,
                "took_ms": round(took * 1000, 1),
                "app_ms": app,
                "db_ms": db,
                "commit_ms": commit,
            }
            for sent, took, kind, app, db, commit in rows
        ]

    async def on_request(self, request: httpx.Request) -> None:
        """The client's request hook: note when a candidate request leaves."""
        if request.method == "POST":
            request.extensions[SENT] = time.monotonic()

    async def on_response(self, response: httpx.Response) -> None:
        """The client's response hook: keep the send instant of an accepted offer or a taken
        ``abandoned`` event."""
        request = response.request
        sent = request.extensions.get(SENT)
        if sent is None or response.status_code not in (200, 201):
            return
        path = request.url.path
        if _ACCEPT.match(path) or (_EVENT.match(path) and b'"abandoned"' in request.content):
            took = time.monotonic() - float(sent)
            call = await _settled_call(response)
            if call in self.calls:
                self.repeats += 1
                return
            self.calls.add(call)
            self.sent.append(float(sent))
            self.took.append(took)
            header = response.headers.get("server-timing")
            own_ms = duration_ms(header)
            if own_ms is not None:
                self.in_server.append(own_ms / 1000)
                self.outside.append(max(0.0, took - own_ms / 1000))
            database = [duration_ms(header, name) for name in ("db", "commit")]
            kind = "accept" if _ACCEPT.match(path) else "abandoned"
            self.kinds.append((float(sent), took, kind, own_ms, database[0], database[1]))
            if own_ms is not None and None not in database:
                self.in_database.append(sum(ms or 0.0 for ms in database) / 1000)


async def _settled_call(response: httpx.Response) -> str:
    """The call a settling request settled: an event's from its path, an accept's from its
    answer (the offer's own id when the answer does not say)."""
    path = response.request.url.path
    if _EVENT.match(path):
        return path.split("/")[4]
    await response.aread()
    with contextlib.suppress(ValueError, AttributeError):
        call_id = response.json().get("call_id")
        if isinstance(call_id, str):
            return call_id
    return path


def duration_ms(header: str | None, metric_name: str = "app") -> float | None:
    """A metric's ``dur`` in a ``Server-Timing`` header (milliseconds; ``app``: the server's
    own time, ``db``, ``commit``: its statements' and commit's, as
    ``dispatch.core.metrics.server_timing`` writes them), or None."""
    for metric in (header or "").split(","):
        name, _, params = metric.partition(";")
        if name.strip() != metric_name:
            continue
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip() == "dur":
                with contextlib.suppress(ValueError):
                    return float(value)
    return None


@dataclass(frozen=True)
class Window:
    """The surge in server seconds from the run's start: ``[start_s, end_s)``."""

    start_s: float
    end_s: float

    def covers(self, elapsed_s: float) -> bool:
        """Whether ``elapsed_s`` (server seconds from the start) falls in the surge."""
        return self.start_s <= elapsed_s < self.end_s


class SurgeDay(ClusterDay):
    """The cluster's day with the surge policy watched and the consoles' CPU measured."""

    def __init__(
        self,
        *args: Any,
        surge: Window,
        admin_token: str,
        console_pids: list[int],
        watch_s: float = 0.5,
        kill_settle_s: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.surge = surge
        self.admin_token = admin_token
        self.console_pids = console_pids
        self.watch_s = watch_s
        self.kill_settle_s = kill_settle_s  # None: no kill
        self.states: list[dict[str, Any]] = []  # the surge's states as read, each once
        self.reads = 0
        self.read_errors = 0
        self.clock: ServerClock | None = None
        self.played_at = 0.0  # monotonic, when the calls began

    def mono_at(self, elapsed_s: float) -> float:
        """The wall instant (monotonic) of ``elapsed_s`` server seconds from the start."""
        assert self.clock is not None
        return time.monotonic() - (self.clock.elapsed() - elapsed_s) / self.clock.scale

    def server_at(self, elapsed_s: float) -> datetime:
        """The server instant ``elapsed_s`` server seconds from the start."""
        assert self.clock is not None
        return self.clock.origin + timedelta(seconds=elapsed_s)

    async def _play(self, *args: Any) -> None:
        clock = args[2]
        assert isinstance(clock, ServerClock)
        self.clock = clock
        self.played_at = time.monotonic()
        if self.kill_settle_s is not None:
            # The middle of the surge, counted from now (the set-up took some of the steady part).
            middle = (self.surge.start_s + self.surge.end_s) / 2
            after = max(1.0, (middle - clock.elapsed()) / clock.scale)
            self.kill = KillPlan(after, self.kill_settle_s)
        cpu = self._consoles_cpu()
        began = time.monotonic()
        watcher = asyncio.create_task(self._watch())
        try:
            await super()._play(*args)
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
        wall = time.monotonic() - began
        consoles = (self._consoles_cpu() - cpu) / wall if wall else 0.0
        self.window["console_clients_cores"] = round(consoles, 3)
        self.window["simulator_cores"] = self.window["load_generator_cores"]
        self.window["load_generator_cores"] = round(
            self.window["load_generator_cores"] + consoles, 3
        )

    def _consoles_cpu(self) -> float:
        total = 0.0
        for pid in self.console_pids:
            with contextlib.suppress(OSError):
                total += process_cpu_s(pid)
        return total

    async def _watch(self) -> None:
        """Read the surge policy every ``watch_s`` (a failed read is counted, not fatal)."""
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        while True:
            with contextlib.suppress(httpx.HTTPError, ValueError):
                answer = await self.http.get(f"{API}/surge", headers=headers, timeout=5)
                self.reads += 1
                if answer.status_code == 200:
                    self._note(answer.json())
                else:
                    self.read_errors += 1
            await asyncio.sleep(self.watch_s)

    def _note(self, body: dict[str, Any]) -> None:
        assert self.clock is not None
        state = {
            "active": bool(body.get("active")),
            "why": body.get("why"),
            "mode": body.get("mode"),
            "since": body.get("since"),
            "figures": body.get("figures") or {},
        }
        now = self.clock.now().isoformat()
        last = self.states[-1] if self.states else None
        if last is not None and (last["active"], last["why"], last["since"]) == (
            state["active"],
            state["why"],
            state["since"],
        ):
            last["last_read"] = now
            return
        state["first_read"] = state["last_read"] = now
        self.states.append(state)
