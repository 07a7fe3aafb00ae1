"""``python -m dispatch deliver`` (issue 22): the services' deliveries in a process of their own.
Started before the server it leads the delivery singletons and the cards reach the service
through it; killed, the server takes delivery over and nothing is lost."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from dispatch.core.database import opened_engine
from dispatch.core.leadership import NAMESPACE, lock_key
from tests.feeds.conftest import receiving
from tests.fixtures.databases import PostgresTemplate
from tests.fixtures.processes import ROOT, attach_log, dispatch_env, server_process, stop
from tests.fixtures.waiting import eventually

pytestmark = [pytest.mark.asyncio, pytest.mark.postgres, pytest.mark.redis]


@contextlib.contextmanager
def deliverer(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    attach_log("deliverer", log)
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "dispatch", "deliver"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        stop(process)


async def webhook_leader(url: str) -> str | None:
    """The application name of the session holding the webhook delivery's lock."""
    async with opened_engine(url) as engine, engine.connect() as connection:
        found: str | None = await connection.scalar(
            text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :namespace "
                "AND l.objid = :key"
            ),
            {"namespace": NAMESPACE, "key": lock_key("feeds.webhook")},
        )
        return found


async def test_the_deliverer_process_delivers_and_the_server_takes_over_when_it_dies(
    postgres_template: PostgresTemplate, redis_url: str, tmp_path: Path
) -> None:
    name, url = await postgres_template.clone()
    env = dispatch_env(
        DISPATCH_DATABASE_URL=url,
        DISPATCH_REDIS_URL=redis_url,
        DISPATCH_REDIS_CHANNEL=f"test:deliver:{uuid.uuid4().hex}",
        DISPATCH_FEED_RETRY_BASE_S="0.2",
    )
    try:
        with (
            receiving() as police,
            deliverer(env, tmp_path / "deliver.log") as process,
        ):
            mine = f"dispatch112:{process.pid}"
            await eventually(lambda: leads(url, mine), what="the deliverer leading", within=30)
            with server_process(env, tmp_path / "serve.log", args=["--no-migrate"]) as server:
                async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
                    cards = await _route(http, police.url, 3)
                    await eventually(lambda: len(police.bodies()) == 3, what="3 cards delivered")
                    assert await webhook_leader(url) == mine  # through the deliverer

                    os.kill(process.pid, signal.SIGKILL)
                    killed = time.monotonic()
                    serving = f"dispatch112:{server.process.pid}"
                    await eventually(
                        lambda: leads(url, serving),
                        what="the server leading delivery",
                        within=10,
                    )
                    assert time.monotonic() - killed < 5.0
                    cards += await _route(http, police.url, 2, set_hook=False)
                    await eventually(lambda: len(police.bodies()) == 5, what="5 cards delivered")
            got = [r.headers["X-Card-Id"] for r in police.bodies()]
            assert got == cards  # every card, once, in order
    finally:
        await postgres_template.drop(name)


async def leads(url: str, expected: str) -> bool:
    return await webhook_leader(url) == expected


async def _route(
    http: httpx.AsyncClient, hook: str, count: int, *, set_hook: bool = True
) -> list[str]:
    token = (
        await http.post("/api/v1/auth/token", data={"username": "admin", "password": "admin"})
    ).json()["access_token"]
    if set_hook:
        changed = await http.patch(
            "/api/v1/services/102",
            headers={"Authorization": f"Bearer {token}"},
            json={"webhook_url": hook},
        )
        assert changed.status_code == 200, changed.text
    operator = (
        await http.post(
            "/api/v1/auth/token", data={"username": "operator1", "password": "operator1"}
        )
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {operator}"}
    ids = []
    for _ in range(count):
        card = await http.post(
            "/api/v1/cards",
            headers=headers,
            json={"incident": {"type": "road.accident_injuries", "victims": 1}},
        )
        assert card.status_code == 201, card.text
        routed = await http.post(
            f"/api/v1/cards/{card.json()['id']}/route", headers=headers, json={"services": ["102"]}
        )
        assert routed.status_code == 200, routed.text
        ids.append(card.json()["id"])
    return ids


async def test_the_deliverer_serves_the_services_feeds_and_nothing_else(
    postgres_template: PostgresTemplate, redis_url: str, tmp_path: Path
) -> None:
    """``deliver --port``: a service pulls its feed and reports a status through the
    deliverer, and the servers show it; the operators' API is not served there; a bad report
    changes nothing; a key revoked on a server stops working there too."""
    name, url = await postgres_template.clone()
    env = dispatch_env(
        DISPATCH_DATABASE_URL=url,
        DISPATCH_REDIS_URL=redis_url,
        DISPATCH_REDIS_CHANNEL=f"test:deliver:{uuid.uuid4().hex}",
    )
    try:
        with (
            server_process(env, tmp_path / "deliver.log", command="deliver") as services,
            server_process(env, tmp_path / "serve.log", args=["--no-migrate"]) as server,
        ):
            async with (
                httpx.AsyncClient(base_url=server.http, timeout=10) as http,
                httpx.AsyncClient(base_url=services.http, timeout=10) as feeds,
            ):
                admin = await _bearer(http, "admin")
                key, key_id = await _service_key(http, admin, "102")
                (card_id,) = await _route(http, "", 1, set_hook=False)

                page = await feeds.get("/api/v1/feeds/102/cards", headers=key)
                assert page.status_code == 200, page.text
                assert card_id in {item["card_id"] for item in page.json()["items"]}

                async def leading() -> bool:
                    health = (await feeds.get("/healthz")).json()
                    return health["status"] == "ok" and "feeds.webhook" in health["leads"]

                await eventually(leading, what="the deliverer answering and leading delivery")

                status_url = f"/api/v1/feeds/102/cards/{card_id}/status"
                at = "2026-12-07T10:00:00+00:00"
                bad = await feeds.post(status_url, headers=key, json={"status": "teleported"})
                assert bad.status_code == 422, bad.text
                reported = await feeds.post(
                    status_url, headers=key, json={"status": "received", "at": at}
                )
                assert reported.status_code == 201, reported.text
                operator = await _bearer(http, "operator1")
                card = (await http.get(f"/api/v1/cards/{card_id}", headers=operator)).json()
                (police,) = [s for s in card["services"] if s["code"] == "102"]
                assert police["status"] == "received"
                assert [h["status"] for h in police["history"]][-1] == "received"
                assert card["version"] == reported.json()["version"]

                elsewhere = await feeds.get(f"/api/v1/cards/{card_id}", headers=operator)
                assert elsewhere.status_code == 404  # the operators' API is the servers'

                revoked = await http.post(
                    f"/api/v1/users/svc102/api-keys/{key_id}/revoke", headers=admin
                )
                assert revoked.status_code == 200, revoked.text

                async def refused() -> bool:
                    answer = await feeds.get("/api/v1/feeds/102/cards", headers=key)
                    return answer.status_code == 401

                await eventually(refused, what="the revoked key refused by the deliverer")
    finally:
        await postgres_template.drop(name)


async def _bearer(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    signed_in = await http.post(
        "/api/v1/auth/token", data={"username": username, "password": username}
    )
    assert signed_in.status_code == 200, signed_in.text
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


async def _service_key(
    http: httpx.AsyncClient, admin: dict[str, str], code: str
) -> tuple[dict[str, str], str]:
    created = await http.post(
        "/api/v1/users",
        headers=admin,
        json={"username": f"svc{code}", "role": "service", "service_code": code},
    )
    assert created.status_code == 201, created.text
    key = await http.post(f"/api/v1/users/svc{code}/api-keys", headers=admin, json={})
    assert key.status_code == 201, key.text
    return {"X-Api-Key": key.json()["key"]}, key.json()["id"]
