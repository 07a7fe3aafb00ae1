"""The faults ``make reliability`` (benchmarks/reliability.py) causes and watches: a service's
system that records what it receives (and can be down), this checkout's server that can be
killed with SIGKILL and started again, a Redis that can be killed, and PostgreSQL restarted the
hard way."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks.harness.servers import dispatch_command, free_port, wait_ready
from tests.fixtures.servers import _as_postgres, _pg_bin, redis_command


@dataclass
class Receiver:
    """Police's system: records every POST (headers and all); answers 503 while ``down``."""

    down: bool = False
    arrivals: list[tuple[str, int, bool]] = field(default_factory=list)  # card, cursor, marked
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered(self) -> set[str]:
        """The cards that arrived at least once."""
        with self.lock:
            return {card for card, _, _ in self.arrivals}


@contextlib.contextmanager
def receiving(receiver: Receiver) -> Iterator[str]:
    """Serve ``receiver`` on a loopback port; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                if receiver.down:
                    receiver.refused += 1
                    code = 503
                else:
                    receiver.arrivals.append(
                        (
                            self.headers["X-Card-Id"],
                            int(self.headers["X-Delivery-Cursor"]),
                            self.headers["X-Redelivery"] == "true",
                        )
                    )
                    code = 204
            self.send_response(code)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/cards"
    finally:
        server.shutdown()
        server.server_close()


class Server:
    """This checkout's server on one port, killed and started again on demand."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env, self.workdir = env, workdir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start and wait until it answers; seconds it took."""
        began = time.monotonic()
        log_path = self.workdir / f"server-{self.starts}.log"
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                dispatch_command(self.port),
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1
        wait_ready(self.process, f"{self.url}/healthz", log_path)
        return time.monotonic() - began

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class RedisProcess:
    """A throw-away redis-server on one port, killed and started again on demand."""

    def __init__(self) -> None:
        self.port = free_port()
        self.command = redis_command(self.port)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def launch(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - Debian's redis-server
            self.command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def start(self) -> None:
        """Launch and wait (bounded) until it listens."""
        self.launch()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"redis-server did not listen on {self.port} within 30 s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)


async def crash_postgres(url: str) -> dict[str, Any]:
    """Restart PostgreSQL the hard way (``pg_ctl restart -m immediate``: crash recovery at the
    start), under the load; when it began (monotonic) and how long it took."""
    connection = await asyncpg.connect(url)
    try:
        data = await connection.fetchval("SHOW data_directory")
    finally:
        await connection.close()
    began = time.monotonic()
    log = str(Path(data).parent / "server.log")  # the postmaster keeps no pipe of ours open
    command = [str(_pg_bin() / "pg_ctl"), "-D", data, "-l", log, "-m", "immediate", "-w"]
    await asyncio.to_thread(
        subprocess.run,
        _as_postgres([*command, "-t", "60", "restart"]),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )
    return {"at": began, "restart_s": round(time.monotonic() - began, 1)}
