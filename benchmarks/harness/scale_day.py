"""The simulated day of ``make bench-day`` played against a cluster (``benchmarks/scale_out.py``).

:class:`ClusterDay` is the simulator's day with, around its calls, what a scale-out run
reads: each server process's CPU (``/proc``, every incarnation of it) and its quota's
throttling, the singletons each process leads, lock waits per process, the server's own
request counters summed over the processes, the load generator's CPU (this process and the
recordings' ``espeak-ng`` children), HAProxy's, the machine's busy cores and load average.
With a :class:`KillPlan` it also kills the process leading the singletons under the load
(:func:`kill_leader`), and once the day has drained checks that every singleton runs once
and that nothing acknowledged was lost (``losses.audit``), while the services' receivers
still listen.
"""

from __future__ import annotations

import asyncio
import collections
import os
import resource
import time
from dataclasses import dataclass
from typing import Any

import httpx

from benchmarks.day import requests_by_route
from benchmarks.harness import lock_waits
from benchmarks.harness.cluster import Cluster
from benchmarks.harness.losses import Acknowledged, audit
from benchmarks.harness.quota import CpuQuotas
from benchmarks.harness.servers import machine_busy_s, process_cpu_s
from simulators import day as sim

POLL_S = 0.1  # how often the survivor's /healthz is read after the kill
RESTART_WITHIN_S = 120.0  # the killed process started again (wait_ready's own bound is 90 s)


@dataclass(frozen=True)
class KillPlan:
    """``kill -9`` the leader ``after_s`` wall seconds into the calls; ``settle_s`` bounds
    the take-over's wait and the final checks'."""

    after_s: float
    settle_s: float


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class ClusterDay(sim.Day):
    """The simulator's day against ``group`` (through HAProxy), measured per process."""

    def __init__(
        self,
        config: sim.DayConfig,
        http: httpx.AsyncClient,
        group: Cluster,
        quotas: CpuQuotas | None,
        database_url: str,
        acknowledged: Acknowledged,
        kill: KillPlan | None = None,
    ) -> None:
        super().__init__(config, http)
        self.group = group
        self.quotas = quotas
        self.database_url = database_url
        self.acknowledged = acknowledged
        self.kill = kill
        self.window: dict[str, Any] = {}

    def _cpu(self) -> list[float]:
        return [m.killed_cpu_s + process_cpu_s(m.pid) for m in self.group.members]

    def _throttled(self) -> list[dict[str, float]]:
        if self.quotas is None:
            return [{} for _ in self.group.members]
        return [self.quotas.throttling(m.index) for m in self.group.members]

    async def _requests(self) -> int:
        counts: collections.Counter[str] = collections.Counter()
        for member in self.group.members:
            counts += await requests_by_route(member.url)
        return sum(counts.values())

    async def _play(self, *args: Any) -> None:
        group = self.group
        async with httpx.AsyncClient(timeout=5) as probe:
            leads = await group.leads(probe)
        pids = set(group.pids())
        requests = await self._requests()
        cpu, throttled = self._cpu(), self._throttled()
        busy, wall, load = machine_busy_s(), time.monotonic(), os.getloadavg()[0]
        own, children = time.process_time(), _children_cpu_s()
        balancer = group.balancer_cpu_s()
        async with lock_waits.sampling(self.database_url) as waits:
            play = asyncio.ensure_future(super()._play(*args))
            plan = self.kill
            fault = asyncio.ensure_future(kill_leader(group, plan)) if plan else None
            try:
                await play
            finally:
                if plan is not None and fault is not None:
                    # A short or loaded day may end before the kill's take-over and restart:
                    # they are waited for (bounded), not cut short; a failed day cuts them.
                    if not play.cancelled() and play.exception() is None:
                        await asyncio.wait({fault}, timeout=plan.settle_s + RESTART_WITHIN_S)
                    fault.cancel()
                    await asyncio.gather(fault, return_exceptions=True)
                # The bots' own wrap-ups outlive the day (the simulator stops only their
                # loops): they would post on a closed client.
                left = [t for bot in self.bots.values() for t in bot.background]
                for task in left:
                    task.cancel()
                await asyncio.gather(*left, return_exceptions=True)
        wall = time.monotonic() - wall
        cpu_after, throttled_after = self._cpu(), self._throttled()
        killed = sum(m.killed_cpu_s for m in group.members)  # reaped: counted as our children
        generator = time.process_time() - own + _children_cpu_s() - children - killed
        pids |= set(group.pids())
        by_pid = waits.by_process(sorted(pids))
        processes = []
        for member, before, after, t0, t1 in zip(
            group.members, cpu, cpu_after, throttled, throttled_after, strict=True
        ):
            incarnations = [member.pid, *member.past_pids]
            mine = [by_pid.get(f"dispatch112:{p}", {}) for p in incarnations]
            processes.append(
                {
                    "name": member.name,
                    "pid": member.pid,
                    "leads_at_start": leads.get(member.index, []),
                    "cpu_s": round(after - before, 2),
                    "cores": round((after - before) / wall, 3),
                    # Periods (100 ms) in which the quota ran out, and the kernel's
                    # throttled time (summed over CPUs: it may exceed the wall time).
                    "throttled_share": _share(t0, t1),
                    "throttled_s": round(t1.get("throttled_s", 0) - t0.get("throttled_s", 0), 2),
                    "lock_waits": sum(w.get("waits", 0) for w in mine),
                    "lock_wait_s": round(sum(w.get("sampled_wait_s", 0.0) for w in mine), 2),
                }
            )
        server_cpu = sum(p["cpu_s"] for p in processes)
        machine = machine_busy_s() - busy
        generator_cores = generator / wall
        balancer_cores = (group.balancer_cpu_s() - balancer) / wall
        self.window = {
            "wall_s": round(wall, 1),
            "processes": processes,
            "requests": await self._requests() - requests if self.kill is None else 0,
            "lock_waits": by_pid,
            "lock_wait_samples": waits.samples,
            "load_generator_cores": round(generator_cores, 3),
            "haproxy_cores": round(balancer_cores, 3),
            "machine_busy_cores": round(machine / wall, 3),
            # PostgreSQL, Redis, and whatever else ran on the machine meanwhile.
            "other_cores": round(
                (machine - server_cpu) / wall - generator_cores - balancer_cores, 3
            ),
            "load_average": [round(load, 2), round(os.getloadavg()[0], 2)],
        }
        if fault is not None:
            failed = fault.cancelled() or fault.exception() is not None
            if failed:
                why = "cancelled" if fault.cancelled() else repr(fault.exception())
                self.window["kill"] = {"error": f"the kill did not complete: {why}"}
            else:
                self.window["kill"] = fault.result()
            await self._after_kill(leads)

    async def _after_kill(self, leads_at_start: dict[int, list[str]]) -> None:
        """Every singleton led by exactly one process; nothing acknowledged lost."""
        assert self.kill is not None
        names = {name for led in leads_at_start.values() for name in led}
        async with httpx.AsyncClient(timeout=5) as probe:
            leads = await self.group.leads(probe)
        holders = collections.Counter(name for led in leads.values() for name in led)
        self.window["kill"]["singletons_after"] = {
            "leads": {self.group.members[i].name: led for i, led in leads.items()},
            "not_led": sorted(names - set(holders)),
            "led_twice": sorted(name for name, n in holders.items() if n > 1),
        }
        self.window["losses"] = await audit(
            self.database_url,
            self.acknowledged,
            lambda code: self.systems[code].cards,
            settle_s=self.kill.settle_s,
        )


def _share(before: dict[str, float], after: dict[str, float]) -> float | None:
    periods = after.get("periods", 0) - before.get("periods", 0)
    throttled = after.get("throttled_periods", 0) - before.get("throttled_periods", 0)
    return round(throttled / periods, 3) if periods else None


async def kill_leader(group: Cluster, plan: KillPlan | None) -> dict[str, Any]:
    """After ``plan.after_s``, SIGKILL the process leading the most singletons; how long until
    a survivor led each (its ``/healthz`` read every POLL_S), then start the killed process
    again (``serve --no-migrate``) and how long that took."""
    assert plan is not None
    await asyncio.sleep(plan.after_s)
    async with httpx.AsyncClient(timeout=2) as probe:
        leads = await group.leads(probe)
        victim = max(leads, key=lambda i: len(leads[i]))
        led = set(leads[victim])
        member = group.members[victim]
        killed_pid = member.pid
        died = group.kill(victim)
        taken: dict[str, float] = {}
        polls = 0
        while led - set(taken) and time.monotonic() - died < plan.settle_s:
            await asyncio.sleep(max(0.0, died + (polls + 1) * POLL_S - time.monotonic()))
            polls += 1
            now = await group.leads(probe)
            seen = round(time.monotonic() - died, 2)
            for index, names in now.items():
                if index != victim:
                    for name in names:
                        taken.setdefault(name, seen)
        restart_s = await group.restart(victim)
    return {
        "victim": member.name,
        "victim_pid": killed_pid,
        "led": sorted(led),
        "takeover_s": {name: taken.get(name) for name in sorted(led)},
        "polls": polls,
        "restarted_after_s": round(time.monotonic() - died, 1),
        "restart_took_s": round(restart_s, 1),
    }
