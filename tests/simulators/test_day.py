"""End to end: a short compressed day against a real server in simulation mode (a subprocess
on a temporary SQLite database), through ``python -m simulators day --json``: services receive
cards on webhook receivers (some refused on purpose, then redelivered) and progress them,
dropped and abandoned callers are called back and their outcomes recorded. The server's clock
starts just before midnight in Tashkent, so the day runs into the next one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from simulators.client import ANALYST, operator_password
from tests.fixtures.processes import ROOT, dispatch_env, run_cli, server_process

SPEED = 30
ADMIN_PASSWORD = "simulation-admin-password"
BEFORE_MIDNIGHT = timedelta(minutes=7)  # of the server's clock: a run takes 9-15 minutes of it


def _origin_before_midnight() -> str:
    """The clock origin (``DISPATCH_CLOCK_ORIGIN``) that starts the server's scaled clock
    ``BEFORE_MIDNIGHT`` before midnight in Tashkent, so that the day runs into the next one
    (as a run begun at 23:57 once did, when "today" of ``GET /api/v1/queues`` lost the calls
    before midnight) and every run checks the figures across it."""
    wall = datetime.now(UTC)
    local = wall.astimezone(ZoneInfo("Asia/Tashkent"))
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)
    # The clock shows origin + (wall - origin) x SPEED: solved for the origin.
    return (wall - (midnight - BEFORE_MIDNIGHT - wall) / (SPEED - 1)).isoformat()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    env = dispatch_env(
        DISPATCH_MODE="simulation",
        DISPATCH_TIME_SCALE=str(SPEED),
        DISPATCH_SECRET_KEY="a-simulation-secret-key-of-at-least-32-characters",
        DISPATCH_DATABASE_URL=f"sqlite:///{tmp_path / 'sim.db'}",
        DISPATCH_OPERATOR_GRACE_S="900",
        ADMIN_PASSWORD=ADMIN_PASSWORD,
        DISPATCH_CLOCK_ORIGIN=_origin_before_midnight(),
    )
    for args in (["migrate"], ["create-user", "--username", "chief", "--role", "admin",
                               "--password-env", "ADMIN_PASSWORD"]):  # fmt: skip
        done = run_cli(args, env)
        assert done.returncode == 0, done.stderr
    with server_process(env, tmp_path / "server.log") as process:
        yield process.http


def _server_day(http: httpx.Client, admin: dict[str, str]) -> str:
    """The server's local day now: its clock runs at ``SPEED`` times the wall's."""
    at: str = http.get("/api/v1/queues", headers=admin).json()["at"]
    return at[:10]


def _admin(http: httpx.Client) -> dict[str, str]:
    token = http.post(
        "/api/v1/auth/token", data={"username": "chief", "password": ADMIN_PASSWORD}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_a_short_day_runs_and_reports(server: str, tmp_path: Path) -> None:
    recordings = tmp_path / "recordings"
    with httpx.Client(base_url=server, timeout=10) as http:
        first_day = _server_day(http, _admin(http))
    env = {**os.environ, "SIM_ADMIN_PASSWORD": ADMIN_PASSWORD}
    done = subprocess.run(
        [sys.executable, "-m", "simulators", "day", "--speed", str(SPEED), "--hours", "0.15",
         "--start-hour", "9", "--url", server, "--json", "--admin-user", "chief",
         "--operators", "8", "--heartbeat", "240", "--calls-per-hour", "160", "--handle", "60",
         "--drop", "0.25", "--patience", "40", "--callback-answer", "0.7",
         "--service-errors", "0.1", "--recordings", str(recordings), "--seed", "3",
         "--hold-share", "0.3", "--consult-share", "0.3"],
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
    assert report["dropped"] > 0
    assert sum(report["cards_per_service"].values()) >= report["answered"] // 2
    assert report["aml_messages"] > 0
    assert set(report["errors"]) <= {"accept 409"}, report["errors"]
    if shutil.which("espeak-ng"):
        assert report["recordings"] == report["answered"]
        wavs = list(recordings.glob("*.wav"))
        assert len(wavs) == report["answered"]
        assert wavs[0].read_bytes()[:4] == b"RIFF"

    # Webhooks: every delivery was answered by its receiver, a share refused on purpose and
    # sent again by the server; the services reported progress.
    assert report["services_mode"] == "webhook"
    deliveries, acks = report["deliveries"], report["acknowledgements"]
    refused = report["refused_deliveries"]
    assert sum(deliveries.values()) >= sum(report["cards_per_service"].values())
    for code, count in deliveries.items():
        assert acks.get(code, 0) + refused.get(code, 0) == count, code
    assert sum(refused.values()) > 0
    assert sum(report["redeliveries"].values()) > 0
    assert report["statuses"].get("received", 0) > 0
    assert report["statuses"].get("accepted", 0) > 0

    # Callbacks: dialled through the gateway, outcomes recorded by the bots, counted by the
    # server the same way.
    callbacks = report["callbacks"]
    assert callbacks["dials"] >= 1
    assert callbacks["tasks"] >= 1
    assert callbacks["attempts"] == sum(callbacks["outcomes"].values()) >= 1
    assert callbacks["reached"] == callbacks["outcomes"].get("reached", 0)
    assert callbacks["drop_to_first_attempt_s"]["count"] >= 1
    assert callbacks["cards_updated"] == callbacks["reached"]
    assert report["timing"]["command_lag_s"]["offer"]["count"] >= report["answered"]

    # Call control: bots held callers and added the consulting doctor; the gateway obeyed
    # (holds became held events, parties answered or refused) and the bots took them off again.
    # The bots' choices and the parties' answers follow seeded sequences of their own (with
    # seed 3 the first call talked through is held, the third gets the doctor, who answers), so
    # none of these rests on a run's timing.
    control = report["call_control"]
    assert control.get("bot hold 202", 0) >= 1, control
    assert control.get("hold", 0) >= 1, control
    assert control.get("bot resume 202", 0) >= 1, control
    assert control.get("bot conference 201", 0) >= 1, control
    assert 1 <= control.get("conference add", 0) <= control["bot conference 201"], control
    assert control.get("bot remove 200", 0) >= 1, control
    assert (
        control["bot remove 200"] + control.get("bot remove 409", 0)
        == control["bot conference 201"]
    ), control
    assert control.get("conference remove", 0) >= 1, control

    # The server saw the same day: counted over every local day the run touched (it starts just
    # before midnight in Tashkent), where "today" of ``GET /api/v1/queues`` holds only what came
    # after midnight.
    with httpx.Client(base_url=server, timeout=10) as http:
        admin = _admin(http)
        days = {"date_from": first_day, "date_to": _server_day(http, admin), "grain": "total"}
        kpis = http.get("/api/v1/analytics/kpis", params=days, headers=admin)
        assert kpis.status_code == 200, kpis.text
        counted = kpis.json()["total"]
        assert abs(counted["answered"] - report["answered"]) <= 1, (days, counted)
        assert counted["abandoned"] >= report["abandoned"]
        webhooks = http.get(
            "/api/v1/feeds/deliveries", params={"status": "acknowledged", "limit": 1000},
            headers=admin,
        ).json()  # fmt: skip
        # Acknowledged by the receivers' 2xx (or by a status report on the card), never pulled.
        vias = {d["via"] for d in webhooks}
        assert "webhook" in vias
        assert vias <= {"webhook", "status"}
        # The run put the services' webhooks back as they were (none).
        assert all(
            s["webhook_url"] is None for s in http.get("/api/v1/services", headers=admin).json()
        )

        token = http.post(
            "/api/v1/auth/token",
            data={"username": ANALYST, "password": operator_password(ANALYST)},
        ).json()["access_token"]
        analyst = {"Authorization": f"Bearer {token}"}
        tasks: list[dict[str, Any]] = http.get(
            "/api/v1/callbacks", params={"status": "reached"}, headers=analyst
        ).json()["items"]
        recorded = [a for t in tasks for a in t["history"] if a["outcome"]]
        assert len(tasks) == callbacks["reached"]
        if tasks:
            assert recorded
            card_id = next(t["card_id"] for t in tasks if t["card_id"])
            card = http.get(f"/api/v1/cards/{card_id}", headers=analyst).json()
            assert card["callbacks"][-1]["outcome"] == "reached"
            assert "caller reached" in card["incident"]["description"] or card["status"] == "closed"
        statuses = {
            service["status"]
            for delivery in webhooks[:20]
            for service in http.get(f"/api/v1/cards/{delivery['card_id']}", headers=analyst).json()[
                "services"
            ]
        }
        assert statuses & {"received", "accepted", "response_started", "arrived"}
