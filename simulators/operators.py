"""Operator bots: sign in with skills, go available, accept offers, handle the call (fill,
route and close its card), hang up through the gateway, wrap up, and call back; a heartbeat
keeps them in the ACD's rotation.

A call that drops leaves its card routed but open. The callback the server then makes reaches
a bot as a :class:`~simulators.callbacks.Dial` (the gateway obeyed ``originate`` for its set):
the bot waits the drawn ring and talk time and records the outcome
(``POST /api/v1/callbacks/{id}/attempts``). A reached caller's card is updated (``PATCH``, a new
version the services receive again) and closed; an abandoned call's caller, reached, gets a
card made, routed and closed then. A task closed as unreachable closes the bot's own open card
with ``caller_unreachable`` (the server has routed it when its location was known).

Heartbeats go only when the ACD has heard nothing else from the bot for ``heartbeat_s``
(accepting an offer or changing state counts as one).
"""

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
from simulators.callbacks import Dial
from simulators.client import API, Background, ServerClock, operator_password, sign_in
from simulators.control import ControlScenario
from simulators.places import Place
from simulators.recordings import Recorder
from simulators.report import CallRecord, Tally

log = logging.getLogger(__name__)

# What the caller's words (arrivals.SCRIPT_TEXT) tell of hazards, per incident family: the
# card says it, so the server's consistency check finds the type's hazard on it.
SAID_HAZARDS: dict[str, tuple[str, ...]] = {"fire": ("smoke",), "gas": ("gas_smell",)}

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
    card_id: str | None = None  # the card a bot made for the call


class CallBook(dict[str, LiveCall]):
    """The calls in flight by id; a bot can wait for one to be added."""

    def __init__(self) -> None:
        super().__init__()
        self._added = asyncio.Event()

    def add(self, call: LiveCall) -> None:
        """A new call, now known by its id."""
        self[call.record.call_id] = call
        self._added.set()
        self._added = asyncio.Event()

    async def wait_for(self, call_id: str, *, wall_s: float) -> LiveCall | None:
        """The call, waiting up to ``wall_s`` wall seconds for it to be added."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wall_s):
                while call_id not in self:
                    await self._added.wait()
        return self.get(call_id)


@dataclass(frozen=True)
class Offer:
    """The gateway rang the bot's set with an offered call."""

    call_id: str
    offer_id: str


Hangup = Callable[[str, str, str | None, bool], Coroutine[Any, Any, None]]


class OperatorBot:
    """One operator at a console, driven by offers the gateway rings through."""

    def __init__(
        self,
        username: str,
        http: httpx.AsyncClient,
        clock: ServerClock,
        calls: CallBook,
        tally: Tally,
        recorder: Recorder,
        hangup: Hangup,
        *,
        rng: random.Random,
        wrap_up_s: float = 10.0,
        heartbeat_s: float = 15.0,
        limiter: Background | None = None,
        control: ControlScenario | None = None,
        control_rng: random.Random | None = None,
    ) -> None:
        self.username = username
        self.control = control or ControlScenario()
        # Whether a call is put on hold or gets the doctor: the n-th call answered (by any bot
        # sharing this sequence) is treated the same in every run with the seed.
        self.control_rng = control_rng or rng
        self.http = http
        self.clock = clock
        self.calls = calls
        self.tally = tally
        self.recorder = recorder
        self.hangup = hangup
        self.rng = rng
        self.wrap_up_s = wrap_up_s
        self.heartbeat_s = heartbeat_s
        self.limiter = limiter or Background()
        self.work: asyncio.Queue[Offer | Dial] = asyncio.Queue()
        self.headers: dict[str, str] = {}
        self.background: set[asyncio.Task[None]] = set()
        self.wrapping: asyncio.Task[None] | None = None
        self.seen_at = 0.0  # server seconds into the run when the ACD last heard from the bot
        self.dials = 0  # dials handed to the bot and not finished yet

    def ring(self, call_id: str, offer_id: str) -> None:
        """The gateway rings this bot's set with an offered call."""
        self.work.put_nowait(Offer(call_id, offer_id))

    def dial(self, dial: Dial) -> None:
        """The gateway dials a callback from this bot's set."""
        self.dials += 1
        self.work.put_nowait(dial)

    async def _post(self, path: str, body: Any = None) -> httpx.Response:
        return await self.http.post(f"{API}{path}", json=body, headers=self.headers)

    async def _finish(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        """Route or close a card as an operator does: when the server names warnings (a card
        the bot filled from a short script may lack a fact), read them and confirm them."""
        answer = await self._post(path, body)
        if answer.status_code == 422 and answer.json().get("code") == "warnings_unacknowledged":
            codes = [w["code"] for w in answer.json()["warnings"]]
            answer = await self._post(path, {**(body or {}), "acknowledge": codes})
        return answer

    async def start(self) -> None:
        """Sign in, declare skills, go available."""
        token = await sign_in(self.http, self.username, operator_password(self.username))
        self.headers = {"Authorization": f"Bearer {token}"}
        answer = await self.http.put(
            f"{API}/operators/me/skills", json=SKILLS, headers=self.headers
        )
        answer.raise_for_status()
        (await self._post("/operators/me/state", {"state": "available"})).raise_for_status()
        self.seen_at = self.clock.elapsed()

    async def stop(self) -> None:
        """Sign out (best effort: the operator may be on a call)."""
        with contextlib.suppress(httpx.HTTPError):
            await self._post("/operators/me/state", {"state": "signed_out"})

    async def heartbeat(self) -> None:
        """Tell the ACD the console is alive when it has heard nothing else for a while."""
        while True:
            due = self.seen_at + self.heartbeat_s - self.clock.elapsed()
            if due > 0:
                await self.clock.sleep(due)
                continue
            with contextlib.suppress(httpx.HTTPError):
                async with self.limiter.slot():
                    answer = await self._post("/operators/me/heartbeat")
                if answer.status_code == 200:
                    self.seen_at = self.clock.elapsed()
                    continue
            await self.clock.sleep(self.heartbeat_s / 4)

    async def run(self) -> None:
        """Take offers and dials one at a time, forever."""
        while True:
            item = await self.work.get()
            try:
                if isinstance(item, Dial):
                    await self._dial(item)
                else:
                    await self._take(item.call_id, item.offer_id)
            except httpx.HTTPError as exc:
                self.tally.errors[f"operator {type(exc).__name__}"] += 1
            finally:
                if isinstance(item, Dial):
                    self.dials -= 1

    async def _take(self, call_id: str, offer_id: str) -> None:
        answer = await self._post(f"/offers/{offer_id}/accept")
        if answer.status_code != 200:
            # The offer expired or the caller hung up first; the ACD moves on.
            self.tally.errors[f"accept {answer.status_code}"] += 1
            self.tally.accept_refusals[refusal_code(answer)] += 1
            await self._available_again()
            return
        self.seen_at = self.clock.elapsed()
        # The ACD may offer a call before the answer to its POST /calls reached the caller.
        call = await self.calls.wait_for(call_id, wall_s=5.0)
        if call is None:
            self.tally.errors["offer of a call the simulator did not make"] += 1
            return
        call.record.answered_at = self.clock.elapsed()
        call.record.operator = self.username
        call.answered.set()
        talk = call.scenario.handle_s
        dropped = call.scenario.drops
        card = await self._card(call)
        # A call that drops is cut before anyone is put on hold or asked on.
        spent = 0.0 if dropped else await self._call_control(call_id)
        await self.clock.sleep(max(talk * (0.4 if dropped else 0.8) - spent, 0.0))
        media = await asyncio.to_thread(
            self.recorder.record, call_id, call.scenario.text, call.scenario.language
        )
        if media is not None:
            self.tally.recordings += 1
        if card is not None:
            # A dropped call's card is routed but stays open for the callback to complete.
            await self._route_and_close(call, card, close=not dropped)
        await self.hangup(call_id, self.username, media, dropped)
        call.finished.set()
        self._start_wrap_up()

    async def _call_control(self, call_id: str) -> float:
        """Now and then a short hold, or a consulting doctor added to the call and taken off
        again (``ControlScenario``); the server seconds it took."""
        spent = 0.0
        # Both drawn at once, before any wait, so that no other bot's draw comes between.
        hold = self.control_rng.random() < self.control.hold_share
        consult = self.control_rng.random() < self.control.consult_share
        if hold:
            held = await self._post(f"/calls/{call_id}/hold")
            self.tally.control[f"bot hold {held.status_code}"] += 1
            await self.clock.sleep(self.control.hold_s)
            resumed = await self._post(f"/calls/{call_id}/resume")
            self.tally.control[f"bot resume {resumed.status_code}"] += 1
            spent += self.control.hold_s
        if consult:
            target = {"target": {"directory": self.control.consult_target}}
            added = await self._post(f"/calls/{call_id}/conference", target)
            self.tally.control[f"bot conference {added.status_code}"] += 1
            await self.clock.sleep(self.control.consult_s)
            spent += self.control.consult_s
            if added.status_code == 201:
                leg = added.json()["id"]
                removed = await self.http.delete(
                    f"{API}/calls/{call_id}/legs/{leg}", headers=self.headers
                )
                # 409: the doctor's line was busy or did not answer (the leg is over already).
                self.tally.control[f"bot remove {removed.status_code}"] += 1
        return spent

    def _start_wrap_up(self) -> None:
        # Wrap-up runs beside the work loop: when the server's wrap-up timer ends first, the
        # next offer must be answered at once, not after this bot's own wrap-up.
        self.wrapping = asyncio.create_task(self._wrap_up())
        self.background.add(self.wrapping)
        self.wrapping.add_done_callback(self.background.discard)

    async def _wrap_up(self) -> None:
        await self.clock.sleep(self.wrap_up_s * self.rng.uniform(0.5, 1.5))
        with contextlib.suppress(httpx.HTTPError):
            await self._post("/operators/me/wrap-up/end")  # 409 when the timer was first

    async def _available_again(self) -> None:
        # A missed offer may have paused the operator (ring-no-answer): go available again.
        answer = await self.http.get(f"{API}/operators/me", headers=self.headers)
        if answer.status_code == 200 and answer.json().get("state") not in AT_WORK:
            state = await self._post("/operators/me/state", {"state": "available"})
            if state.status_code == 200:
                self.seen_at = self.clock.elapsed()

    async def _dial(self, dial: Dial) -> None:
        """Call a caller back from this set: ring (and talk), record the outcome, see to the
        card."""
        if self.wrapping is not None:
            self.wrapping.cancel()  # the server moved the operator from wrap-up to the dial
        await self.clock.sleep(dial.seconds)
        body: dict[str, str] = {"outcome": dial.outcome}
        if dial.attempt_id:
            body["attempt_id"] = dial.attempt_id  # a retried post is not another attempt
        answer = await self._post(f"/callbacks/{dial.callback_id}/attempts", body)
        if answer.status_code != 201:
            self.tally.errors[f"attempt {answer.status_code}"] += 1
            await self._available_again()
            return
        self.tally.attempts[dial.outcome] += 1
        task = answer.json()
        call = self.calls.get(dial.call_id)
        card_id = task.get("card_id") or dial.card_id or (call.card_id if call else None)
        if dial.outcome == "reached":
            if await self._after_reached(dial, call, card_id):
                self.tally.callback_cards += 1
            self._start_wrap_up()
        elif task.get("status") == "unreachable" and card_id is not None:
            # The bot's own card of the dropped call closes; someone else's stays as it is.
            await self._finish(f"/cards/{card_id}/close", {"outcome": "caller_unreachable"})

    async def _after_reached(self, dial: Dial, call: LiveCall | None, card_id: str | None) -> bool:
        """Update the card of the reached caller (a new version, sent to its services again)
        and close it; or, for a caller who had given up waiting, make one. Whether it worked."""
        if card_id is None:
            if call is None:
                return False
            made = await self._card(call)
            if made is None:
                return False
            await self._route_and_close(call, made)
            return True
        text = call.scenario.text if call is not None else "Caller reached by callback."
        patch: dict[str, Any] = {
            "incident": {"description": f"{text} (callback {dial.attempt}: caller reached)"}
        }
        if call is not None:
            # The card may be the one the server opened for the reached caller: what they say
            # now fills it as the console's first autosave would.
            patch["incident"] = {**_incident(call), **patch["incident"]}
            patch["location"] = _location(call)
        answer = await self.http.patch(f"{API}/cards/{card_id}", json=patch, headers=self.headers)
        if answer.status_code == 409:
            # Closed already (the caller hung up just as the call was answered, and the card
            # was finished): what the callback learnt goes on as a note, sent again too.
            note = {"text": patch["incident"]["description"]}
            answer = await self._post(f"/cards/{card_id}/notes", note)
            if answer.status_code != 201:
                self.tally.errors[f"callback note {answer.status_code}"] += 1
            return answer.status_code == 201
        if answer.status_code != 200:
            self.tally.errors[f"callback card {answer.status_code}"] += 1
            return False
        card = answer.json()
        if call is not None:
            if not card.get("services"):
                await self._route_and_close(call, card_id)
                return True
            if not call.record.services:
                call.record.services = _codes(card["services"])
        outcome = "dispatched" if card.get("services") else "advice_given"
        closed = await self._finish(f"/cards/{card_id}/close", {"outcome": outcome})
        if closed.status_code != 200:
            self.tally.errors[f"close {closed.status_code}"] += 1
        return True

    async def _card(self, call: LiveCall) -> str | None:
        """Open the call's card already filled in (one request: what the console's first
        autosave would carry)."""
        body = {
            "call_id": call.record.call_id,
            "incident": _incident(call),
            "location": _location(call),
        }
        answer = await self._post("/cards", body)
        if answer.status_code not in (200, 201):
            self.tally.errors[f"card {answer.status_code}"] += 1
            return None
        card_id: str = answer.json()["id"]
        call.card_id = card_id
        return card_id

    async def _route_and_close(self, call: LiveCall, card_id: str, *, close: bool = True) -> None:
        answer = await self._finish(f"/cards/{card_id}/route")
        if answer.status_code == 200:
            call.record.services = _codes(answer.json().get("services") or [])
        else:
            self.tally.errors[f"route {answer.status_code}"] += 1
        if not close:
            return
        outcome = "dispatched" if call.record.services else "advice_given"
        answer = await self._finish(f"/cards/{card_id}/close", {"outcome": outcome})
        if answer.status_code != 200:
            self.tally.errors[f"close {answer.status_code}"] += 1


def _incident(call: LiveCall) -> dict[str, Any]:
    """What the simulated caller tells: the type, their words, and the hazards they name."""
    incident: dict[str, Any] = {"type": call.scenario.incident, "description": call.scenario.text}
    hazards = SAID_HAZARDS.get(call.scenario.incident.split(".")[0])
    if hazards:
        incident["hazards"] = list(hazards)
    return incident


def _location(call: LiveCall) -> dict[str, Any]:
    """Where the simulated caller is, as the operator confirms it."""
    location: dict[str, Any] = {"address": "Simulated address", "confirmed": True}
    if call.place is not None:
        location.update(lat=call.place.lat, lon=call.place.lon)
    return location


def _codes(services: list[Any]) -> list[str]:
    """The service codes of a card's ``services``."""
    return [str(s.get("code") or s.get("service")) for s in services if isinstance(s, dict)]


def refusal_code(answer: httpx.Response) -> str:
    """A refusal's ``detail_code`` (``offer_expired``, ``offer_closed``...), else its status."""
    with contextlib.suppress(ValueError, AttributeError):
        code = answer.json().get("detail_code")
        if isinstance(code, str):
            return code
    return str(answer.status_code)
