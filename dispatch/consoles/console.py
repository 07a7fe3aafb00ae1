"""One connected console: what its client has, what it still needs, and the messages it sends.

Parts travel as *fragments*: a part's value encoded to JSON text once, by the hub, when it was
computed (:func:`encode`). A changed shared part is the same fragment, the same ``str`` object,
for every console that shows it; each console's message is spliced together from fragments
(:func:`delta`, :func:`snapshot`), so a part is never encoded once per console. A message is
still one JSON object of the protocol's shape (``socket.py``).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from dispatch.consoles.views import ConsoleUser, View

HEARTBEAT_S = 15.0

# A part's value as JSON text, ready to be spliced into a message.
Fragment = str
NULL: Fragment = "null"


def encode(value: Any) -> Fragment:
    """A part's value (or any message field) as compact JSON text."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


# Part names encoded once (a view's names are a fixed handful): encoding them at all keeps
# the splice valid JSON whatever a view calls its parts.
_names: dict[str, str] = {}


def _name(name: str) -> str:
    text = _names.get(name)
    if text is None:
        text = _names[name] = encode(name)
    return text


def _time(iso: str) -> str:
    # ISO 8601 text is digits, letters and ``:.+-``: nothing JSON would escape.
    return f'"{iso}"'


def _parts(fragments: Mapping[str, Fragment]) -> str:
    return ",".join(f"{_name(name)}:{text}" for name, text in fragments.items())


def delta(seq: int, server_time: str, fragments: Mapping[str, Fragment]) -> str:
    """``{"type":"delta","seq","server_time","parts"}`` spliced from encoded parts."""
    return (
        f'{{"type":"delta","seq":{seq:d},"server_time":{_time(server_time)},'
        f'"parts":{{{_parts(fragments)}}}}}'
    )


def snapshot(
    seq: int,
    view: str,
    server_time: str,
    fragments: Mapping[str, Fragment],
    *,
    heartbeat_s: float,
) -> str:
    """``{"type":"snapshot","seq","view","server_time","heartbeat_s","parts"}``, spliced."""
    return (
        f'{{"type":"snapshot","seq":{seq:d},"view":{encode(view)},'
        f'"server_time":{_time(server_time)},"heartbeat_s":{encode(heartbeat_s)},'
        f'"parts":{{{_parts(fragments)}}}}}'
    )


class Sink(Protocol):
    """Where a console's messages go (the websocket)."""

    async def send_text(self, data: str) -> None: ...

    def credentials_changed(self) -> None:
        """The console's account changed (disabled, a sign-in or key revoked): the socket
        checks its credentials again and closes if they no longer hold."""


class Console:
    """One connected console: what its client has, what it still needs, its sequence."""

    def __init__(
        self,
        sink: Sink,
        user: ConsoleUser,
        view: View,
        *,
        interval_s: float,
        heartbeat_s: float = HEARTBEAT_S,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.sink = sink
        self.user = user
        self.view = view
        self.key = (view.name, user.username)
        self.interval_s = interval_s
        self.heartbeat_s = heartbeat_s
        self.seq = 0
        # What the client holds once everything queued is sent, and what is queued; fragments.
        self.known: dict[str, Fragment] = {}
        self.pending: dict[str, Fragment] = {}
        self.snapshot: dict[str, Fragment] | None = None
        self.wants_snapshot = True
        self.sent_messages = 0
        self.closed = asyncio.Event()
        self._news = False
        self._waiter: asyncio.Future[None] | None = None

    def give(self, fragments: Mapping[str, Fragment]) -> None:
        """Queue the parts that differ from what the client has (or will have)."""
        known, pending = self.known, self.pending
        for name, text in fragments.items():
            # A shared part is one object for every console: ``is`` settles most comparisons,
            # and equal text is an equal value.
            held = known.get(name)
            if held is not text and held != text:
                known[name] = pending[name] = text
        if pending:
            self._wake()

    def give_snapshot(self, fragments: Mapping[str, Fragment]) -> None:
        """Replace everything: the next message is a snapshot of ``fragments``."""
        self.known = dict(fragments)
        self.pending = {}
        self.snapshot = dict(fragments)
        self.wants_snapshot = False
        self._wake()

    def close(self) -> None:
        """Stop sending (the socket is gone)."""
        self.closed.set()
        self._wake()

    def _wake(self) -> None:
        self._news = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def run(self, clock_now: Callable[[], datetime]) -> None:
        """Send snapshots and deltas until the sink fails or the console closes."""
        loop = asyncio.get_running_loop()
        ready_at = 0.0
        try:
            while not self.closed.is_set():
                # Each wait and pause here lives until the next change: objects that the
                # garbage collector promotes to its oldest generation, 500 consoles at a time,
                # which brings on full collections (pauses of 0.1-0.5 s seen). Hence a bare
                # future to wait on, and a pause only when a change comes within the interval.
                if not self._news:
                    self._waiter = loop.create_future()
                    await self._waiter
                    self._waiter = None
                early = ready_at - loop.time()
                if early > 0:
                    # At most one message per interval: changes meanwhile merge into the next.
                    # It delays some messages of a surge (up to 90 ms), yet sending at once made
                    # the fan-out worse, not better: every console's send in one burst after each
                    # flush (BENCHMARKS.md, "A surge": the pause that stayed).
                    await asyncio.sleep(early)
                self._news = False
                message = self.next_message(clock_now())
                if message is None:
                    continue
                await self.sink.send_text(message)
                self.sent_messages += 1
                ready_at = loop.time() + self.interval_s
        finally:
            self.closed.set()

    def next_message(self, now: datetime) -> str | None:
        """The message to send now (a snapshot, a delta, or nothing), its ``seq`` taken."""
        if self.snapshot is not None:
            fragments = {**self.snapshot, **self.pending}
            self.snapshot, self.pending = None, {}
            self.seq += 1
            return snapshot(
                self.seq, self.view.name, now.isoformat(), fragments, heartbeat_s=self.heartbeat_s
            )
        if not self.pending:
            return None
        fragments, self.pending = self.pending, {}
        self.seq += 1
        return delta(self.seq, now.isoformat(), fragments)
