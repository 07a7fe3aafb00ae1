"""A compressed day against a running server: callers arrive, bots answer and call back,
services receive cards on their webhooks and progress.

The server must run in simulation mode with ``DISPATCH_TIME_SCALE`` equal to ``speed`` (or in
dev mode with speed 1); the run measures the server clock's pace and refuses a mismatch. After
the day, calls in flight and the run's open callbacks get ``drain_s`` server seconds to finish;
the callback figures come from the server (``GET /api/v1/callbacks/stats``, as ``sim-analyst``).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

import httpx

from simulators import arrivals as arr
from simulators.callbacks import CallbackScenario, Dial
from simulators.client import (
    ANALYST,
    API,
    Admin,
    Background,
    ServerClock,
    TimedTransport,
    Timings,
    measured_scale,
    operator_password,
    server_now,
    sign_in,
)
from simulators.control import ControlScenario
from simulators.gateway import Gateway
from simulators.operators import CallBook, LiveCall, OperatorBot
from simulators.places import PlaceSampler, districts_from_geojson
from simulators.recordings import Recorder
from simulators.report import CallRecord, Tally, build_report
from simulators.services import Outage, PullService, Receivers, ServiceSystem
from simulators.surveys import SurveyScenario

MOBILE_SHARE = 0.85  # of voice calls; they send AML a few seconds after the call starts


@dataclass
class DayConfig:
    """Everything a run needs to know."""

    url: str = "http://127.0.0.1:8112"
    speed: float = 1.0
    hours: float = 24.0
    start_hour: float = 0.0
    operators: int = 12
    seed: int = 112
    mix: arr.Mix = field(default_factory=arr.Mix)
    surges: list[arr.Surge] = field(default_factory=list)
    replay: Path | None = None
    region: str | None = None
    admin_user: str = "admin"
    admin_password: str = "admin"  # noqa: S105 (dev mode's demo admin)
    recordings: Path = Path("var/recordings")
    target_s: float = 20.0
    drain_s: float = 600.0  # server seconds to let calls in flight finish after the day
    services: str = "webhook"  # or "pull"
    pull: frozenset[str] = frozenset()  # services that pull their feed even in webhook mode
    outages: list[Outage] = field(default_factory=list)
    service_errors: float = 0.0  # share of webhook deliveries answered 500
    callbacks: CallbackScenario = field(default_factory=CallbackScenario)
    surveys: SurveyScenario = field(default_factory=SurveyScenario)
    control: ControlScenario = field(default_factory=ControlScenario)
    background_requests: int = 4  # status reports, AML and heartbeats in flight at once (0: any)
    progress: bool = True
    ring_wall_s: float = 2.0  # the shortest offer timeout in wall seconds (see Admin.ring_time)
    heartbeat_s: float = 15.0  # server seconds between an operator bot's heartbeats


class Day:
    """One run: set up accounts and bots, play the callers, collect the report."""

    def __init__(
        self, config: DayConfig, http: httpx.AsyncClient, timings: Timings | None = None
    ) -> None:
        self.config = config
        self.http = http
        self.timings = timings or Timings()
        self.rng = random.Random(config.seed)  # noqa: S311 (a simulation, not secrets)
        self.tally = Tally()
        self.calls = CallBook()
        self.bots: dict[str, OperatorBot] = {}
        self.systems: dict[str, ServiceSystem] = {}
        self.tasks: list[asyncio.Task[Any]] = []
        self.callers: set[asyncio.Task[None]] = set()
        self.background = Background(config.background_requests)

    async def run(self, out: TextIO = sys.stderr) -> dict[str, Any]:
        """Play the day; the report."""
        cfg = self.config
        token = await sign_in(self.http, cfg.admin_user, cfg.admin_password)
        scale = await measured_scale(self.http, token)
        if abs(scale - cfg.speed) > 0.25 * cfg.speed:
            raise RuntimeError(
                f"the server's clock runs {scale:.1f}x, not {cfg.speed:g}x: start it with "
                f"DISPATCH_MODE=simulation DISPATCH_TIME_SCALE={cfg.speed:g}"
            )
        clock = ServerClock(await server_now(self.http, token), cfg.speed)
        if cfg.heartbeat_s / cfg.speed < 1.0 and cfg.progress:
            out.write(
                f"heartbeats every {1000 * cfg.heartbeat_s / cfg.speed:.0f} wall ms per idle "
                "operator load the server: raise --heartbeat (under DISPATCH_OPERATOR_GRACE_S)\n"
            )
        admin = Admin(self.http, token)
        ring_s = min(300, math.ceil(cfg.ring_wall_s * cfg.speed))
        changed = await admin.ring_time(ring_s)
        if changed and cfg.progress:
            out.write(f"offer timeout raised to {ring_s} s (server time) in {', '.join(changed)}\n")
        services = await admin.services()
        accounts = await admin.accounts(cfg.operators, list(services))
        sampler = PlaceSampler(districts_from_geojson(await admin.districts(cfg.region)), self.rng)
        recorder = Recorder(cfg.recordings)
        gateway = Gateway(
            self.http,
            cfg.url,
            accounts.gateway_key,
            clock,
            self.tally,
            self._ring,
            self._dial,
            callbacks=cfg.callbacks,
            surveys=cfg.surveys,
            control=cfg.control,
            rng=random.Random(cfg.seed + 1),  # noqa: S311 (a simulation, not secrets)
            control_rng=random.Random(f"{cfg.seed}-control"),  # noqa: S311 (a simulation)
        )

        async def hangup(call_id: str, operator: str, media: str | None, dropped: bool) -> None:
            kind = "dropped" if dropped else "ended"
            await gateway.event(call_id, kind, operator=operator, media_url=media)
            self.calls[call_id].record.dropped = dropped

        calls_control = random.Random(f"{cfg.seed}-calls-control")  # noqa: S311 (a simulation)
        for name in accounts.operators:
            bot = OperatorBot(
                name,
                self.http,
                clock,
                self.calls,
                self.tally,
                recorder,
                hangup,
                rng=self.rng,
                heartbeat_s=cfg.heartbeat_s,
                limiter=self.background,
                control=cfg.control,
                control_rng=calls_control,
            )
            self.bots[name] = bot
        for code, key in accounts.service_keys.items():
            kind = PullService if cfg.services == "pull" or code in cfg.pull else ServiceSystem
            self.systems[code] = kind(
                code,
                key,
                self.http,
                clock,
                self.tally,
                rng=random.Random(f"{cfg.seed}-{code}"),  # noqa: S311 (a simulation)
                outages=cfg.outages,
                error_share=cfg.service_errors,
                background=self.background,
            )
        self.tasks.append(asyncio.create_task(gateway.run()))
        await asyncio.wait_for(gateway.connected.wait(), 10)
        for bot in self.bots.values():
            await bot.start()
            self.tasks += [asyncio.create_task(bot.run()), asyncio.create_task(bot.heartbeat())]
        started, cpu = time.monotonic(), time.process_time()
        async with self._services(admin, services):
            await self._play(gateway, sampler, clock, out)
        callback_stats = await self._callback_stats(clock)
        return build_report(
            self.tally,
            target_s=cfg.target_s,
            hours=cfg.hours,
            speed=cfg.speed,
            wall_s=time.monotonic() - started,
            services=cfg.services,
            callback_stats=callback_stats,
            timing={
                "simulator_cpu_s": round(time.process_time() - cpu, 1),
                "requests": self.timings.summary(),
            },
        )

    @contextlib.asynccontextmanager
    async def _services(self, admin: Admin, webhooks: dict[str, str | None]) -> AsyncIterator[None]:
        """The services' systems for the run: receivers registered as the services' webhooks
        (put back as they were afterwards), or pulling tasks (every service in pull mode, those
        of ``pull`` in webhook mode)."""
        receivers: Receivers | None = None
        registered: list[str] = []
        pushed = {c: s for c, s in self.systems.items() if not isinstance(s, PullService)}
        try:
            for system in self.systems.values():
                if isinstance(system, PullService):
                    self.tasks.append(asyncio.create_task(system.run()))
            if pushed:
                receivers = Receivers(pushed)
                await receivers.start()
                for code, system in pushed.items():
                    await admin.webhook(code, receivers.urls[code], system.secret)
                    registered.append(code)
            yield
        finally:
            for code in registered:
                with contextlib.suppress(httpx.HTTPError, RuntimeError):
                    await admin.webhook(code, webhooks.get(code))
            for system in self.systems.values():
                await system.close()
            if receivers is not None:
                await receivers.stop()

    async def _play(
        self, gateway: Gateway, sampler: PlaceSampler, clock: ServerClock, out: TextIO
    ) -> None:
        """The callers of the day, then the drain (calls in flight, open callbacks)."""
        cfg = self.config
        scenarios = (
            arr.replay(cfg.replay, cfg.mix, hours=cfg.hours, seed=cfg.seed)
            if cfg.replay
            else arr.arrivals(
                cfg.mix,
                start_hour=cfg.start_hour,
                hours=cfg.hours,
                seed=cfg.seed,
                surges=cfg.surges,
            )
        )
        surge_places = {n: sampler.draw() for n, s in enumerate(cfg.surges) if s.centre is None}
        progress = asyncio.create_task(self._progress(clock, out)) if cfg.progress else None
        try:
            for scenario in scenarios:
                await clock.sleep(scenario.at_s - clock.elapsed())
                surge = cfg.surges[scenario.surge] if scenario.surge is not None else None
                if surge is not None and surge.centre is not None:
                    place = sampler.near(*surge.centre, surge.radius_m)
                elif scenario.surge is not None:
                    place = surge_places[scenario.surge]
                else:
                    place = sampler.draw()
                task = asyncio.create_task(self._caller(gateway, scenario, place, clock))
                self.callers.add(task)
                task.add_done_callback(self.callers.discard)
            await clock.sleep(cfg.hours * 3600 - clock.elapsed())
            deadline = time.monotonic() + cfg.drain_s / cfg.speed
            if self.callers:
                await asyncio.wait(set(self.callers), timeout=cfg.drain_s / cfg.speed)
            await self._drain_callbacks(deadline)
        finally:
            if progress is not None:
                progress.cancel()
                out.write("\n")
            for task in [*self.tasks, *self.callers]:
                task.cancel()
            await asyncio.gather(*self.tasks, *self.callers, return_exceptions=True)
            for bot in self.bots.values():
                await bot.stop()

    async def _analyst(self) -> dict[str, str]:
        token = await sign_in(self.http, ANALYST, operator_password(ANALYST))
        return {"Authorization": f"Bearer {token}"}

    async def _drain_callbacks(self, deadline: float) -> None:
        """Wait (until ``deadline``, monotonic) for the run's open callbacks to settle."""
        headers = await self._analyst()
        while time.monotonic() < deadline:
            answer = await self.http.get(f"{API}/callbacks", params={"limit": 500}, headers=headers)
            if answer.status_code != 200:
                self.tally.errors[f"callbacks {answer.status_code}"] += 1
                return
            mine = [t for t in answer.json()["items"] if t["call_id"] in self.calls]
            if not mine and not any(bot.dials for bot in self.bots.values()):
                return
            await asyncio.sleep(0.5)

    async def _callback_stats(self, clock: ServerClock) -> dict[str, Any] | None:
        """The server's callback figures since the run started."""
        try:
            headers = await self._analyst()
            answer = await self.http.get(
                f"{API}/callbacks/stats",
                params={"since": (clock.origin - timedelta(seconds=1)).isoformat()},
                headers=headers,
            )
        except (httpx.HTTPError, RuntimeError) as exc:
            self.tally.errors[f"callback stats {type(exc).__name__}"] += 1
            return None
        if answer.status_code != 200:
            self.tally.errors[f"callback stats {answer.status_code}"] += 1
            return None
        stats: dict[str, Any] = answer.json()
        return stats

    def _dial(self, operator: str, dial: Dial) -> None:
        bot = self.bots.get(operator)
        if bot is not None:
            bot.dial(dial)
        else:
            self.tally.errors["dial for an unknown operator"] += 1

    def _ring(self, operator: str, call_id: str, offer_id: str) -> None:
        bot = self.bots.get(operator)
        if bot is not None:
            bot.ring(call_id, offer_id)

    async def _caller(
        self, gateway: Gateway, scenario: arr.Scenario, place: Any, clock: ServerClock
    ) -> None:
        number = f"+99890{self.rng.randrange(10**7):07d}"
        mobile = scenario.channel == "voice" and self.rng.random() < MOBILE_SHARE
        call_id = await gateway.new_call(scenario.channel, scenario.language, number, place)
        if call_id is None:
            return
        record = CallRecord(call_id=call_id, offered_at=clock.elapsed())
        self.tally.calls[call_id] = record
        call = LiveCall(scenario=scenario, place=place, number=number, record=record)
        self.calls.add(call)
        if mobile:
            aml = asyncio.create_task(self._aml(gateway, number, place, clock))
            self.callers.add(aml)
            aml.add_done_callback(self.callers.discard)
        try:
            await asyncio.wait_for(call.answered.wait(), scenario.patience_s / clock.scale)
        except TimeoutError:
            status = await gateway.event(call_id, "abandoned")
            if status in (200, 201):
                record.abandoned_at = clock.elapsed()
                return
            await call.answered.wait()  # the operator picked up just before the caller gave up
        await call.finished.wait()

    async def _aml(self, gateway: Gateway, number: str, place: Any, clock: ServerClock) -> None:
        await clock.sleep(self.rng.uniform(3.0, 15.0))
        with contextlib.suppress(httpx.HTTPError):
            async with self.background.slot():
                await gateway.aml(number, place)

    async def _progress(self, clock: ServerClock, out: TextIO) -> None:
        total = self.config.hours * 3600
        while True:
            share = min(clock.elapsed() / total, 1.0)
            hour = (self.config.start_hour + clock.elapsed() / 3600) % 24
            records = self.tally.calls.values()
            answered = sum(1 for r in records if r.answered_at is not None)
            abandoned = sum(1 for r in records if r.abandoned_at is not None)
            bar = "#" * int(share * 30)
            out.write(
                f"\r[{bar:<30}] {share:4.0%} {int(hour):02d}:{int(hour % 1 * 60):02d} "
                f"offered {len(self.tally.calls)} answered {answered} abandoned {abandoned} "
                f"callbacks {self.tally.dials} "
            )
            out.flush()
            await asyncio.sleep(0.5)


async def run_day(config: DayConfig) -> dict[str, Any]:
    """Run a day against the server at ``config.url``; the report."""
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    timings = Timings()
    transport = TimedTransport(timings, httpx.AsyncHTTPTransport(limits=limits))
    async with httpx.AsyncClient(base_url=config.url, timeout=30, transport=transport) as http:
        return await Day(config, http, timings).run()
