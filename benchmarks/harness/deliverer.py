"""``python -m dispatch deliver`` for a benchmark: the services' deliveries in a process of
their own, started before the servers as ``make run-cluster`` starts it (so that it, not a
server, leads ``feeds.webhook`` and ``feeds.stream``), held to a CPU quota of its own when the
servers have one, stopped (SIGTERM, then the hard way) when the block ends."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness.quota import CpuQuotas
from benchmarks.harness.servers import process_cpu_s

LEADING_WITHIN_S = 20.0
STOP_WITHIN_S = 20.0
QUOTA_INDEX = 99  # its cgroup (the servers' are 0..N-1)


class DelivererError(RuntimeError):
    """The deliverer exited, or did not lead its singletons in time."""


@dataclass
class Deliverer:
    """The running deliverer: its process and log."""

    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        """Its process id."""
        return self.process.pid

    def cpu_s(self) -> float:
        """CPU seconds it has used (0 once it has exited)."""
        with contextlib.suppress(OSError):
            return process_cpu_s(self.process.pid)
        return 0.0

    def leading(self) -> bool:
        """Whether it has taken a leadership (its log says ``leadership.taken``)."""
        return "leadership.taken" in self.log.read_text(errors="replace")


@contextlib.contextmanager
def deliverer(env: dict[str, str], workdir: Path, quotas: CpuQuotas | None) -> Iterator[Deliverer]:
    """The deliverer on ``env``'s database and Redis, leading before the block runs."""
    log = workdir / "deliverer.log"
    # Its log at INFO: the leadership it takes is how the benchmark knows it leads.
    env = {**env, "DISPATCH_LOG_LEVEL": "INFO"}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "dispatch", "deliver"],
            env=env,
            cwd=workdir,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    if quotas is not None:
        quotas.add(QUOTA_INDEX, process.pid)
    running = Deliverer(process, log)
    try:
        deadline = time.monotonic() + LEADING_WITHIN_S
        while not running.leading():
            if process.poll() is not None:
                raise DelivererError(f"the deliverer exited: {log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise DelivererError(f"the deliverer led nothing within {LEADING_WITHIN_S:g} s")
            time.sleep(0.1)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_WITHIN_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
