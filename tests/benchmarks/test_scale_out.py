"""``make bench-scale``'s own pieces, without its long runs: the CPU quota really holds a process,
HAProxy takes the configuration, lock waits and acknowledgements are counted as documented,
and a short day against two real processes behind HAProxy (one shared simulation clock) kills
the leader, sees every singleton taken over and finds nothing acknowledged lost."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from benchmarks.harness.anchored_serve import MONOTONIC, ORIGIN
from benchmarks.harness.cluster import Cluster, cluster, haproxy_binary, haproxy_config
from benchmarks.harness.lock_waits import WaitTally
from benchmarks.harness.losses import Acknowledged
from benchmarks.harness.quota import (
    PERIOD_US,
    CpuQuotas,
    Hierarchy,
    QuotaError,
    find_hierarchy,
)
from benchmarks.harness.scale_day import ClusterDay, KillPlan
from benchmarks.harness.servers import process_cpu_s, server_env
from simulators import day as sim
from simulators.arrivals import Mix
from tests.fixtures.databases import PostgresTemplate

SPEED = 20
CARD = "11111111-2222-3333-4444-555555555555"
CALL = "99999999-8888-7777-6666-555555555555"


def _writable_quota(period_us: int = PERIOD_US) -> CpuQuotas:
    try:
        return CpuQuotas(0.1, prefix=f"dispatch-bench-test-{os.getpid()}", period_us=period_us)
    except QuotaError as exc:
        pytest.skip(f"no writable cgroup on this machine: {exc}")


def test_a_quota_holds_a_busy_process_to_its_share_and_goes_afterwards() -> None:
    quotas = _writable_quota()
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        quotas.add(0, busy.pid)
        group = quotas.groups[0]
        assert quotas.limit_of(0) == pytest.approx(0.1)
        assert str(busy.pid) in (group / "cgroup.procs").read_text().split()
        before, began = process_cpu_s(busy.pid), time.monotonic()
        time.sleep(1.5)
        cores = (process_cpu_s(busy.pid) - before) / (time.monotonic() - began)
        assert cores < 0.3, f"a 0.1-core quota let the process use {cores:.2f} cores"
        assert quotas.throttling(0)["throttled_periods"] > 0
    finally:
        busy.kill()
        busy.wait(timeout=10)
        quotas.remove()
    assert not group.exists()


def test_a_quota_is_granted_every_period_it_was_given() -> None:
    quotas = _writable_quota(period_us=10_000)
    try:
        group = quotas.group(0)  # made with its quota, no process in it
        assert quotas.hierarchy is not None
        if quotas.hierarchy.version == 1:
            files = ("cpu.cfs_quota_us", "cpu.cfs_period_us")
            granted = [int((group / name).read_text()) for name in files]
        else:
            granted = [int(x) for x in (group / "cpu.max").read_text().split()]
        assert granted == [1_000, 10_000]
        assert quotas.limit_of(0) == pytest.approx(0.1)
        assert "granted every 10 ms" in quotas.describe("per server process")
    finally:
        quotas.remove()
    assert not group.exists()


@pytest.mark.parametrize("period_us", [999, 1_000_001])
def test_a_period_the_kernel_would_refuse_is_refused_first(period_us: int, tmp_path: Path) -> None:
    with pytest.raises(QuotaError, match="1–1000 ms"):
        CpuQuotas(0.1, period_us=period_us, hierarchy=Hierarchy(1, tmp_path))
    assert not list(tmp_path.iterdir())  # no group made


def test_a_machine_without_a_writable_cgroup_is_told_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(QuotaError, match="--quota 0"):
        find_hierarchy(tmp_path / "cpu", (tmp_path / "unified",))


def test_haproxy_takes_the_configuration(tmp_path: Path) -> None:
    if shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists():
        pytest.skip("haproxy is not installed (make system-deps installs it)")
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(8000, [("server-1", 8001), ("server-2", 8002)]))
    checked = subprocess.run(
        [haproxy_binary(), "-c", "-f", str(config)], capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_lock_wait_seen_in_consecutive_samples_counts_once() -> None:
    tally = WaitTally(interval=0.1)
    holder = "dispatch112:42 idle in transaction: INSERT INTO cards ..."
    waiting = (7, "dispatch112:41", "transactionid", "UPDATE card_number_counters ...", holder, 40)
    tally.add([waiting])
    tally.add(
        [(*waiting[:5], 90), (8, "dispatch112:42", "tuple", "SELECT ... FOR UPDATE", "", None)]
    )
    tally.add([])
    tally.add([waiting])  # the same backend waiting again: a second wait
    figures = tally.by_process([41, 42, 43])
    assert figures["dispatch112:41"]["waits"] == 2
    assert figures["dispatch112:41"]["sampled_wait_s"] == pytest.approx(0.3)
    assert figures["dispatch112:41"]["on"] == {"transactionid": 3}
    assert figures["dispatch112:41"]["blocked_by"] == {holder: 3}
    # Each wait once with its holder; the holder's transaction open 90 ms at the longest seen.
    assert figures["dispatch112:41"]["waited_on"] == {
        f"UPDATE card_number_counters ... <- {holder}": 2
    }
    assert figures["dispatch112:41"]["holder_open_ms_max"] == 90
    assert figures["dispatch112:42"]["waits"] == 1
    assert figures["dispatch112:42"]["blocked_by"] == {}  # the holder had gone by the sample
    assert figures["dispatch112:43"] == {
        "waits": 0,
        "sampled_wait_s": 0.0,
        "on": {},
        "statements": {},
        "blocked_by": {},
        "waited_on": {},
        "holder_open_ms_max": 0,
    }


@pytest.mark.asyncio
async def test_only_answers_that_say_stored_are_acknowledged() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/calls":
            return httpx.Response(201, json={"id": CALL})
        if path == "/api/v1/cards":
            return httpx.Response(502)  # the process died under it: not stored, as far as we know
        if path.endswith("/route"):
            return httpx.Response(200, json={"services": [{"code": "101"}, {"code": "103"}]})
        if path.endswith("/events"):
            return httpx.Response(201, json={})
        return httpx.Response(201, json={"id": "x"})

    acknowledged = Acknowledged()
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(server),
        base_url="http://dispatch",
        event_hooks={"response": [acknowledged.hook]},
    ) as http:
        await http.post("/api/v1/calls", json={})
        await http.post("/api/v1/cards", json={})
        await http.post(f"/api/v1/cards/{CARD}/route")
        await http.post(f"/api/v1/calls/{CALL}/events", json={"type": "dropped"})
        await http.post(f"/api/v1/calls/{CALL}/events", json={"type": "answered"})
        await http.post(f"/api/v1/callbacks/{CARD}/attempts", json={"attempt_id": CALL})
    assert acknowledged.calls == {CALL}
    assert acknowledged.cards == set()
    assert acknowledged.routes == {CARD: {"101", "103"}}
    assert acknowledged.drops == {CALL}
    assert acknowledged.counts() == {"calls": 1, "cards": 0, "routes": 2, "drops": 1, "attempts": 1}


async def _server_time(group: Cluster, index: int, token: str) -> datetime:
    async with httpx.AsyncClient(base_url=group.members[index].url, timeout=10) as http:
        answer = await http.get("/api/v1/queues", headers={"Authorization": f"Bearer {token}"})
        answer.raise_for_status()
        return datetime.fromisoformat(answer.json()["at"])


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.asyncio
async def test_a_short_day_on_two_processes_survives_killing_the_leader(
    postgres_template: PostgresTemplate, redis_url: str, tmp_path: Path
) -> None:
    name, url = await postgres_template.clone()
    origin = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    env = server_env(
        url,
        mode="simulation",
        time_scale=str(SPEED),
        secret_key="a-bench-scale-test-secret-of-at-least-32-characters",
        operator_grace_s="900",
        redis_url=redis_url,
        redis_channel=f"bench-scale-test:{os.getpid()}",
        password_scrypt_n="16",
        audit_checkpoint_dir="",
    )
    anchored_at = time.monotonic()
    env |= {ORIGIN: origin.isoformat(), MONOTONIC: repr(anchored_at)}
    try:
        async with (
            cluster(2, env, tmp_path, None) as group,
            httpx.AsyncClient(base_url=group.url, timeout=30) as http,
        ):
            signed = await http.post(
                "/api/v1/auth/token", data={"username": "admin", "password": "admin"}
            )
            token = signed.json()["access_token"]
            # One clock for both processes: the shared origin's, at 20 times wall time.
            for index in (0, 1):
                now = await _server_time(group, index, token)
                expected = origin + timedelta(seconds=SPEED * (time.monotonic() - anchored_at))
                assert abs((now - expected).total_seconds()) < 10, (index, now, expected)
            day = await _short_day(group, http, url, tmp_path)
    finally:
        await postgres_template.drop(name)
    window = day.window
    print(json.dumps({k: v for k, v in window.items() if k != "lock_waits"}, default=str))
    kill = window["kill"]
    assert "error" not in kill, kill
    assert kill["led"], "the killed process led no singleton"
    assert all(s is not None and s <= 5 for s in kill["takeover_s"].values()), kill
    after = kill["singletons_after"]
    assert after["not_led"] == [], after
    assert after["led_twice"] == [], after
    losses = window["losses"]
    assert losses["acknowledged"]["calls"] > 0, losses
    assert losses["lost"] == dict.fromkeys(losses["lost"], 0), losses
    assert [p["name"] for p in window["processes"]] == ["server-1", "server-2"]
    assert all(p["cpu_s"] > 0 for p in window["processes"])
    assert window["lock_wait_samples"] > 0


async def _short_day(group: Cluster, http: httpx.AsyncClient, url: str, folder: Path) -> ClusterDay:
    """About 10 calls over 4 wall seconds, the leader killed 1 s in."""
    mix = Mix(calls_per_hour=600, drop_probability=0.2)
    mix.profile = [1.0] * 24
    config = sim.DayConfig(
        url=group.url,
        speed=SPEED,
        hours=0.02,
        start_hour=8,
        operators=4,
        mix=mix,
        admin_user="admin",
        admin_password="admin",
        recordings=folder / "recordings",
        progress=False,
        heartbeat_s=240,
        drain_s=120,
    )
    acknowledged = Acknowledged()
    http.event_hooks["response"].append(acknowledged.hook)
    day = ClusterDay(config, http, group, None, url, acknowledged, KillPlan(1.0, 30.0))
    await day.run()
    return day
