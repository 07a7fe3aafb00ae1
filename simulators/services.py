"""Emergency services' endpoints: pull their feed, acknowledge, and report progress with delays.

``failing`` makes a service stop acknowledging and reporting (its system is down) until it is
cleared, so the follow-up list and the feed's redeliveries can be watched.
"""

from __future__ import annotations

import asyncio
import contextlib
import random

import httpx

from simulators.client import API, ServerClock
from simulators.report import Tally

# Each step and the mean delay (seconds of server time) after the one before it.
PROGRESS: tuple[tuple[str, float], ...] = (
    ("received", 5.0),
    ("accepted", 20.0),
    ("response_started", 60.0),
    ("arrived", 600.0),
    ("in_progress", 60.0),
    ("completed", 1200.0),
)


class ServiceBot:
    """One service's information system, pulling its feed every ``poll_s``."""

    def __init__(
        self,
        code: str,
        key: str,
        http: httpx.AsyncClient,
        clock: ServerClock,
        tally: Tally,
        *,
        rng: random.Random,
        poll_s: float = 5.0,
        failing: bool = False,
    ) -> None:
        self.code = code
        self.http = http
        self.headers = {"X-Api-Key": key}
        self.clock = clock
        self.tally = tally
        self.rng = rng
        self.poll_s = poll_s
        self.failing = failing
        self.cards: set[str] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Pull, acknowledge and start progressing new cards, forever."""
        try:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    await self.pull_once()
                await self.clock.sleep(self.poll_s)
        finally:
            for task in self.tasks:
                task.cancel()

    async def pull_once(self) -> int:
        """One pull; returns how many card versions arrived."""
        if self.failing:
            return 0
        answer = await self.http.get(
            f"{API}/feeds/{self.code}/cards", params={"limit": 100}, headers=self.headers
        )
        if answer.status_code != 200:
            self.tally.errors[f"feed {self.code} {answer.status_code}"] += 1
            return 0
        page = answer.json()
        items = page.get("items") or []
        if not items:
            return 0
        cursor = max(int(item["cursor"]) for item in items)
        acked = await self.http.post(
            f"{API}/feeds/{self.code}/ack", json={"cursor": cursor}, headers=self.headers
        )
        # Counted together, after the ack: a run stopped in between counts neither.
        self.tally.deliveries[self.code] += len(items)
        if acked.status_code == 200:
            self.tally.acknowledgements[self.code] += len(items)
        for item in items:
            card_id = str(item["card_id"])
            if card_id not in self.cards:
                self.cards.add(card_id)
                task = asyncio.create_task(self._progress(card_id))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
        return len(items)

    async def _progress(self, card_id: str) -> None:
        for status, mean in PROGRESS:
            await self.clock.sleep(self.rng.expovariate(1.0 / mean))
            while self.failing:
                await self.clock.sleep(self.poll_s)
            body = {"status": status, "at": self.clock.stamp()}
            with contextlib.suppress(httpx.HTTPError):
                answer = await self.http.post(
                    f"{API}/feeds/{self.code}/cards/{card_id}/status",
                    json=body,
                    headers=self.headers,
                )
                if answer.status_code == 201:
                    self.tally.statuses[status] += 1
                else:
                    self.tally.errors[f"status {status} {answer.status_code}"] += 1
