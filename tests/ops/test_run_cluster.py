"""``make run-cluster`` as a user runs it: PostgreSQL, Redis, two server processes and HAProxy
started by ``scripts/run_cluster.py``; the consoles served and signed into through HAProxy, a
process killed with SIGKILL without a request failing, and everything gone after SIGTERM."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.fixtures.processes import ROOT, attach_log, dispatch_env, log_tail
from tests.fixtures.servers import free_port
from tests.fixtures.waiting import eventually_sync

# It starts a PostgreSQL and a Redis of its own (Debian's, as the suite's servers are).
pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SCRIPT = ROOT / "scripts" / "run_cluster.py"
START_WITHIN_S = 90.0
STOP_WITHIN_S = 60.0


@dataclass(frozen=True)
class Running:
    """The script's process and where its cluster is."""

    script: subprocess.Popen[bytes]
    var: Path
    port: int
    output: Path

    @property
    def url(self) -> str:
        """HAProxy's address."""
        return f"http://127.0.0.1:{self.port}"

    def state(self) -> dict[str, Any]:
        """The script's ``cluster.json``: what runs, with process ids."""
        state: dict[str, Any] = json.loads((self.var / "cluster.json").read_text())
        return state

    def server_pids(self) -> dict[str, int | None]:
        """Each server process's id by name."""
        return {
            p["name"]: p["pid"]
            for p in self.state()["processes"]
            if p["name"].startswith("server-")
        }

    def stats(self) -> dict[str, dict[str, str]]:
        """HAProxy's counters of each server (``show stat`` on its admin socket)."""
        with socket.socket(socket.AF_UNIX) as stats:
            stats.settimeout(5)
            stats.connect(self.state()["stats_socket"])
            stats.sendall(b"show stat\n")
            text = b"".join(iter(lambda: stats.recv(65536), b"")).decode()
        header, *rows = (line.split(",") for line in text.splitlines() if line)
        fields = [name.lstrip("# ") for name in header]
        table = [dict(zip(fields, row, strict=False)) for row in rows]
        return {
            r["svname"]: r for r in table if r["pxname"] == "servers" and r["svname"] != "BACKEND"
        }

    def gave_up(self) -> str | None:
        """Why to stop waiting: the script ended."""
        code = self.script.poll()
        return None if code is None else f"the script exited with {code}:\n{log_tail(self.output)}"


def _ports(count: int) -> int:
    """The first of ``count`` consecutive loopback ports nobody listens on."""
    for _ in range(100):
        first = free_port()
        with contextlib.ExitStack() as held:
            try:
                for port in range(first, first + count):
                    sock = held.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return first
    raise AssertionError(f"no {count} consecutive free ports")


def _cluster_ports() -> tuple[int, int, int, int]:
    """HAProxy's, the first server's (the second's follows), PostgreSQL's and Redis's: free
    and all different."""
    for _ in range(100):
        port, servers, postgres, redis = free_port(), _ports(2), free_port(), free_port()
        if len({port, servers, servers + 1, postgres, redis}) == 5:
            return port, servers, postgres, redis
    raise AssertionError("no five different free ports")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def cluster() -> Iterator[Running]:
    """The script running a two-process cluster in a folder of its own, until the test ends
    (stopped the hard way, PostgreSQL included, if the test did not stop it)."""
    # As root PostgreSQL runs as the user postgres, who must enter the folder: not tmp_path.
    var = Path(tempfile.mkdtemp(prefix="dispatch-cluster-"))
    var.chmod(0o755)
    output = var / "run-cluster.out"
    port, servers, postgres, redis = _cluster_ports()
    args = [f"--port={port}", f"--base-port={servers}", f"--postgres-port={postgres}"]
    args += [f"--redis-port={redis}", "--processes=2", f"--var-dir={var / 'cluster'}"]
    attach_log("run_cluster.py", output)
    for name in ("server-1", "server-2", "haproxy", "postgres", "prepare"):
        attach_log(name, var / "cluster" / "logs" / f"{name}.log")
    with output.open("wb") as out:
        script = subprocess.Popen(
            [sys.executable, str(SCRIPT), *args],
            cwd=ROOT,
            env=dispatch_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Running(script, var / "cluster", port, output)
    try:
        yield running
    finally:
        postgres_pid = None
        with contextlib.suppress(OSError, ValueError):
            postgres_pid = running.state()["postgres"]["pid"]
        if script.poll() is None:
            script.kill()  # its children get SIGTERM from Linux (PR_SET_PDEATHSIG)
            script.wait(timeout=STOP_WITHIN_S)
        if postgres_pid is not None and not _gone(postgres_pid):
            os.kill(postgres_pid, signal.SIGQUIT)  # PostgreSQL's immediate shutdown
        shutil.rmtree(var, ignore_errors=True)


def _ready(running: Running) -> bool:
    with contextlib.suppress(httpx.HTTPError, OSError):
        return (running.var / "cluster.json").exists() and httpx.get(
            f"{running.url}/healthz", timeout=2
        ).status_code == 200
    return False


def test_the_cluster_serves_through_haproxy_and_survives_a_killed_process(
    cluster: Running,
) -> None:
    eventually_sync(
        lambda: _ready(cluster),
        what="the cluster answering /healthz through HAProxy",
        within=START_WITHIN_S,
        every=0.2,
        give_up=cluster.gave_up,
    )
    with httpx.Client(base_url=cluster.url, timeout=30) as http:
        health = http.get("/healthz")
        assert health.status_code == 200, health.text
        assert health.json()["status"] == "ok"

        token = http.post(
            "/api/v1/auth/token", data={"username": "operator1", "password": "operator1"}
        )
        assert token.status_code == 200, token.text
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        page = http.get("/operator/")
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]

        # A console's websocket, tunnelled by HAProxy, opens with the console's snapshot.
        ws_url = f"ws://127.0.0.1:{cluster.port}/ws/operator"
        with connect(f"{ws_url}?token={token.json()['access_token']}", max_size=2**22) as ws:
            first = json.loads(ws.recv(timeout=30))
        assert first["type"] == "snapshot", first

        # No stickiness: requests of one client spread over both processes, and the token
        # made by one process is good in the other (one secret).
        for _ in range(10):
            me = http.get("/api/v1/auth/me", headers=auth)
            assert me.status_code == 200, me.text
        served = {name: int(row["stot"]) for name, row in cluster.stats().items()}
        assert set(served) == {"server-1", "server-2"}
        assert all(count > 0 for count in served.values()), served
        # The services' deliveries run in the deliverer, started first: no server leads them.
        assert cluster.state()["processes"][0]["name"] == "deliverer"
        for process in cluster.state()["processes"]:
            if process["name"].startswith("server-"):
                leads = httpx.get(f"http://127.0.0.1:{process['port']}/healthz", timeout=10)
                assert "feeds.webhook" not in leads.json()["leads"], leads.json()

        _only_the_balancer_is_believed(cluster, http)

        # SIGKILL a process: every request through HAProxy still succeeds while its check
        # takes the process out (2 s), and the script starts it again.
        killed = cluster.server_pids()["server-1"]
        assert killed is not None
        os.kill(killed, signal.SIGKILL)
        until = time.monotonic() + 3.5  # past HAProxy's two failed checks, a second apart
        while time.monotonic() < until:
            me = http.get("/api/v1/auth/me", headers=auth)
            assert me.status_code == 200, me.text

        def back() -> bool:
            pid = cluster.server_pids()["server-1"]
            stats = cluster.stats()["server-1"]
            return pid not in (None, killed) and stats["status"] == "UP"

        eventually_sync(back, what="server-1 started again and UP", within=START_WITHIN_S)
        restarted = next(p for p in cluster.state()["processes"] if p["name"] == "server-1")
        direct = httpx.get(f"http://127.0.0.1:{restarted['port']}/healthz", timeout=10)
        assert direct.status_code == 200
        assert "server-1 (port" in cluster.output.read_text()
        assert "exited with signal SIGKILL" in cluster.output.read_text()

    state = cluster.state()
    pids = [p["pid"] for p in state["processes"]] + [
        state["redis"]["pid"],
        state["postgres"]["pid"],
    ]
    assert all(isinstance(pid, int) for pid in pids), state
    cluster.script.send_signal(signal.SIGTERM)
    assert cluster.script.wait(timeout=STOP_WITHIN_S) == 0, log_tail(cluster.output)
    eventually_sync(
        lambda: all(_gone(pid) for pid in pids),
        what=f"every process of the cluster gone ({pids})",
        within=10,
    )
    assert not (cluster.var / "cluster.json").exists()


def _only_the_balancer_is_believed(cluster: Running, http: httpx.Client) -> None:
    """The audit keeps the address HAProxy saw (another loopback address than its own), not
    the one a client claims in its own X-Forwarded-For."""
    local = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=cluster.url, timeout=30, transport=local) as elsewhere:
        refused = elsewhere.post(
            "/api/v1/auth/token",
            data={"username": "operator2", "password": "wrong"},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
    assert refused.status_code == 401, refused.text
    admin = http.post("/api/v1/auth/token", data={"username": "admin", "password": "admin"})
    assert admin.status_code == 200, admin.text
    audit = http.get(
        "/api/v1/audit",
        params={"action": "auth.sign_in_failed", "limit": 1},
        headers={"Authorization": f"Bearer {admin.json()['access_token']}"},
    )
    assert audit.status_code == 200, audit.text
    assert audit.json()["items"][0]["ip"] == "127.0.0.2"
