"""End to end: a short compressed day against a real server in simulation mode (a subprocess
on a temporary SQLite database), through ``python -m simulators day --json``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SPEED = 30
ADMIN_PASSWORD = "simulation-admin-password"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
    env.update(
        DISPATCH_MODE="simulation",
        DISPATCH_TIME_SCALE=str(SPEED),
        DISPATCH_SECRET_KEY="a-simulation-secret-key-of-at-least-32-characters",
        DISPATCH_DATABASE_URL=f"sqlite:///{tmp_path / 'sim.db'}",
        DISPATCH_PASSWORD_SCRYPT_N="16",
        DISPATCH_OPERATOR_GRACE_S="900",
        DISPATCH_LOG_LEVEL="WARNING",
        ADMIN_PASSWORD=ADMIN_PASSWORD,
    )
    run = [sys.executable, "-m", "dispatch"]
    for args in (["migrate"], ["create-user", "--username", "chief", "--role", "admin",
                               "--password-env", "ADMIN_PASSWORD"]):  # fmt: skip
        subprocess.run([*run, *args], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [*run, "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "the server stopped"
            assert time.monotonic() < deadline, "the server did not start within 60 s"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_a_short_day_runs_and_reports(server: str, tmp_path: Path) -> None:
    recordings = tmp_path / "recordings"
    env = {**os.environ, "SIM_ADMIN_PASSWORD": ADMIN_PASSWORD}
    done = subprocess.run(
        [sys.executable, "-m", "simulators", "day", "--speed", str(SPEED), "--hours", "0.15",
         "--start-hour", "9", "--url", server, "--json", "--admin-user", "chief",
         "--operators", "8", "--heartbeat", "240", "--calls-per-hour", "160", "--handle", "60",
         "--recordings", str(recordings), "--seed", "3"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "offered" in done.stderr  # the progress bar
    report = json.loads(done.stdout)
    print(json.dumps(report))  # shown when an assertion below fails
    assert report["offered"] >= 20
    assert report["answered"] >= report["offered"] // 3, report
    assert report["answered"] + report["abandoned"] + report["unresolved"] == report["offered"]
    assert report["asa_seconds"] is not None
    assert report["service_level"]["value"] > 0
    assert sum(report["cards_per_service"].values()) >= report["answered"] // 2
    assert sum(report["deliveries"].values()) >= sum(report["cards_per_service"].values())
    assert report["acknowledgements"] == report["deliveries"]
    assert report["statuses"].get("received", 0) > 0
    assert report["aml_messages"] > 0
    assert set(report["errors"]) <= {"accept 409"}, report["errors"]
    if shutil.which("espeak-ng"):
        assert report["recordings"] == report["answered"]
        wavs = list(recordings.glob("*.wav"))
        assert len(wavs) == report["answered"]
        assert wavs[0].read_bytes()[:4] == b"RIFF"

    # The server saw the same day.
    with httpx.Client(base_url=server, timeout=10) as http:
        token = http.post(
            "/api/v1/auth/token", data={"username": "chief", "password": ADMIN_PASSWORD}
        ).json()["access_token"]
        today = http.get("/api/v1/queues", headers={"Authorization": f"Bearer {token}"}).json()[
            "overall"
        ]["today"]
    assert abs(today["answered"] - report["answered"]) <= 1
    assert today["abandoned"] >= report["abandoned"]
