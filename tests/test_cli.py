"""The command line, run as a person would: ``python -m dispatch ...`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.fixtures.processes import ROOT, dispatch_env, run_cli, server_process
from tests.fixtures.servers import free_port


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return dispatch_env(DISPATCH_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}", **extra)


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_cli(args, env)


@contextmanager
def _serving(env: dict[str, str], port: int, log: Path) -> Iterator[httpx.Client]:
    with (
        server_process(env, log, port=port) as server,
        httpx.Client(base_url=server.http, timeout=10) as client,
    ):
        yield client


def test_serve_migrates_seeds_prints_demo_accounts_and_survives_restart(tmp_path: Path) -> None:
    env = _env(tmp_path)
    port = free_port()
    log = tmp_path / "serve.log"
    with _serving(env, port, log) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": "admin", "password": "admin"}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        names = {"uz": "Qutqaruv", "ru": "Спасатели", "en": "Rescue"}
        created = client.post(
            "/api/v1/services", json={"code": "1050", "names": names}, headers=headers
        )
        assert created.status_code == 201
        operator = client.post(
            "/api/v1/auth/token", data={"username": "operator1", "password": "operator1"}
        ).json()["access_token"]
        assert _console_extensions(port, operator) is None  # compression off by default
    assert "operator1" in log.read_text()
    with _serving({**env, "DISPATCH_WS_COMPRESSION": "true"}, port, log) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": "operator1", "password": "operator1"}
        ).json()["access_token"]
        assert "permessage-deflate" in str(_console_extensions(port, token))
        codes = [
            s["code"]
            for s in client.get(
                "/api/v1/services", headers={"Authorization": f"Bearer {token}"}
            ).json()
        ]
        assert codes == ["101", "102", "103", "104", "1050", "1146"]


def _console_extensions(port: int, token: str) -> str | None:
    """The extensions the server agreed to for an operator console offering
    permessage-deflate (as browsers do), after its first message."""
    url = f"ws://127.0.0.1:{port}/ws/operator?token={token}"
    with connect(url, open_timeout=10, close_timeout=5) as socket:
        assert '"type":"snapshot"' in str(socket.recv(timeout=10))
        assert socket.response is not None
        return socket.response.headers.get("Sec-WebSocket-Extensions")


def test_seed_prints_demo_accounts_and_is_idempotent(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert _run(["migrate"], env).returncode == 0
    first = _run(["seed"], env)
    assert first.returncode == 0, first.stderr
    assert "operator1" in first.stderr
    assert "gateway1-dev-key" in first.stderr
    again = _run(["seed"], env)
    assert "0 service(s) added" in again.stderr
    assert "(0 added now)" in again.stderr


def test_production_refuses_the_default_secret(tmp_path: Path) -> None:
    result = _run(["migrate"], _env(tmp_path, DISPATCH_MODE="production"))
    assert result.returncode == 2
    assert "DISPATCH_SECRET_KEY" in result.stderr


def test_production_seed_adds_no_demo_accounts_and_create_user_adds_an_admin(
    tmp_path: Path,
) -> None:
    env = _env(
        tmp_path,
        DISPATCH_MODE="production",
        DISPATCH_SECRET_KEY="s" * 40,
        ADMIN_PW="a-long-password",
    )
    assert _run(["migrate"], env).returncode == 0
    seeded = _run(["seed"], env)
    assert "demo accounts" not in seeded.stderr
    created = _run(
        ["create-user", "--username", "chief", "--role", "admin", "--password-env", "ADMIN_PW"], env
    )
    assert created.returncode == 0, created.stderr
    duplicate = _run(
        ["create-user", "--username", "chief", "--role", "admin", "--password-env", "ADMIN_PW"], env
    )
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr


def test_staffing_prints_only_json() -> None:
    result = _run(
        [
            "staffing",
            "--calls-per-hour",
            "720",
            "--handle-seconds",
            "240",
            "--target-seconds",
            "15",
            "--agents",
            "55",
        ],
        _env(Path("/nonexistent")),
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["agents"] == 55
    assert round(figures["p_wait"], 4) == 0.2387
    assert round(figures["asa_seconds"], 2) == 8.18
    assert round(figures["service_level"], 3) == 0.846
    found = _run(
        [
            "staffing",
            "--calls-per-hour",
            "720",
            "--handle-seconds",
            "240",
            "--target-seconds",
            "15",
            "--service-level",
            "0.8",
        ],
        _env(Path("/nonexistent")),
    )
    assert json.loads(found.stdout)["agents"] == 55
    bad = _run(
        [
            "staffing",
            "--calls-per-hour",
            "720",
            "--handle-seconds",
            "0",
            "--target-seconds",
            "15",
            "--agents",
            "5",
        ],
        _env(Path("/nonexistent")),
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert "handle_seconds" in bad.stderr


@pytest.mark.parametrize("argv", [["serve", "--port", "x"], ["nonsense"]])
def test_bad_arguments_exit_with_usage(argv: list[str]) -> None:
    result = _run(argv, _env(Path("/nonexistent")))
    assert result.returncode == 2
    assert "usage" in result.stderr


def test_validate_card_reports_each_file(tmp_path: Path) -> None:
    examples = ROOT / "cardschema" / "examples"
    valid = sorted((examples / "valid").glob("*.xml"))[0]
    invalid = examples / "invalid" / "priority-out-of-range.xml"
    result = _run(["validate-card", str(valid), str(invalid)], _env(tmp_path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{valid}: valid"
    assert lines[1].startswith(f"{invalid}: line ")
    ok = _run(["validate-card", str(valid)], _env(tmp_path))
    assert ok.returncode == 0
    missing = _run(["validate-card", str(tmp_path / "nope.xml")], _env(tmp_path))
    assert missing.returncode == 1
    assert "cannot read" in missing.stdout


@pytest.mark.parametrize(
    "database",
    ["sqlite:///{tmp}/cli.db", "postgresql://nobody@127.0.0.1:9/none"],
    ids=["sqlite", "postgresql-without-redis"],
)
def test_serve_with_several_workers_needs_postgresql_and_redis(
    tmp_path: Path, database: str
) -> None:
    env = dispatch_env(DISPATCH_DATABASE_URL=database.format(tmp=tmp_path))
    done = _run(["serve", "--workers", "2", "--port", str(free_port())], env)
    assert done.returncode == 2
    assert "several processes need PostgreSQL" in done.stderr
    assert not (tmp_path / "cli.db").exists()  # refused before anything was made
    refused = _run(["serve", "--workers", "0"], env)
    assert (refused.returncode, refused.stderr.strip()) == (2, "--workers: at least 1")


def test_serve_without_migrating_refuses_a_database_behind_the_code(tmp_path: Path) -> None:
    env = _env(tmp_path)
    done = _run(["serve", "--no-migrate", "--port", str(free_port())], env)
    assert done.returncode == 2
    assert "the database is at schema none, this server needs" in done.stderr
    assert "python -m dispatch migrate" in done.stderr


def test_deliver_refuses_sqlite(tmp_path: Path) -> None:
    done = _run(["deliver"], _env(tmp_path))
    assert done.returncode == 2
    assert "deliver: needs PostgreSQL" in done.stderr
