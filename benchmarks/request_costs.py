"""Server CPU per request, endpoint by endpoint, for one call's path: ``make bench-requests``.

The app runs in this process (real lifespan, real SQLite or PostgreSQL, its background workers
off) and one call's whole path is played again and again, one request at a time, over an
in-process transport: the gateway posts the call and its AML, an ACD tick offers it, the
gateway reports ringing, the operator accepts, creates the card, routes and closes it, the
gateway reports the end, and the police and the ambulance report their six statuses each.
Each step's CPU (``time.process_time``, this process: the app and the client) is summed over
the rounds, so each row is what that request costs; the ACD tick and one webhook delivery
pass (the workers' share) are rows of their own. A bare app's request through the same
transport is the floor. Only relative figures matter (the client shares the process).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# httpx's in-process transport looks for trio on every request (an import attempt that
# searches sys.path): marked absent, so the client's share of each row stays small.
sys.modules.setdefault("trio", None)  # type: ignore[arg-type]

from benchmarks.harness.report import print_rows  # noqa: E402
from benchmarks.harness.servers import database  # noqa: E402
from dispatch.app import create_app  # noqa: E402
from dispatch.core.settings import Settings  # noqa: E402
from dispatch.feeds.delivery import WebhookDeliverer  # noqa: E402
from dispatch.queues.assignment import assign_once  # noqa: E402
from tests.fixtures.databases import TEST_SCRYPT_N, prepare  # noqa: E402

GATEWAY = {"X-Api-Key": "gateway1-dev-key"}
STATUSES = ("received", "accepted", "response_started", "arrived", "in_progress", "completed")


class Costs:
    """CPU seconds and SQL statements per step, summed over the rounds."""

    def __init__(self) -> None:
        self.cpu: defaultdict[str, float] = defaultdict(float)
        self.count: defaultdict[str, int] = defaultdict(int)
        self.sql: defaultdict[str, int] = defaultdict(int)
        self.statements = 0

    def listen(self, engine: AsyncEngine) -> None:
        """Count the statements ``engine`` runs."""

        def count(*_: Any) -> None:
            self.statements += 1

        event.listen(engine.sync_engine, "before_cursor_execute", count)

    async def __call__(self, name: str, work: Awaitable[Any]) -> Any:
        statements = self.statements
        started = time.process_time()
        result = await work
        self.cpu[name] += time.process_time() - started
        self.count[name] += 1
        self.sql[name] += self.statements - statements
        return result


def ok(response: httpx.Response, *codes: int) -> dict[str, Any]:
    """The JSON of a response with one of ``codes``; fail loudly otherwise."""
    if response.status_code not in (codes or (200, 201)):
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    body: dict[str, Any] = response.json() if response.content else {}
    return body


async def one_call(
    http: httpx.AsyncClient,
    app: FastAPI,
    costs: Costs,
    auth: dict[str, str],
    services: dict[str, dict[str, str]],
    n: int,
) -> None:
    """One call, start to end, each step timed."""
    runtime = app.state.runtime
    number = f"+9989{n:08d}"
    body = {
        "channel": "voice",
        "language": "uz",
        "caller_number": number,
        "location": {"lat": 41.3111, "lon": 69.2797, "radius_m": 1500},
    }
    call = ok(await costs("POST /calls", http.post("/api/v1/calls", json=body, headers=GATEWAY)))
    millis = int(datetime.now(UTC).timestamp() * 1000)
    form = (
        f"v=3&device_number={number.replace('+', '%2B')}&location_latitude=41.311100"
        f"&location_longitude=69.279700&location_accuracy=12&location_time={millis}"
        "&location_source=gps&location_certainty=68"
    )
    aml = http.post(
        "/api/v1/aml/https",
        content=form.encode(),
        headers={**GATEWAY, "Content-Type": "application/x-www-form-urlencoded"},
    )
    ok(await costs("POST /aml/https", aml))
    await costs("ACD tick (offer)", assign_once(runtime))
    me = ok(await http.get("/api/v1/operators/me", headers=auth))
    offer = me["offer"]
    event = {
        "event_id": f"ring-{n}",
        "type": "ringing",
        "at": datetime.now(UTC).isoformat(),
        "operator": "operator1",
    }
    ring = http.post(f"/api/v1/calls/{call['id']}/events", json=event, headers=GATEWAY)
    ok(await costs("POST /calls/{id}/events ringing", ring))
    ok(
        await costs(
            "POST /offers/{id}/accept",
            http.post(f"/api/v1/offers/{offer['id']}/accept", headers=auth),
        )
    )
    card_body = {
        "call_id": call["id"],
        "incident": {"type": "road.accident_injuries", "description": "Two cars"},
        "location": {"address": "Amir Temur 5", "lat": 41.3111, "lon": 69.2797, "confirmed": True},
    }
    card = ok(await costs("POST /cards", http.post("/api/v1/cards", json=card_body, headers=auth)))
    routed = http.post(f"/api/v1/cards/{card['id']}/route", headers=auth)
    ok(await costs("POST /cards/{id}/route", routed))
    closing = http.post(
        f"/api/v1/cards/{card['id']}/close", json={"outcome": "dispatched"}, headers=auth
    )
    ok(await costs("POST /cards/{id}/close", closing))
    end = {
        "event_id": f"end-{n}",
        "type": "ended",
        "at": datetime.now(UTC).isoformat(),
        "operator": "operator1",
    }
    ended = http.post(f"/api/v1/calls/{call['id']}/events", json=end, headers=GATEWAY)
    ok(await costs("POST /calls/{id}/events ended", ended))
    await costs("ACD tick (wrap-up)", assign_once(runtime))
    deliverer: WebhookDeliverer | None = app.state.deliverer
    if deliverer is not None:
        await costs("webhook delivery pass", deliverer.deliver_due())
    for code, headers in services.items():
        for status in STATUSES:
            report = http.post(
                f"/api/v1/feeds/{code}/cards/{card['id']}/status",
                json={"status": status, "at": datetime.now(UTC).isoformat()},
                headers=headers,
            )
            ok(await costs("POST /feeds/{s}/cards/{id}/status", report))
    await costs("GET /operators/me", http.get("/api/v1/operators/me", headers=auth))


async def bare_floor(rounds: int) -> float:
    """CPU of one request to a bare FastAPI endpoint through the same transport."""
    bare = FastAPI()

    @bare.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    transport = httpx.ASGITransport(app=bare)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        started = time.process_time()
        for _ in range(rounds):
            await http.get("/ping")
        return (time.process_time() - started) / rounds


async def run(backend: str, rounds: int, warmup: int) -> dict[str, Any]:
    """Prepare a database, play the rounds; CPU ms per step."""
    with tempfile.TemporaryDirectory(prefix="bench-requests-") as folder:
        async with database(backend, Path(folder), durable=False) as (url, _):
            url = Settings(database_url=url).database_url  # the async driver's URL
            prepare(url)
            settings = Settings(
                database_url=url,
                password_scrypt_n=TEST_SCRYPT_N,
                log_level="WARNING",
                queue_worker=False,
                feed_worker=False,
            )
            app = create_app(settings)
            costs = Costs()
            receiver = httpx.ASGITransport(app=receiver_app())
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(transport=receiver) as pushes,
            ):
                app.state.deliverer = WebhookDeliverer(app.state.runtime, pushes)
                costs.listen(app.state.runtime.engine)
                transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                    auth, services = await accounts(http)
                    for n in range(warmup):
                        await one_call(http, app, Costs(), auth, services, n)
                    for n in range(warmup, warmup + rounds):
                        await one_call(http, app, costs, auth, services, n)
    floor = await bare_floor(rounds * 10)
    return {
        "steps": {k: round(1000 * v / costs.count[k], 3) for k, v in costs.cpu.items()},
        "statements": {k: round(v / costs.count[k], 1) for k, v in costs.sql.items()},
        "per_call_ms": round(1000 * sum(costs.cpu.values()) / rounds, 2),
        "requests_per_call": round(
            sum(c for k, c in costs.count.items() if k[0] in "GP") / rounds, 1
        ),
        "bare_request_ms": round(1000 * floor, 3),
    }


def receiver_app() -> FastAPI:
    """The services' systems: take every card with 204 (the webhook's happy path)."""
    receiver = FastAPI()

    @receiver.post("/{service}")
    async def take(service: str) -> None:
        return None

    return receiver


async def accounts(http: httpx.AsyncClient) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """operator1 available with no wrap-up, and service systems for 102 and 103."""
    token = ok(
        await http.post("/api/v1/auth/token", data={"username": "admin", "password": "admin"})
    )["access_token"]
    admin = {"Authorization": f"Bearer {token}"}
    services = {}
    for code in ("102", "103"):
        name = f"bench-{code}"
        ok(
            await http.post(
                "/api/v1/users",
                headers=admin,
                json={"username": name, "role": "service", "service_code": code},
            )
        )
        key = ok(await http.post(f"/api/v1/users/{name}/api-keys", headers=admin, json={}))
        services[code] = {"X-Api-Key": key["key"]}
        hook = {"webhook_url": f"http://receiver/{code}", "webhook_secret": "s" * 24}
        ok(await http.patch(f"/api/v1/services/{code}", headers=admin, json=hook))
    sup = ok(
        await http.post(
            "/api/v1/auth/token", data={"username": "supervisor1", "password": "supervisor1"}
        )
    )
    supervisor = {"Authorization": f"Bearer {sup['access_token']}"}
    ok(
        await http.patch(
            "/api/v1/queues/voice-uz",
            headers=supervisor,
            json={"wrap_up_s": 0, "offer_timeout_s": 300},
        )
    )
    op = ok(
        await http.post(
            "/api/v1/auth/token", data={"username": "operator1", "password": "operator1"}
        )
    )
    auth = {"Authorization": f"Bearer {op['access_token']}"}
    ok(await http.post("/api/v1/operators/me/state", headers=auth, json={"state": "available"}))
    return auth, services


def main() -> int:
    """Run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    result = asyncio.run(run(args.backend, args.rounds, args.warmup))
    rows = [["step", "CPU ms", "SQL statements"]]
    rows += [
        [k, f"{v:.2f}", f"{result['statements'][k]:g}"]
        for k, v in sorted(result["steps"].items(), key=lambda i: -i[1])
    ]
    print_rows(rows)
    print(
        f"\none call: {result['per_call_ms']} ms of CPU in {result['requests_per_call']} "
        f"requests; a bare request through the same transport: {result['bare_request_ms']} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
