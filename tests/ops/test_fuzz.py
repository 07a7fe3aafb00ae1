"""schemathesis over every route of a real server process, as each kind of caller: no input
answers 5xx, and every answer (status, content type, headers, body, a 405's ``Allow``) is what
the OpenAPI description says. The run is bounded (a few examples per operation, a fixed seed:
the same cases every time); a person's run is cut in four parts of the routes (``PARTS``), each
a test of its own, so that none nears its time limit on a loaded machine (the admin's whole run
took 167 s of its 170 on one) and the parts spread over the suite's workers.
The CLI runs in its own process (its pytest plugin does not work with this pytest); a failure
shows its report, with the commands to replay each case.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.databases import PostgresTemplate, _in_thread
from tests.fixtures.processes import ServerProcess, dispatch_env, server_process

SEED = "112"
EXAMPLES = "5"
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "allow_header_conformance",
        "unsupported_method",
    )
)
# People get the coverage phase too (every boundary value of every parameter, and methods a
# path does not take); machines, whose routes are fewer, the random phase.
PHASES = {
    "admin": "coverage,fuzzing",
    "operator": "coverage,fuzzing",
    "supervisor": "coverage,fuzzing",
    "gateway": "fuzzing",
    "service": "fuzzing",
}
PEOPLE = {"admin": "admin", "operator": "operator1", "supervisor": "supervisor1"}
# The routes by the first letter after /api/v1/, in parts of about 50 to 70 operations; every
# path is in exactly one part (the last takes what the others leave: test below).
PARTS = {
    "abefghi": r"^/api/v1/[abefghi]",
    "cd": r"^/api/v1/[cd]",
    "j-q": r"^/api/v1/[j-q]",
    "rest": r"^(?!/api/v1/[a-q])",
}
CASES = [(role, part) for role in PEOPLE for part in PARTS] + [
    (role, None) for role in PHASES if role not in PEOPLE
]


def _credentials(server: ServerProcess) -> dict[str, dict[str, str]]:
    """A credential for each kind of caller on ``server``."""
    credentials: dict[str, dict[str, str]] = {}
    for role, username in PEOPLE.items():
        signed_in = httpx.post(
            f"{server.http}/api/v1/auth/token",
            data={"username": username, "password": username},
            timeout=30,
        )
        signed_in.raise_for_status()
        credentials[role] = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    admin = credentials["admin"]
    made = httpx.post(
        f"{server.http}/api/v1/users",
        headers=admin,
        json={"username": "fuzz102", "role": "service", "service_code": "102"},
        timeout=30,
    )
    made.raise_for_status()
    key = httpx.post(
        f"{server.http}/api/v1/users/fuzz102/api-keys", headers=admin, json={}, timeout=30
    )
    key.raise_for_status()
    credentials["service"] = {"X-Api-Key": key.json()["key"]}
    credentials["gateway"] = {"X-Api-Key": "gateway1-dev-key"}
    return credentials


@pytest.fixture(scope="module")
def fuzzed(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServerProcess, dict[str, dict[str, str]]]]:
    """A server on a SQLite database of its own, and a credential for each kind of caller."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    env = dispatch_env(DISPATCH_DATABASE_URL=f"sqlite:///{folder}/fuzz.db")
    with server_process(env, folder / "server.log") as server:
        yield server, _credentials(server)


def _run_schemathesis(
    server: ServerProcess, headers: dict[str, str], phases: str, part: str | None = None
) -> None:
    """The CLI over every route (or those of ``part``) as the caller of ``headers``; fails with
    its report."""
    options = [item for k, v in headers.items() for item in ("-H", f"{k}: {v}")]
    if part is not None:
        options += ["--include-path-regex", PARTS[part]]
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{server.http}/openapi.json",
            *options,
            "--checks",
            CHECKS,
            "--phases",
            phases,
            "--max-examples",
            EXAMPLES,
            "--seed",
            SEED,
            "--workers",
            "1",
            "--warnings",
            "off",
            # What would end the fuzzer's own credentials.
            "--exclude-path",
            "/api/v1/auth/sign-out",
            "--exclude-path-regex",
            "/revoke$",
        ],
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
        env={"NO_COLOR": "1", "PATH": str(Path(sys.executable).parent), "HOME": str(Path.home())},
    )
    report = run.stdout[-12_000:] + run.stderr[-2_000:]
    assert run.returncode == 0, f"schemathesis found problems:\n{report}"
    assert "passed" in run.stdout, report


def test_the_parts_take_every_route_once() -> None:
    from dispatch.app import create_app

    paths = list(create_app().openapi()["paths"])
    assert len(paths) > 100
    taken = {path: [p for p, regex in PARTS.items() if re.search(regex, path)] for path in paths}
    assert {path: parts for path, parts in taken.items() if len(parts) != 1} == {}
    assert all(any(parts == [part] for parts in taken.values()) for part in PARTS)


@pytest.mark.parametrize(("role", "part"), CASES, ids=lambda value: value or "all")
def test_every_route_answers_as_described(
    fuzzed: tuple[ServerProcess, dict[str, dict[str, str]]], role: str, part: str | None
) -> None:
    server, credentials = fuzzed
    _run_schemathesis(server, credentials[role], PHASES[role], part)


@pytest.mark.postgres
def test_every_route_answers_as_described_on_postgresql(
    postgres_template: PostgresTemplate, tmp_path: Path
) -> None:
    # PostgreSQL refuses what SQLite stores (NUL characters, numbers beyond its integers, long
    # texts): the operator's routes, the random phase, on a database of its own.
    made: list[tuple[str, str]] = []
    _in_thread(lambda: made.append(asyncio.run(postgres_template.clone())))
    ((name, url),) = made
    try:
        env = dispatch_env(DISPATCH_DATABASE_URL=url)
        with server_process(env, tmp_path / "server.log") as server:
            _run_schemathesis(server, _credentials(server)["operator"], "fuzzing")
    finally:
        _in_thread(lambda: asyncio.run(postgres_template.drop(name)))
