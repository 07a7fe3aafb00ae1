"""schemathesis over every route of a real server process: no input answers 5xx, and every
answer (status, content type, headers, body, a 405's ``Allow``) is what the OpenAPI description
says. Each route is fuzzed once, by a caller its role admits (``tests/auth/role_table.py``'s
``POLICY``; the first of ``FUZZERS`` that may call it), so the fuzzer gets past the role check
into the route's own validation — a caller the route refuses would only ever see its 403, which
``tests/auth/test_roles.py`` checks for every route and role. The run is bounded (a few examples
per operation, a fixed seed: the same cases every time); each fuzzer's routes are a test of
its own, so that the parts spread over the suite's workers and none nears its time limit.
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

from dispatch.auth.roles import Role
from tests.auth.role_table import POLICY, PUBLIC
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
# Who fuzzes, in the order routes are handed out: people first (they get the coverage phase
# too: every boundary value of every parameter, and methods a path does not take), then the
# machines (the random phase) for what only they may call. The public routes go to the admin.
FUZZERS: dict[str, Role] = {
    "operator": Role.OPERATOR,
    "admin": Role.ADMIN,
    "supervisor": Role.SUPERVISOR,
    "qa": Role.QA,
    "methodologist": Role.METHODOLOGIST,
    "gateway": Role.GATEWAY,
    "service": Role.SERVICE,
}
PEOPLE = {
    "admin": "admin",
    "operator": "operator1",
    "supervisor": "supervisor1",
    "qa": "qa1",
    "methodologist": "methodologist1",
}
PHASES = {name: "coverage,fuzzing" if name in PEOPLE else "fuzzing" for name in FUZZERS}
# What would end the fuzzer's own credentials.
NOT_FUZZED = {("POST", "/api/v1/auth/sign-out")}
NOT_FUZZED_REGEX = r"/revoke$"


def routes_of(fuzzer: str) -> list[str]:
    """The operations ``fuzzer`` fuzzes, as schemathesis names them ("METHOD /path")."""
    taken: list[str] = []
    for (method, path), roles in POLICY.items():
        if method == "WS" or (method, path) in NOT_FUZZED or re.search(NOT_FUZZED_REGEX, path):
            continue  # OpenAPI describes no websocket
        if roles == PUBLIC:
            owner = "admin"
        elif isinstance(roles, str):
            continue
        else:
            owner = next((name for name, role in FUZZERS.items() if role in roles), "")
        if owner == fuzzer:
            taken.append(f"{method} {path}")
    return taken


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
    server: ServerProcess, headers: dict[str, str], phases: str, operations: list[str]
) -> None:
    """The CLI over ``operations`` as the caller of ``headers``; fails with its report."""
    assert operations, "nothing to fuzz"
    options = [item for k, v in headers.items() for item in ("-H", f"{k}: {v}")]
    names = "|".join(re.escape(name) for name in operations)
    options += ["--include-name-regex", f"^({names})$"]
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
        ],
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
        env={"NO_COLOR": "1", "PATH": str(Path(sys.executable).parent), "HOME": str(Path.home())},
    )
    report = run.stdout[-12_000:] + run.stderr[-2_000:]
    selected = re.search(r"Selected: (\d+)/", run.stdout)
    tested = re.search(r"Tested: (\d+)", run.stdout)
    assert selected, report
    assert tested, report
    # Every operation handed over was found in the description and tested (a name that no
    # longer matches would leave its route unfuzzed); a card's .xml write methods are not
    # described (they answer 405).
    described = [name for name in operations if not re.match(r"(?!GET).*\.xml$", name)]
    assert int(selected.group(1)) == int(tested.group(1)) == len(described), report
    assert run.returncode == 0, f"schemathesis found problems:\n{report}"
    assert "passed" in run.stdout, report


def test_every_route_is_fuzzed_once_by_a_caller_it_admits() -> None:
    from dispatch.app import create_app

    described = {
        f"{method.upper()} {path}"
        for path, item in create_app().openapi()["paths"].items()
        for method in item
    }
    assert len(described) > 100
    fuzzed = [name for fuzzer in FUZZERS for name in routes_of(fuzzer)]
    assert len(fuzzed) == len(set(fuzzed)), "a route handed to two fuzzers"
    left = {
        name
        for name in described - set(fuzzed)
        if tuple(name.split(" ", 1)) not in NOT_FUZZED and not re.search(NOT_FUZZED_REGEX, name)
    }
    assert left == set(), "routes nobody fuzzes (a row missing from role_table.POLICY?)"
    # The rest of the table's rows are methods the description does not list (a card's .xml
    # takes GET only): the coverage phase sends those as "unsupported_method" anyway.
    assert {name for name in set(fuzzed) - described if not name.endswith(".xml")} == set()
    assert all(routes_of(fuzzer) for fuzzer in FUZZERS)


@pytest.mark.parametrize("fuzzer", list(FUZZERS))
def test_every_route_answers_as_described(
    fuzzed: tuple[ServerProcess, dict[str, dict[str, str]]], fuzzer: str
) -> None:
    server, credentials = fuzzed
    _run_schemathesis(server, credentials[fuzzer], PHASES[fuzzer], routes_of(fuzzer))


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
            _run_schemathesis(
                server, _credentials(server)["operator"], "fuzzing", routes_of("operator")
            )
    finally:
        _in_thread(lambda: asyncio.run(postgres_template.drop(name)))
