"""Operator bots: sign in with skills, go available, accept offers, handle the call (fill,
route and close its card), hang up through the gateway, wrap up; a heartbeat keeps them in the
ACD's rotation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx

from simulators.arrivals import Scenario
from simulators.client import API, ServerClock, operator_password, sign_in
from simulators.places import Place
from simulators.recordings import Recorder
from simulators.report import CallRecord, Tally

log = logging.getLogger(__name__)

SKILLS = {
    "languages": {"uz": 0, "ru": 0, "kaa": 0, "en": 0},
    "channels": {"voice": 0, "sms": 0, "email": 0, "video": 0},
}


AT_WORK = frozenset({"available", "reserved", "on_call", "wrap_up"})


@dataclass
class LiveCall:
    """A call in flight: what the caller wants, where, and what happened so far."""

    scenario: Scenario
    place: Place | None
    number: str
    record: CallRecord
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)


Hangup = Callable[[str, str, str | None, bool], Coroutine[Any, Any, None]]


class OperatorBot:
    """One operator at a console, driven by offers the gateway rings through."""

    def __init__(
        self,
        username: str,
        http: httpx.AsyncClient,
        clock: ServerClock,
        calls: dict[str, LiveCall],
        tally: Tally,
        recorder: Recorder,
        hangup: Hangup,
        *,
        rng: random.Random,
        wrap_up_s: float = 10.0,
        heartbeat_s: float = 15.0,
    ) -> None:
        self.username = username
        self.http = http
        self.clock = clock
        self.calls = calls
        self.tally = tally
        self.recorder = recorder
        self.hangup = hangup
        self.rng = rng
        self.wrap_up_s = wrap_up_s
        self.heartbeat_s = heartbeat_s
        self.offers: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self.headers: dict[str, str] = {}
        self.background: set[asyncio.Task[None]] = set()

    def ring(self, call_id: str, offer_id: str) -> None:
        """The gateway rings this bot's set with an offered call."""
        self.offers.put_nowait((call_id, offer_id))

    async def _post(self, path: str, body: Any = None) -> httpx.Response:
        return await self.http.post(f"{API}{path}", json=body, headers=self.headers)

    async def start(self) -> None:
        """Sign in, declare skills, go available."""
        token = await sign_in(self.http, self.username, operator_password(self.username))
        self.headers = {"Authorization": f"Bearer {token}"}
        answer = await self.http.put(
            f"{API}/operators/me/skills", json=SKILLS, headers=self.headers
        )
        answer.raise_for_status()
        (await self._post("/operators/me/state", {"state": "available"})).raise_for_status()

    async def stop(self) -> None:
        """Sign out (best effort: the operator may be on a call)."""
        with contextlib.suppress(httpx.HTTPError):
            await self._post("/operators/me/state", {"state": "signed_out"})

    async def heartbeat(self) -> None:
        """Tell the ACD the console is alive, forever."""
        while True:
            with contextlib.suppress(httpx.HTTPError):
                await self._post("/operators/me/heartbeat")
            await self.clock.sleep(self.heartbeat_s)

    async def run(self) -> None:
        """Take offers one at a time, forever."""
        while True:
            call_id, offer_id = await self.offers.get()
            try:
                await self._take(call_id, offer_id)
            except httpx.HTTPError as exc:
                self.tally.errors[f"operator {type(exc).__name__}"] += 1

    async def _take(self, call_id: str, offer_id: str) -> None:
        call = self.calls.get(call_id)
        answer = await self._post(f"/offers/{offer_id}/accept")
        if answer.status_code != 200 or call is None:
            # The offer expired or the caller hung up first; the ACD moves on.
            self.tally.errors[f"accept {answer.status_code}"] += 1
            await self._available_again()
            return
        call.record.answered_at = self.clock.elapsed()
        call.record.operator = self.username
        call.answered.set()
        talk = call.scenario.handle_s
        dropped = call.scenario.drops
        card = await self._card(call)
        await self.clock.sleep(talk * (0.4 if dropped else 0.8))
        media = await asyncio.to_thread(
            self.recorder.record, call_id, call.scenario.text, call.scenario.language
        )
        if media is not None:
            self.tally.recordings += 1
        if card is not None:
            await self._route_and_close(call, card)
        await self.hangup(call_id, self.username, media, dropped)
        call.finished.set()
        # Wrap-up runs beside the offer loop: when the server's wrap-up timer ends first, the
        # next offer must be answered at once, not after this bot's own wrap-up.
        task = asyncio.create_task(self._wrap_up())
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _wrap_up(self) -> None:
        await self.clock.sleep(self.wrap_up_s * self.rng.uniform(0.5, 1.5))
        with contextlib.suppress(httpx.HTTPError):
            await self._post("/operators/me/wrap-up/end")  # 409 when the timer was first

    async def _available_again(self) -> None:
        # A missed offer may have paused the operator (ring-no-answer): go available again.
        answer = await self.http.get(f"{API}/operators/me", headers=self.headers)
        if answer.status_code == 200 and answer.json().get("state") not in AT_WORK:
            await self._post("/operators/me/state", {"state": "available"})

    async def _card(self, call: LiveCall) -> str | None:
        answer = await self._post("/cards", {"call_id": call.record.call_id})
        if answer.status_code not in (200, 201):
            self.tally.errors[f"card {answer.status_code}"] += 1
            return None
        card_id: str = answer.json()["id"]
        location: dict[str, Any] = {"address": "Simulated address", "confirmed": True}
        if call.place is not None:
            location.update(lat=call.place.lat, lon=call.place.lon)
        patch = {
            "incident": {"type": call.scenario.incident, "description": call.scenario.text},
            "location": location,
        }
        answer = await self.http.patch(f"{API}/cards/{card_id}", json=patch, headers=self.headers)
        if answer.status_code != 200:
            self.tally.errors[f"card patch {answer.status_code}"] += 1
        return card_id

    async def _route_and_close(self, call: LiveCall, card_id: str) -> None:
        answer = await self._post(f"/cards/{card_id}/route")
        if answer.status_code == 200:
            services = answer.json().get("services") or []
            call.record.services = [
                str(s.get("code") or s.get("service")) for s in services if isinstance(s, dict)
            ]
        else:
            self.tally.errors[f"route {answer.status_code}"] += 1
        outcome = "dispatched" if call.record.services else "advice_given"
        answer = await self._post(f"/cards/{card_id}/close", {"outcome": outcome})
        if answer.status_code != 200:
            self.tally.errors[f"close {answer.status_code}"] += 1
