"""Databases and server processes for a benchmark run, all stopped when the block ends.

SQLite lives in the run's temporary folder; PostgreSQL and Redis are throw-away servers started
as the tests start them (``tests/fixtures/servers.py``; ``DISPATCH_TEST_POSTGRES_URL`` and
``DISPATCH_TEST_REDIS_URL`` name servers you run instead). A server is this checkout's
``python -m dispatch serve`` (or a bare app), on a free loopback port, with its log in the
run's folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx

from benchmarks.harness.report import ROOT
from tests.fixtures.servers import free_port, postgres_server, redis_server

__all__ = [
    "OUT",
    "ROOT",
    "copy_database",
    "database",
    "dispatch_command",
    "free_port",
    "fresh_postgres_database",
    "keep_logs",
    "machine_busy_s",
    "postgres_server",
    "prepare_database",
    "process_cpu_s",
    "redis_server",
    "served",
    "server_env",
    "thread_cpu_s",
    "wait_ready",
]

OUT = ROOT / "benchmarks" / "out"


@contextlib.asynccontextmanager
async def database(
    backend: str, workdir: Path, *, durable: bool = True
) -> AsyncIterator[tuple[str, str]]:
    """A new, empty database of ``backend``; yields its URL and a description for the report.

    PostgreSQL keeps its durable defaults (fsync, synchronous commit) unless ``durable`` is
    false, as the tests run it.
    """
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'dispatch.db'}", "SQLite (WAL) in a temporary folder"
        return
    pg_kind = "durable defaults" if durable else "fsync off, as the tests run it"
    with postgres_server(durable=durable) as server_url:
        external = bool(os.environ.get("DISPATCH_TEST_POSTGRES_URL"))
        where = "DISPATCH_TEST_POSTGRES_URL" if external else "started for the run"
        async with fresh_postgres_database(server_url) as url:
            yield url, f"PostgreSQL ({where}, {pg_kind})"


@contextlib.asynccontextmanager
async def fresh_postgres_database(server_url: str) -> AsyncIterator[str]:
    """A new database on the server, dropped afterwards."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    plain = "postgresql://" + server_url.split("://", 1)[1]
    admin = await asyncpg.connect(plain)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield plain.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with contextlib.suppress(Exception):
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@contextlib.asynccontextmanager
async def copy_database(url: str, workdir: Path) -> AsyncIterator[str]:
    """A copy of a prepared database (made by :func:`database`; nobody connected to it),
    removed afterwards; yields its URL."""
    if url.startswith("sqlite"):
        source = Path(url.split(":///", 1)[1])
        target = workdir / f"copy-{uuid.uuid4().hex[:8]}.db"
        _sqlite_files(source, target)
        try:
            yield f"sqlite:///{target}"
        finally:
            _sqlite_files(target, None)
        return
    base, template = url.rsplit("/", 1)
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(f"{base}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        yield f"{base}/{name}"
    finally:
        with contextlib.suppress(Exception):
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _sqlite_files(source: Path, target: Path | None) -> None:
    """Copy a SQLite database (with its write-ahead log) to ``target``, or remove it."""
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{source}{suffix}")
        if target is None:
            path.unlink(missing_ok=True)
        elif path.exists() and suffix != "-shm":
            shutil.copyfile(path, f"{target}{suffix}")


def server_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a server of this checkout on ``database_url`` (dev mode, log level
    WARNING, plus ``settings`` as ``DISPATCH_<NAME>``).

    The server runs this checkout's code (PYTHONPATH comes before the editable install), with
    nothing of the caller's configuration but where the boundaries are.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
    if "DISPATCH_GEO_DATA_DIR" in os.environ:
        env["DISPATCH_GEO_DATA_DIR"] = os.environ["DISPATCH_GEO_DATA_DIR"]
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        DISPATCH_DATABASE_URL=database_url,
        DISPATCH_MODE="dev",
        DISPATCH_LOG_LEVEL="WARNING",
    )
    env.update({f"DISPATCH_{name.upper()}": value for name, value in settings.items()})
    return env


def prepare_database(env: dict[str, str], workdir: Path) -> None:
    """Migrate and seed (reference data, demo accounts) with the server's own commands."""
    for step in ("migrate", "seed"):
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "dispatch", step],
            env=env,
            cwd=workdir,
            check=False,
            capture_output=True,
        )
        if done.returncode != 0:
            output = (done.stdout + done.stderr).decode(errors="replace")[-2000:]
            raise RuntimeError(f"python -m dispatch {step} failed: {output}")


def dispatch_command(port: int, profile_to: Path | None = None) -> list[str]:
    """``python -m dispatch serve --no-migrate`` on ``port``; under pyinstrument, writing its
    session to ``profile_to``, when given."""
    serve = ["-m", "dispatch", "serve", "--no-migrate", "--port", str(port)]
    if profile_to is None:
        return [sys.executable, *serve]
    return [sys.executable, "-m", "pyinstrument", "-r", "pyisession", "-o", str(profile_to), *serve]


@contextlib.contextmanager
def served(
    command: list[str],
    env: dict[str, str],
    workdir: Path,
    port: int,
    ready: str,
    *,
    log_name: str = "server.log",
) -> Iterator[int]:
    """Run a server until the block ends (SIGINT, then the hard way) once ``ready`` answers
    200; yields its pid."""
    log_path = workdir / log_name
    log = log_path.open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
        command, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_ready(process, f"http://127.0.0.1:{port}{ready}", log_path)
        yield process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Block until ``url`` answers 200; fail with the server's log if it exits first."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within 90 s: {log}")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_cpu_s(pid: int) -> dict[int, float]:
    """User + system CPU seconds per thread of a process (Linux /proc), by thread id; the
    main thread's id is the pid."""
    out: dict[int, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            out[int(task.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def machine_busy_s() -> float:
    """CPU seconds all cores spent not idle since boot (Linux /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def keep_logs(workdir: Path, name: str) -> str:
    """Every log under the run's folder (the last 200 kB of each) in one file
    ``benchmarks/out/NAME`` (the folder goes with the run); its path from the checkout."""
    OUT.mkdir(parents=True, exist_ok=True)
    kept = OUT / name
    with kept.open("wb") as output:
        for log in sorted(workdir.glob("**/*.log")):
            output.write(f"==> {log.relative_to(workdir)}\n".encode() + log.read_bytes()[-200_000:])
    return str(kept.relative_to(ROOT))
