"""What ``run_cluster.py`` runs beside the servers: PostgreSQL (its data kept, the README's two
roles), Redis's and HAProxy's configuration, and the secrets made once and kept."""

from __future__ import annotations

import glob
import os
import secrets
import shlex
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEP_WITHIN_S = 300.0  # initdb, migrate, seed (the boundaries are loaded on the first seed)
SOCKET_PATH_MAX = 100  # AF_UNIX paths are limited to 107 bytes on Linux
APP_ROLE, OWNER_ROLE, DATABASE = "dispatch_app", "dispatch_owner", "dispatch"
_INITDB = "-U postgres -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256"
_PSQL = "-X -q -t -A -v ON_ERROR_STOP=1 -U postgres -f -"

# The roles of README "PostgreSQL: a serving role that can only add to the audit", made and
# granted again on every start (each statement may run again); passwords from the secrets.
_ROLES_SQL = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dispatch_owner') THEN
    CREATE ROLE dispatch_owner LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dispatch_app') THEN
    CREATE ROLE dispatch_app LOGIN;
  END IF;
END $$;
ALTER ROLE dispatch_owner PASSWORD '{owner}';
ALTER ROLE dispatch_app PASSWORD '{app}';
"""
_DATABASE_EXISTS_SQL = "SELECT 1 FROM pg_database WHERE datname = 'dispatch'"
_CREATE_DATABASE_SQL = "CREATE DATABASE dispatch OWNER dispatch_owner"
_GRANTS_SQL = """
SET ROLE dispatch_owner;
GRANT USAGE ON SCHEMA public TO dispatch_app;
ALTER DEFAULT PRIVILEGES FOR ROLE dispatch_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO dispatch_app;
ALTER DEFAULT PRIVILEGES FOR ROLE dispatch_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO dispatch_app;
"""
AUDIT_REVOKE_SQL = """
SET ROLE dispatch_owner;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_seals FROM dispatch_app;
"""


class ClusterError(RuntimeError):
    """The cluster cannot start; the message says why and what to do."""


@dataclass
class Postgres:
    """Debian's PostgreSQL on loopback with its data in ``home/data``: initdb on the first run
    only; as root it runs as the user ``postgres`` (it refuses root)."""

    home: Path
    port: int
    log: Path
    say: Callable[[str], None]
    started: bool = False

    @property
    def data(self) -> Path:
        """The data directory."""
        return self.home / "data"

    @property
    def pid(self) -> int | None:
        """The running postmaster, from its pid file; None when there is none."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, 0)
        except (FileNotFoundError, IndexError, ValueError, ProcessLookupError):
            return None
        return pid

    def start(self, max_connections: int, owner_password: str, app_password: str) -> None:
        """Create the cluster once, start it, and make sure of the roles and the database."""
        self.home.mkdir(mode=0o700, exist_ok=True)
        check_socket_path(self.home / f".s.PGSQL.{self.port}")
        self.log.touch()
        if os.geteuid() == 0:
            shutil.chown(self.home, "postgres")
            shutil.chown(self.log, "postgres")
            if run(["test", "-x", str(self.home)], as_postgres=True, check=False).returncode:
                raise ClusterError(
                    f"the user postgres cannot reach {self.home}: choose a --var-dir whose "
                    "every parent folder others may enter (chmod o+x)"
                )
        pg = pg_bin()
        if not (self.data / "PG_VERSION").exists():
            self.say(f"creating the PostgreSQL cluster in {self.data} (once)")
            run([str(pg / "initdb"), "-D", str(self.data), *_INITDB.split()], as_postgres=True)
        if self.pid is not None:
            self.say("a PostgreSQL of an earlier run still runs on this folder; stopping it")
            run([str(pg / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"], as_postgres=True)
        options = (
            f"-p {self.port} -k {shlex.quote(str(self.home))} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_permissions=0700 -c max_connections={max_connections}"
        )
        self.started = True
        pg_ctl = [str(pg / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options]
        run([*pg_ctl, "-w", "start"], as_postgres=True)
        self.psql("postgres", _ROLES_SQL.format(owner=owner_password, app=app_password))
        if not self.psql("postgres", _DATABASE_EXISTS_SQL).strip():
            self.psql("postgres", _CREATE_DATABASE_SQL)
        self.psql(DATABASE, _GRANTS_SQL)

    def psql(self, database: str, sql: str) -> str:
        """Run SQL as the superuser over the cluster's own socket (only its owner may reach
        it); what it printed."""
        where = ["-h", str(self.home), "-p", str(self.port), "-d", database]
        return run([str(pg_bin() / "psql"), *_PSQL.split(), *where], stdin=sql).stdout

    def url(self, role: str, password: str) -> str:
        """The URL of the cluster's database as ``role``."""
        return f"postgresql://{role}:{password}@127.0.0.1:{self.port}/{DATABASE}"

    def stop(self) -> None:
        """Fast shutdown (clients cut, no crash recovery on the next start), at most 30 s;
        then the immediate way."""
        if not self.started or self.pid is None:
            return
        pg_ctl = [str(pg_bin() / "pg_ctl"), "-D", str(self.data), "-w", "-t", "30", "-m"]
        if run([*pg_ctl, "fast", "stop"], as_postgres=True, check=False).returncode != 0:
            self.say("PostgreSQL did not stop within 30 s; stopping it the immediate way")
            run([*pg_ctl, "immediate", "stop"], as_postgres=True, check=False)


def redis_config(home: Path, port: int, password: str) -> str:
    """Redis on loopback only, with a password, its append-only file in its own folder (the
    feeds' Redis Stream outlives a restart), logging to its output."""
    return (
        f'bind 127.0.0.1\nport {port}\nprotected-mode yes\ndir "{home}"\nappendonly yes\n'
        f'requirepass {password}\nlogfile ""\n'
    )


def haproxy_config(host: str, port: int, servers: list[tuple[str, int]], stats: Path) -> str:
    """The load balancer: least connections and no stickiness (any process serves any
    request), health checked every second, websockets tunnelled and balanced apart from the
    requests (``SOCKETS_APART``), and the client's address forwarded by it alone (what a
    client claims is dropped at the edge)."""
    lines = [
        "# Written by scripts/run_cluster.py on every start: edit the script, not this file.",
        "global",
        "    log stdout format raw local0 info",
        f"    stats socket {stats} mode 600 level admin",
        "    maxconn 4000",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option httplog",
        "    option dontlognull",
        "    timeout connect 2s",
        "    timeout client 75s",
        "    timeout server 75s",
        "    timeout http-request 15s",
        "    # An open console websocket; the consoles send heartbeats well within it.",
        "    timeout tunnel 1h",
        "    timeout client-fin 5s",
        "",
        "frontend dispatch",
        f"    bind {host}:{port}",
        "    http-request del-header Forwarded",
        "    http-request del-header X-Forwarded-For",
        "    http-request set-header X-Forwarded-Proto http",
        *SOCKETS_APART,
        "",
        *servers_backend(servers),
        "",
        *sockets_backend(servers),
    ]
    return "\n".join(lines) + "\n"


def servers_backend(servers: list[tuple[str, int]]) -> list[str]:
    """The requests' backend: the process with the fewest requests in flight, each checked
    every second."""
    return [
        "backend servers",
        "    balance leastconn",
        "    option forwardfor",
        "    option httpchk GET /healthz",
        "    http-check expect status 200",
        "    default-server inter 1s fall 2 rise 1",
        "    # A request that could not reach a process (it just died) goes to another one; so",
        "    # does a GET the process died under (another method may have changed something).",
        "    retries 3",
        "    option redispatch 1",
        "    retry-on conn-failure empty-response",
        "    http-request disable-l7-retry unless METH_GET",
        *(f"    server {name} 127.0.0.1:{port} check" for name, port in servers),
    ]


# A websocket (a console's, a gateway's) stays open for hours: it is balanced in a backend of
# its own. In one backend, least connections counted every open websocket as a connection, and
# every request went to the process with fewer consoles open (49 against 51 was enough) while
# the other served the rest of the centre's sockets and none of its requests
# (BENCHMARKS.md, "Fewer round trips per transaction, and requests balanced apart...").
SOCKETS_APART = (
    "    acl websocket hdr(Upgrade) -i websocket",
    "    use_backend sockets if websocket",
    "    default_backend servers",
)


def sockets_backend(servers: list[tuple[str, int]]) -> list[str]:
    """The websockets' backend: least open sockets; each process's health as ``servers``'
    check says it (``track``: one check per process, not two). A process marked down (dead,
    or frozen with its sockets open) has its websockets closed by HAProxy, so its consoles and
    gateway connect again to a live one at once, not after their heartbeats give up."""
    return [
        "backend sockets",
        "    balance leastconn",
        "    option forwardfor",
        "    retries 3",
        "    option redispatch 1",
        "    retry-on conn-failure",
        "    default-server on-marked-down shutdown-sessions",
        *(f"    server {name} 127.0.0.1:{port} track servers/{name}" for name, port in servers),
    ]


def kept_secret(folder: Path, name: str) -> str:
    """A random secret made on the first run and kept (mode 0600) for every later one."""
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / name
    if not path.exists():
        write_private(path, secrets.token_urlsafe(48) + "\n")
    return path.read_text().strip()


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read (it holds a secret)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w") as output:
        output.write(text)


def check_socket_path(path: Path) -> None:
    """Refuse a unix socket path the kernel would refuse, with what to do."""
    if len(str(path)) > SOCKET_PATH_MAX:
        raise ClusterError(f"{path} is too long for a unix socket: choose a shorter --var-dir")


def pg_bin() -> Path:
    """The newest of Debian's PostgreSQL versions installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if not found:
        raise ClusterError("PostgreSQL is not installed: run `make system-deps` as root")
    return Path(found[-1])


def which(command: str, package: str) -> str:
    """The full path of ``command``, or what to install."""
    path = shutil.which(command)
    if path is None:
        raise ClusterError(f"{command} is missing: run `make system-deps` (Debian's {package})")
    return path


def run(
    argv: list[str],
    *,
    as_postgres: bool = False,
    check: bool = True,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """A step to its end within STEP_WITHIN_S; fails with its output when ``check``."""
    if as_postgres and os.geteuid() == 0:
        argv = [which("runuser", "util-linux"), "-u", "postgres", "--", *argv]
    done = subprocess.run(  # noqa: S603 - Debian's tools, our own interpreter
        argv,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=STEP_WITHIN_S,
        check=False,
        cwd=ROOT,
        env=env,
    )
    if check and done.returncode != 0:
        raise ClusterError(f"{Path(argv[0]).name} failed: {done.stdout}{done.stderr}".strip())
    return done
