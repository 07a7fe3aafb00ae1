"""A flood of wrong passwords against one server process, and what it does to everyone else:
``make bench-sign-in``.

A server of this checkout (SQLite, scrypt at its production cost, 2**14) is measured twice for
``--seconds`` each: quiet, then while ``--attackers`` clients post wrong passwords for one
account as fast as it answers, from the same address. A probe signed in as another operator asks
``GET /api/v1/auth/me`` ten times a second throughout. Reported: the attempts sent, how many had
their password checked (401) and how many were slowed (429), per minute; the probe's p50/p99
quiet and during the flood; the server's CPU during each phase.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness.report import print_rows  # noqa: E402
from benchmarks.harness.servers import (  # noqa: E402
    dispatch_command,
    prepare_database,
    process_cpu_s,
    served,
    server_env,
)
from benchmarks.harness.stats import Latencies  # noqa: E402
from tests.fixtures.servers import free_port  # noqa: E402

PROBE_EVERY_S = 0.1


async def probe(http: httpx.AsyncClient, headers: dict[str, str], seconds: float) -> Latencies:
    """``GET /api/v1/auth/me`` every PROBE_EVERY_S for ``seconds``; each answer's latency."""
    latencies = Latencies()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        answer = await http.get("/api/v1/auth/me", headers=headers)
        answer.raise_for_status()
        latencies.values.append(time.perf_counter() - started)
        await asyncio.sleep(max(0.0, PROBE_EVERY_S - (time.perf_counter() - started)))
    return latencies


async def attacker(base: str, seconds: float, seen: Counter[int]) -> None:
    """Wrong passwords for operator1 as fast as the server answers."""
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            form = {"username": "operator1", "password": f"guess-{n}"}
            seen[(await http.post("/api/v1/auth/token", data=form)).status_code] += 1


async def measure(base: str, pid: int, seconds: float, attackers: int) -> list[list[str]]:
    """Quiet, then flooded: the table's rows."""
    rows = [
        [
            "phase",
            "attempts/min",
            "checked (401)/min",
            "slowed (429)/min",
            "probe p50/p99 ms",
            "server CPU %",
        ]
    ]
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        signed_in = await http.post(
            "/api/v1/auth/token", data={"username": "operator2", "password": "operator2"}
        )
        signed_in.raise_for_status()
        headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        for phase, crowd in (("quiet", 0), (f"{attackers} attackers", attackers)):
            seen: Counter[int] = Counter()
            cpu, wall = process_cpu_s(pid), time.monotonic()
            flood = [asyncio.create_task(attacker(base, seconds, seen)) for _ in range(crowd)]
            latencies = await probe(http, headers, seconds)
            await asyncio.gather(*flood)
            cpu, wall = process_cpu_s(pid) - cpu, time.monotonic() - wall
            summary = latencies.summary()
            per_minute = 60 / wall
            rows.append(
                [
                    phase,
                    f"{sum(seen.values()) * per_minute:.0f}",
                    f"{seen[401] * per_minute:.0f}",
                    f"{seen[429] * per_minute:.0f}",
                    f"{summary['p50_ms']}/{summary['p99_ms']}",
                    f"{100 * cpu / wall:.0f}",
                ]
            )
            unexpected = {code: n for code, n in seen.items() if code not in (401, 429)}
            if unexpected:
                raise RuntimeError(f"answers other than 401/429 to wrong passwords: {unexpected}")
    return rows


def main() -> int:
    """Run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--attackers", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sign-in-") as folder:
        workdir = Path(folder)
        env = server_env(f"sqlite:///{workdir}/flood.db", password_scrypt_n=str(2**14))
        prepare_database(env, workdir)
        port = free_port()
        with served(dispatch_command(port), env, workdir, port, "/healthz") as pid:
            rows = asyncio.run(
                measure(f"http://127.0.0.1:{port}", pid, args.seconds, args.attackers)
            )
    print_rows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
