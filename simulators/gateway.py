"""The telephony gateway's side: reports calls, events and AML; obeys /ws/gateway commands.

Commands (see dispatch's ``calls/gateway/socket.py``): ``offer`` rings the operator bot's set
(the gateway reports ``ringing`` and hands the offer to the bot), ``connect`` bridges (nothing
to report: the answer was recorded when the operator accepted), ``originate`` dials a callback
from the operator's set (the outcome is drawn from the :class:`CallbackScenario` and the dial
handed to that operator's bot, which records it), ``hangup``/``transfer``/``send_text`` are
acknowledged; a ``send_text`` carrying a survey is answered by SMS from its number as the
:class:`SurveyScenario` draws it (a score and a comment, an opt-out, or nothing). Every command
is acknowledged once; a repeat after a reconnect is acknowledged again and otherwise ignored.
How late each command arrives (its ``created_at`` against the server clock) is counted per
command type.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from simulators.callbacks import CallbackScenario, Dial
from simulators.client import API, ServerClock
from simulators.control import ControlScenario
from simulators.places import Place
from simulators.report import Tally
from simulators.surveys import SurveyScenario

log = logging.getLogger(__name__)

OfferHandler = Callable[[str, str, str], None]  # operator, call id, offer id
DialHandler = Callable[[str, Dial], None]  # operator, the dial


class Gateway:
    """One simulated gateway: HTTP for calls and events, a websocket for commands."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        key: str,
        clock: ServerClock,
        tally: Tally,
        on_offer: OfferHandler,
        on_dial: DialHandler | None = None,
        *,
        callbacks: CallbackScenario | None = None,
        surveys: SurveyScenario | None = None,
        control: ControlScenario | None = None,
        rng: random.Random | None = None,
        control_rng: random.Random | None = None,
    ) -> None:
        self.http = http
        self.ws_url = base_url.replace("http", "ws", 1).rstrip("/") + "/ws/gateway"
        self.headers = {"X-Api-Key": key}
        self.key = key
        self.clock = clock
        self.tally = tally
        self.on_offer = on_offer
        self.on_dial = on_dial
        self.callbacks = callbacks or CallbackScenario()
        self.surveys = surveys or SurveyScenario()
        self.control = control or ControlScenario()
        self.rng = rng or random.Random()  # noqa: S311 (a simulation, not secrets)
        # Parties' answers are drawn from their own sequence: the n-th party asked onto a call
        # answers the same way in every run with the seed, whatever the timing of the rest.
        self.control_rng = control_rng or random.Random()  # noqa: S311 (a simulation)
        self.seen: set[str] = set()
        self.connected = asyncio.Event()
        self._events = 0
        self.background: set[asyncio.Task[Any]] = set()

    async def new_call(
        self, channel: str, language: str, number: str, place: Place | None
    ) -> str | None:
        """Report a new call; its id, or None when the server refused it (counted)."""
        body: dict[str, Any] = {"channel": channel, "language": language, "caller_number": number}
        if place is not None:
            body["location"] = {"lat": place.lat, "lon": place.lon, "radius_m": 1500}
        answer = await self.http.post(f"{API}/calls", json=body, headers=self.headers)
        if answer.status_code not in (200, 201):
            self.tally.errors[f"call {answer.status_code}"] += 1
            return None
        call_id: str = answer.json()["id"]
        return call_id

    async def answer_survey(self, payload: dict[str, Any]) -> None:
        """The surveyed caller's reply, if the scenario draws one, sent as an SMS (counted)."""
        text = self.surveys.draw(self.rng, str(payload.get("language") or "uz"))
        if text is None:
            self.tally.surveys["ignored"] += 1
            return
        body = {
            "channel": "sms",
            "caller_number": str(payload["to"]),
            "language": "uz",
            "text": text,
            "message_id": f"sim-survey-{payload.get('survey_id')}",
        }
        answer = await self.http.post(f"{API}/calls", json=body, headers=self.headers)
        # 200: taken as the survey's answer; 201: it opened a conversation for the operators.
        self.tally.surveys[f"replied {answer.status_code}"] += 1

    async def event(
        self,
        call_id: str,
        kind: str,
        *,
        operator: str | None = None,
        media_url: str | None = None,
        command_id: str | None = None,
    ) -> int:
        """Report an event of a call; the HTTP status (409: the call is past that)."""
        self._events += 1
        body: dict[str, Any] = {
            "event_id": f"sim-{kind}-{call_id}-{self._events}",
            "type": kind,
            "at": self.clock.stamp(),
        }
        for name, value in (("operator", operator), ("media_url", media_url)):
            if value is not None:
                body[name] = value
        if command_id is not None:
            body["command_id"] = command_id
        answer = await self.http.post(
            f"{API}/calls/{call_id}/events", json=body, headers=self.headers
        )
        if answer.status_code not in (200, 201, 409):
            self.tally.errors[f"event {kind} {answer.status_code}"] += 1
        return answer.status_code

    async def aml(self, number: str, place: Place) -> None:
        """Send the handset's AML position over HTTPS (as Android ELS would)."""
        millis = int(self.clock.now().timestamp() * 1000)
        form = (
            f"v=3&device_number={number.replace('+', '%2B')}"
            f"&location_latitude={place.lat:.6f}&location_longitude={place.lon:.6f}"
            f"&location_accuracy=12&location_time={millis}&location_source=gps"
            "&location_certainty=68"
        )
        answer = await self.http.post(
            f"{API}/aml/https",
            content=form.encode(),
            headers={**self.headers, "Content-Type": "application/x-www-form-urlencoded"},
        )
        if answer.status_code == 201:
            self.tally.aml += 1
        else:
            self.tally.errors[f"aml {answer.status_code}"] += 1

    async def run(self) -> None:
        """Keep the command websocket open (reconnecting) until cancelled."""
        while True:
            try:
                async with connect(self.ws_url, additional_headers=self.headers) as socket:
                    self.connected.set()
                    async for raw in socket:
                        message = json.loads(raw)
                        if message.get("type") == "command":
                            await socket.send(json.dumps(self._obey(message)))
            except (OSError, WebSocketException) as exc:
                log.warning("gateway websocket: %s; reconnecting", exc)
                self.connected.clear()
                await asyncio.sleep(0.2)

    def _later(self, work: Coroutine[Any, Any, Any]) -> None:
        # Reporting must not hold up the next command: offers time out in scaled seconds.
        task = asyncio.create_task(self._counted(work))
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _counted(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run a report made later; a server gone meanwhile (killed, restarting) is counted as
        an error of the run instead of an exception nobody reads."""
        try:
            await work
        except httpx.HTTPError as exc:
            self.tally.errors[f"gateway report {type(exc).__name__}"] += 1

    def _obey(self, command: dict[str, Any]) -> dict[str, Any]:
        command_id = str(command["command_id"])
        ack = {"type": "ack", "command_id": command_id}
        if command_id in self.seen:
            return ack
        self.seen.add(command_id)
        kind = str(command.get("command"))
        call_id = str(command.get("call_id"))
        operator = command.get("operator")
        payload = command.get("payload") or {}
        self._lag(kind, command.get("created_at"))
        if kind == "offer" and operator:
            # The set rings at once (offers time out in seconds of a scaled clock); the event
            # follows, and is refused harmlessly (409) when the operator already answered.
            with contextlib.suppress(KeyError):
                self.on_offer(str(operator), call_id, str(payload["offer_id"]))
            self._later(self.event(call_id, "ringing", operator=operator, command_id=command_id))
        elif kind == "originate" and operator and "callback_id" in payload:
            self.tally.dials += 1
            attempt = int(payload.get("attempt") or 1)
            outcome, seconds = self.callbacks.draw(self.rng, attempt)
            if self.on_dial is not None:
                self.on_dial(str(operator), Dial.of(call_id, payload, outcome, seconds))
        elif kind == "send_text" and payload.get("survey") == "survey" and payload.get("to"):
            self.tally.surveys["received"] += 1
            self._later(self.answer_survey(dict(payload)))
        elif kind in ("hold", "resume"):
            # The caller hears music (or comes back): the call's state follows the event.
            self.tally.control[kind] += 1
            happened = "held" if kind == "hold" else "resumed"
            self._later(self.event(call_id, happened, operator=operator, command_id=command_id))
        elif kind in ("transfer", "conference", "monitor", "stop_monitor"):
            action = payload.get("action")
            self.tally.control[f"{kind} {action}" if action else kind] += 1
            failure = self.control.outcome(self.control_rng, kind, action)
            if failure is not None:
                self.tally.control[f"refused {failure.split(':')[0]}"] += 1
                return {"type": "nack", "command_id": command_id, "reason": failure}
        return ack

    def _lag(self, kind: str, created_at: object) -> None:
        if not isinstance(created_at, str):
            return
        with contextlib.suppress(ValueError):
            created = datetime.fromisoformat(created_at)
            if created.tzinfo is None:
                created = created.replace(tzinfo=UTC)
            self.tally.command_lag[kind].append((self.clock.now() - created).total_seconds())
