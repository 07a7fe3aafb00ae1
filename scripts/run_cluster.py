"""``make run-cluster``: the product as several server processes behind HAProxy, on one machine.

PostgreSQL, Redis, ``python -m dispatch deliver`` (the services' deliveries in a process of their
own), N × ``python -m dispatch serve --no-migrate`` and HAProxy, all from Debian's packages,
started by this one command and stopped by Ctrl-C or SIGTERM (each with a bounded wait). What
must outlive a run lives in ``--var-dir`` (default ``./var/cluster/``): PostgreSQL's data
(initdb once), Redis's append-only file, the secrets (made once, mode 0600), the logs.

The database is set up as README "PostgreSQL: a serving role that can only add to the audit"
says: migrations run once per start as the tables' owner, before any server; the servers run
as a role that may only add to the audit. Everything listens on loopback; HAProxy is the one
way in and the only proxy the servers believe (``DISPATCH_FORWARDED_ALLOW_IPS=127.0.0.1``). A
server process (or HAProxy) that dies is started again; PostgreSQL or Redis going down is
reported, not undone, so that their faults can be tried on purpose.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import functools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

from cluster_services import (
    APP_ROLE,
    AUDIT_REVOKE_SQL,
    DATABASE,
    OWNER_ROLE,
    ROOT,
    ClusterError,
    Postgres,
    check_socket_path,
    haproxy_config,
    kept_secret,
    redis_config,
    run,
    which,
    write_private,
)

START_WITHIN_S = 120.0  # a server importing and opening its pools on a loaded machine
STOP_WITHIN_S = 15.0  # each group of processes; then SIGKILL
STEADY_S = 10.0  # a process that ran this long and died is started again at once
# The process delivering the services' cards (``dispatch/feeds/process.py``), and how long it may
# take to lead before the servers start anyway.
DELIVERER = "deliverer"
DELIVERER_WITHIN_S = 30.0
PR_SET_PDEATHSIG = 1


class Stopping(Exception):
    """Ctrl-C or SIGTERM: unwind to the bounded stop of everything started."""


@dataclass(frozen=True)
class Options:
    """Where everything listens and lives."""

    processes: int
    port: int
    host: str
    base_port: int
    postgres_port: int
    redis_port: int
    var_dir: Path


@dataclass
class Child:
    """A process this script started and stops: a server, HAProxy or Redis."""

    name: str
    argv: list[str]
    log: Path
    env: dict[str, str]
    port: int
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    quick_deaths: int = 0
    restart_at: float | None = None

    def start(self) -> None:
        """Start it in a session of its own (Ctrl-C reaches this script, which stops every
        process in order); its output appends to its log."""
        with _signals_held(), self.log.open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our interpreter, Debian's servers
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
            self.started = time.monotonic()

    @property
    def pid(self) -> int | None:
        """Its process id while it runs."""
        return self.process.pid if self.process and self.process.poll() is None else None


@dataclass
class Cluster:
    """Everything one run started, so that everything is stopped."""

    options: Options
    say: IO[str]
    postgres: Postgres = field(init=False)
    redis: Child | None = None
    children: list[Child] = field(default_factory=list)  # the servers, then HAProxy
    reported_down: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        home = self.var / "postgres"
        self.postgres = Postgres(
            home, self.options.postgres_port, self.var / "logs" / "postgres.log", self.log
        )

    @property
    def var(self) -> Path:
        """The cluster's folder."""
        return self.options.var_dir

    def log(self, message: str) -> None:
        """A line for the person who started it, kept in logs/cluster.log too."""
        line = f"[run-cluster {time.strftime('%H:%M:%S')}] {message}"
        print(line, flush=True)
        self.say.write(line + "\n")
        self.say.flush()

    def secret(self, name: str) -> str:
        """One of the cluster's secrets (made on the first run)."""
        return kept_secret(self.var / "secrets", name)

    def start(self) -> dict[str, str]:
        """PostgreSQL, Redis, migrations and reference data, the servers, HAProxy, in this
        order; the servers' environment."""
        self.postgres.start(
            max_connections=max(100, 40 * self.options.processes + 30),  # 30 per server's pool
            owner_password=self.secret("postgres-owner"),
            app_password=self.secret("postgres-app"),
        )
        env = self.environment(self.start_redis())
        self.prepare(env)
        self.start_servers(env)
        self.start_haproxy()
        self.write_state()
        return env

    def environment(self, redis_url: str) -> dict[str, str]:
        """The servers' settings: the caller's ``DISPATCH_*`` but for what the cluster owns."""
        env = {k: v for k, v in os.environ.items() if k != "DISPATCH_MIGRATE_DATABASE_URL"}
        if not env.get("DISPATCH_SECRET_KEY"):
            env["DISPATCH_SECRET_KEY"] = self.secret("secret-key")  # the same in every process
        env.setdefault("DISPATCH_AUDIT_CHECKPOINT_DIR", str(self.var / "audit-checkpoints"))
        env.update(
            DISPATCH_DATABASE_URL=self.postgres.url(APP_ROLE, self.secret("postgres-app")),
            DISPATCH_REDIS_URL=redis_url,
            # The servers listen on loopback, where HAProxy is the one meant to reach them.
            DISPATCH_FORWARDED_ALLOW_IPS="127.0.0.1",
        )
        return env

    def start_redis(self) -> str:
        """Redis on loopback with a password and a folder of its own; its URL."""
        home = self.var / "redis"
        home.mkdir(mode=0o700, exist_ok=True)
        password, port = self.secret("redis"), self.options.redis_port
        config = home / "redis.conf"
        write_private(config, redis_config(home, port, password))
        argv = [which("redis-server", "redis-server"), str(config)]
        self.redis = Child("redis", argv, self.var / "logs" / "redis.log", dict(os.environ), port)
        self.redis.start()
        _wait(lambda: _listening(port), f"Redis listening on port {port}", self.redis)
        return f"redis://:{password}@127.0.0.1:{port}/0"

    def prepare(self, env: dict[str, str]) -> None:
        """Migrate as the owner, take UPDATE and DELETE of the audit from the serving role,
        load reference data (and the demo accounts in dev mode): once, before any server."""
        owner_url = self.postgres.url(OWNER_ROLE, self.secret("postgres-owner"))
        owner_env = {**env, "DISPATCH_MIGRATE_DATABASE_URL": owner_url}
        for step, step_env in (("migrate", owner_env), ("seed", env)):
            self.log(f"python -m dispatch {step}")
            done = run([sys.executable, "-m", "dispatch", step], env=step_env, check=False)
            with (self.var / "logs" / "prepare.log").open("a") as output:
                output.write(f"--- {time.strftime('%F %T')} {step}\n{done.stdout}{done.stderr}")
            if done.returncode != 0:
                raise ClusterError(f"python -m dispatch {step} failed:\n{done.stderr[-3000:]}")
            if step == "migrate":
                self.postgres.psql(DATABASE, AUDIT_REVOKE_SQL)

    def start_deliverer(self, env: dict[str, str]) -> None:
        """``python -m dispatch deliver`` before the servers, so that it takes the services'
        deliveries and a surge of requests never holds them back (the servers stand by)."""
        argv = [sys.executable, "-m", "dispatch", "deliver"]
        child = Child(DELIVERER, argv, self._log(DELIVERER), env, 0)
        self.children.append(child)
        child.start()
        deadline = time.monotonic() + DELIVERER_WITHIN_S
        while time.monotonic() < deadline and child.pid is not None:
            if self.leads(child.pid):
                return
            time.sleep(0.2)
        self.log(f"{DELIVERER} not leading yet (log: {child.log}); a server may deliver instead")

    def leads(self, pid: int) -> bool:
        """Whether the process ``pid`` holds a singleton's lock (``core/leadership``: its
        sessions are named ``dispatch112:<pid>``), whatever its log level."""
        name = f"dispatch112:{int(pid)}"  # an integer: nothing to escape
        held = self.postgres.psql(
            DATABASE,
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "  # noqa: S608
            f"WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = '{name}';",
        )
        return held.strip() not in ("", "0")

    def start_servers(self, env: dict[str, str]) -> None:
        """N server processes on loopback, each on its own port, with the same settings."""
        self.start_deliverer(env)
        serve = [sys.executable, "-m", "dispatch", "serve", "--no-migrate", "--host", "127.0.0.1"]
        for index in range(self.options.processes):
            name, port = f"server-{index + 1}", self.options.base_port + index
            child = Child(name, [*serve, "--port", str(port)], self._log(name), env, port)
            self.children.append(child)
            child.start()
        for child in self.children:
            if child.name == DELIVERER:
                continue
            url = f"http://127.0.0.1:{child.port}/healthz"
            _wait(functools.partial(_answers, url), f"{child.name} answering {url}", child)

    def start_haproxy(self) -> None:
        """HAProxy in front of the servers, its configuration written again on every start."""
        config, stats = self.var / "haproxy.cfg", self.var / "haproxy.sock"
        check_socket_path(stats)
        servers = [(c.name, c.port) for c in self.children if c.name != DELIVERER]
        config.write_text(haproxy_config(self.options.host, self.options.port, servers, stats))
        binary = which("haproxy", "haproxy")
        checked = run([binary, "-c", "-q", "-f", str(config)], check=False)
        if checked.returncode != 0:
            raise ClusterError(f"haproxy refused {config}:\n{checked.stdout}{checked.stderr}")
        argv = [binary, "-db", "-f", str(config)]  # -db: in the foreground, a child of ours
        child = Child("haproxy", argv, self._log("haproxy"), dict(os.environ), self.options.port)
        self.children.append(child)
        child.start()
        url = f"http://127.0.0.1:{self.options.port}/healthz"
        _wait(lambda: _answers(url), f"HAProxy answering {url}", child)

    def _log(self, name: str) -> Path:
        return self.var / "logs" / f"{name}.log"

    def supervise(self) -> None:
        """Start again a server or HAProxy that died (at once after a steady run, backing off
        when it keeps dying); report PostgreSQL or Redis going down and coming back."""
        while True:
            now = time.monotonic()
            for child in self.children:
                assert child.process is not None
                code = child.process.poll()
                if code is not None and child.restart_at is None:
                    quick = now - child.started < STEADY_S
                    child.quick_deaths = child.quick_deaths + 1 if quick else 0
                    delay = min(30.0, 2.0 ** (child.quick_deaths - 1)) if quick else 0.0
                    self.log(
                        f"{child.name} (port {child.port}, pid {child.process.pid}) exited with "
                        f"{_how(code)}; starting it again in {delay:g} s (log: {child.log})"
                    )
                    child.restart_at = now + delay
                if child.restart_at is not None and now >= child.restart_at:
                    child.restart_at = None
                    child.start()
                    self.log(f"{child.name} started again (pid {child.pid})")
                    self.write_state()
            self._report("PostgreSQL", self.postgres.pid is not None)
            self._report("Redis", self.redis is not None and self.redis.pid is not None)
            time.sleep(0.2)

    def _report(self, what: str, up: bool) -> None:
        if not up and what not in self.reported_down:
            self.reported_down.add(what)
            self.log(f"{what} is down; this script leaves it so (its log is in {self.var}/logs)")
        elif up and what in self.reported_down:
            self.reported_down.discard(what)
            self.log(f"{what} is back")

    def write_state(self) -> None:
        """``cluster.json``: what runs now and its process ids (for people and the tests)."""
        state = {
            "url": f"http://{self.options.host}:{self.options.port}/",
            "stats_socket": str(self.var / "haproxy.sock"),
            "postgres": {"port": self.options.postgres_port, "pid": self.postgres.pid},
            "redis": {
                "port": self.options.redis_port,
                "pid": self.redis.pid if self.redis else None,
            },
            "processes": [{"name": c.name, "port": c.port, "pid": c.pid} for c in self.children],
        }
        temporary = self.var / "cluster.json.tmp"
        temporary.write_text(json.dumps(state, indent=2) + "\n")
        temporary.replace(self.var / "cluster.json")

    def stop(self) -> None:
        """HAProxy first (no new requests), then the servers, Redis and PostgreSQL; each
        group waited for at most STOP_WITHIN_S, then killed."""
        signal.signal(signal.SIGINT, _already_stopping)
        signal.signal(signal.SIGTERM, _already_stopping)
        haproxy = [c for c in self.children if c.name == "haproxy"]
        servers = [c for c in self.children if c.name != "haproxy"]
        for group in (haproxy, servers, [self.redis] if self.redis else []):
            _stop_all(group)
        self.postgres.stop()
        with contextlib.suppress(FileNotFoundError):
            (self.var / "cluster.json").unlink()
        self.log("stopped")

    def announce(self, env: dict[str, str]) -> None:
        """Where to go, and who to sign in as."""
        options = self.options
        url = f"http://{options.host}:{options.port}"
        last = options.base_port + options.processes - 1
        self.log(
            f"serving {url}/ through HAProxy: {options.processes} server process(es) on ports "
            f"{options.base_port}-{last}; logs in {self.var / 'logs'}"
        )
        self.log(f"consoles: {url}/operator/  {url}/supervisor/  {url}/qa/  {url}/analytics/")
        if env.get("DISPATCH_MODE", "dev") == "dev":
            self.log(
                "demo accounts: operator1, operator2, supervisor1, qa1, analyst1, admin, ...; "
                "each password is the username (README 'Demo accounts')"
            )
        self.log(f"Ctrl-C stops everything; the data stays in {self.var}")


def _answers(url: str) -> bool:
    with (
        contextlib.suppress(OSError),
        urllib.request.urlopen(url, timeout=2) as response,  # noqa: S310 - http://127.0.0.1
    ):
        return bool(response.status == 200)
    return False


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


def _wait(check: Callable[[], bool], what: str, child: Child) -> None:
    """Until ``check`` holds, at most START_WITHIN_S; fails at once if the child exits."""
    deadline = time.monotonic() + START_WITHIN_S
    while not check():
        assert child.process is not None
        code = child.process.poll()
        if code is not None:
            raise ClusterError(f"{what}: it exited with {_how(code)}; see {child.log}")
        if time.monotonic() > deadline:
            raise ClusterError(f"{what}: not within {START_WITHIN_S:g} s; see {child.log}")
        time.sleep(0.1)


def _how(code: int) -> str:
    return f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"


def _stop_all(children: list[Child]) -> None:
    """SIGTERM to each, wait for all within STOP_WITHIN_S, SIGKILL whoever is left."""
    running = [c.process for c in children if c.process is not None and c.process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + STOP_WITHIN_S
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_WITHIN_S)


def _die_with_parent() -> None:
    """In the child before exec: let it receive the signals held around its start, and have
    Linux send it SIGTERM when this script dies, even by SIGKILL (nothing left running)."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while a process starts, so that a started process is always
    recorded, and so stopped."""
    held = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


def _stop_on_signal(signum: int, _: FrameType | None) -> None:
    raise Stopping(signal.Signals(signum).name)


def _already_stopping(signum: int, _: FrameType | None) -> None:
    print(f"[run-cluster] {signal.Signals(signum).name}: already stopping", flush=True)


def _parse(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="run_cluster.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=2, help="server processes (2)")
    parser.add_argument("--port", type=int, default=8112, help="HAProxy's port (8112)")
    parser.add_argument("--host", default="127.0.0.1", help="HAProxy's address (127.0.0.1)")
    parser.add_argument("--base-port", type=int, default=8121, help="servers' ports from (8121)")
    parser.add_argument("--postgres-port", type=int, default=8132, help="PostgreSQL's (8132)")
    parser.add_argument("--redis-port", type=int, default=8133, help="Redis's port (8133)")
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "cluster")
    args = parser.parse_args(argv)
    if not 1 <= args.processes <= 64:
        parser.error("--processes must be between 1 and 64")
    ports = (args.port, args.postgres_port, args.redis_port)
    if set(ports) & set(range(args.base_port, args.base_port + args.processes)):
        parser.error("the servers' ports (--base-port and up) overlap another port")
    return Options(
        args.processes, args.port, args.host, args.base_port, args.postgres_port,
        args.redis_port, args.var_dir.resolve(),
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Start the cluster, keep it running until Ctrl-C or SIGTERM, stop it; the exit code."""
    options = _parse(argv)
    (options.var_dir / "logs").mkdir(parents=True, exist_ok=True)
    with (
        (options.var_dir / ".lock").open("w") as lock,
        (options.var_dir / "logs" / "cluster.log").open("a") as say,
    ):
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"another run-cluster uses {options.var_dir}", file=sys.stderr)
            return 1
        signal.signal(signal.SIGINT, _stop_on_signal)
        signal.signal(signal.SIGTERM, _stop_on_signal)
        cluster = Cluster(options, say)
        try:
            cluster.announce(cluster.start())
            cluster.supervise()
        except Stopping as stop:
            cluster.log(f"{stop}: stopping everything")
        except ClusterError as exc:
            cluster.log(f"cannot start: {exc}")
            return 1
        finally:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
