"""Several server processes on one PostgreSQL and Redis, behind HAProxy, for a benchmark.

Each process is this checkout's ``serve --no-migrate`` on a port of its own, started through
``anchored_serve`` (one simulation clock for all) and held to its CPU quota from its first
instant (``quota.CpuQuotas``); HAProxy balances requests over them as ``make run-cluster``
does (least connections, no stickiness, health checks every second, websockets tunnelled,
a request whose connection failed sent to another process). A process can be killed
(SIGKILL) and started again on its port, in its group. ``/healthz`` names the singletons each
process leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from benchmarks.harness.quota import CpuQuotas
from benchmarks.harness.servers import free_port, process_cpu_s, wait_ready

STOP_WITHIN_S = 60.0


class ClusterError(RuntimeError):
    """Something the cluster needs is missing or would not start."""


def haproxy_binary() -> str:
    """Debian's haproxy, or what to install."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise ClusterError("haproxy is missing: apt-get install haproxy (or make system-deps)")
    return found


@functools.cache
def run_cluster_services() -> ModuleType:
    """``scripts/cluster_services.py``, what ``make run-cluster`` starts its parts with (a
    script, not a package): the benchmarks take its websockets' backend from it."""
    path = Path(__file__).resolve().parents[2] / "scripts" / "cluster_services.py"
    spec = importlib.util.spec_from_file_location("cluster_services", path)
    if spec is None or spec.loader is None:
        raise ClusterError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def haproxy_config(port: int, servers: list[tuple[str, int]]) -> str:
    """HAProxy on loopback ``port`` in front of ``servers`` (name, port), as
    ``make run-cluster`` runs it: least connections, no stickiness, checks every second, the
    websockets balanced apart from the requests (its backends are that script's)."""
    parts = run_cluster_services()
    lines = [
        "global",
        "    maxconn 4000",
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        "    timeout client 75s",
        "    timeout server 75s",
        "    timeout http-request 15s",
        "    timeout tunnel 1h",
        "frontend dispatch",
        f"    bind 127.0.0.1:{port}",
        "    http-request del-header X-Forwarded-For",
        *parts.SOCKETS_APART,
        *parts.servers_backend(servers),
        *parts.sockets_backend(servers),
    ]
    return "\n".join(lines) + "\n"


@dataclass
class Member:
    """One server process of the cluster (started again on the same port after a kill)."""

    index: int
    port: int
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    killed_cpu_s: float = 0.0  # CPU of the incarnations killed so far
    past_pids: list[int] = field(default_factory=list)  # and their pids

    @property
    def url(self) -> str:
        """Its own base URL (not through HAProxy)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The running incarnation's pid."""
        assert self.process is not None
        return self.process.pid

    @property
    def name(self) -> str:
        """Its name in HAProxy and the reports."""
        return f"server-{self.index + 1}"


@dataclass
class Cluster:
    """``count`` server processes with ``env``, their logs in ``workdir``, and HAProxy."""

    count: int
    env: dict[str, str]
    workdir: Path
    quotas: CpuQuotas | None
    members: list[Member] = field(default_factory=list)
    balancer: subprocess.Popen[bytes] | None = None
    port: int = 0

    @property
    def url(self) -> str:
        """HAProxy's base URL: where the load goes."""
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The running server processes' pids, in order."""
        return [m.pid for m in self.members]

    async def start(self) -> None:
        """Start every process at once, wait until each answers, then HAProxy."""
        self.members = [Member(i, free_port()) for i in range(self.count)]
        for member in self.members:
            self._launch(member)
        await asyncio.gather(*(self._ready(m) for m in self.members))
        self._start_balancer()

    def _launch(self, member: Member) -> None:
        log = self.workdir / f"{member.name}-{member.starts}.log"
        command = [sys.executable, "-m", "benchmarks.harness.anchored_serve", "serve"]
        command += ["--no-migrate", "--port", str(member.port)]
        with log.open("wb") as output:
            member.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                command, env=self.env, cwd=self.workdir, stdout=output, stderr=subprocess.STDOUT
            )
        member.starts += 1
        if self.quotas is not None:
            self.quotas.add(member.index, member.process.pid)

    async def _ready(self, member: Member) -> None:
        assert member.process is not None
        log = self.workdir / f"{member.name}-{member.starts - 1}.log"
        await asyncio.to_thread(wait_ready, member.process, f"{member.url}/healthz", log)

    def _start_balancer(self) -> None:
        self.port = free_port()
        config = self.workdir / "haproxy.cfg"
        servers = [(m.name, m.port) for m in self.members]
        config.write_text(haproxy_config(self.port, servers))
        binary = haproxy_binary()
        checked = subprocess.run(  # noqa: S603 - Debian's haproxy
            [binary, "-c", "-q", "-f", str(config)], capture_output=True, text=True, check=False
        )
        if checked.returncode != 0:
            raise ClusterError(f"haproxy refused {config}: {checked.stdout}{checked.stderr}")
        with (self.workdir / "haproxy.log").open("wb") as output:
            self.balancer = subprocess.Popen(  # noqa: S603 - Debian's haproxy
                [binary, "-db", "-f", str(config)], stdout=output, stderr=subprocess.STDOUT
            )
        wait_ready(self.balancer, f"{self.url}/healthz", self.workdir / "haproxy.log")

    def kill(self, index: int) -> float:
        """SIGKILL process ``index`` (no shutdown hook runs); when it died (monotonic)."""
        member = self.members[index]
        assert member.process is not None
        with contextlib.suppress(OSError):
            member.killed_cpu_s += process_cpu_s(member.pid)
        member.past_pids.append(member.pid)
        member.process.send_signal(signal.SIGKILL)
        died = time.monotonic()
        member.process.wait(timeout=30)
        return died

    async def restart(self, index: int) -> float:
        """Start process ``index`` again on its port and in its group; seconds until ready."""
        began = time.monotonic()
        member = self.members[index]
        self._launch(member)
        await self._ready(member)
        return time.monotonic() - began

    async def health(self, index: int, http: httpx.AsyncClient) -> dict[str, Any] | None:
        """Process ``index``'s ``/healthz`` answer, or None when it does not answer."""
        with contextlib.suppress(httpx.HTTPError, ValueError):
            answer = await http.get(f"{self.members[index].url}/healthz", timeout=2)
            body: dict[str, Any] = answer.json()
            return body
        return None

    async def leads(self, http: httpx.AsyncClient) -> dict[int, list[str]]:
        """The singletons each process leads now, by index (empty when it does not answer)."""
        answers = await asyncio.gather(*(self.health(i, http) for i in range(self.count)))
        return {i: list((a or {}).get("leads") or []) for i, a in enumerate(answers)}

    def balancer_cpu_s(self) -> float:
        """HAProxy's CPU so far."""
        if self.balancer is None or self.balancer.poll() is not None:
            return 0.0
        return process_cpu_s(self.balancer.pid)

    def stop(self) -> None:
        """HAProxy, then the servers (SIGINT, then the hard way), each wait bounded."""
        running = [self.balancer] if self.balancer is not None else []
        running += [m.process for m in self.members if m.process is not None]
        for process in running:
            if process.poll() is None:
                process.send_signal(
                    signal.SIGINT if process is not self.balancer else signal.SIGTERM
                )
        deadline = time.monotonic() + STOP_WITHIN_S
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextlib.asynccontextmanager
async def cluster(
    count: int, env: dict[str, str], workdir: Path, quotas: CpuQuotas | None
) -> AsyncIterator[Cluster]:
    """A started :class:`Cluster` until the block ends."""
    group = Cluster(count, env, workdir, quotas)
    try:
        await group.start()
        yield group
    finally:
        await asyncio.to_thread(group.stop)
