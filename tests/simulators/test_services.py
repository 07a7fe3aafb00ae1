"""Services' systems without a server: webhook receivers on loopback check the signature the
server makes, acknowledge, report statuses in order and fail on command; pull mode pulls,
acknowledges and reports the same way."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio

from dispatch.feeds.delivery import signature as server_signature
from simulators.client import ServerClock
from simulators.report import Tally
from simulators.services import (
    PROGRESS,
    Outage,
    PullService,
    Receivers,
    ServiceSystem,
    parse_outage,
    signature,
)
from tests.fixtures.waiting import eventually

CARD = "8d7f6a52-3b0e-4c52-9a51-0d2f1c9f4a10"


@dataclass
class FakeServer:
    """The status, feed and ack endpoints, recording what the services sent."""

    statuses: list[tuple[str, str]] = field(default_factory=list)
    acked: list[int] = field(default_factory=list)
    feed: list[dict[str, object]] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")
        if request.url.path.endswith("/status"):
            self.statuses.append((parts[-2], json.loads(request.content)["status"]))
            return httpx.Response(201, json={})
        if request.url.path.endswith("/ack"):
            self.acked.append(json.loads(request.content)["cursor"])
            return httpx.Response(200, json={"acknowledged": len(self.feed)})
        items, self.feed = self.feed, []
        return httpx.Response(200, json={"items": items, "next_cursor": 0})


@pytest_asyncio.fixture
async def http() -> AsyncIterator[tuple[httpx.AsyncClient, FakeServer]]:
    fake = FakeServer()
    transport = httpx.MockTransport(fake.handle)
    async with httpx.AsyncClient(base_url="http://dispatch.test", transport=transport) as client:
        yield client, fake


def system(
    http: httpx.AsyncClient, tally: Tally, kind: type[ServiceSystem] = ServiceSystem, **extra: Any
) -> ServiceSystem:
    """Service 103's system on a clock 100 000 times faster (its progression takes ms)."""
    clock = ServerClock(datetime.now(UTC), 100_000.0)
    return kind("103", "key", http, clock, tally, rng=random.Random(1), **extra)


async def wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    """Poll ``condition`` until it holds."""
    await eventually(condition, what="the service system's progress", within=seconds, every=0.01)


def test_outages_from_the_command_line() -> None:
    assert parse_outage("104") == Outage("104")
    window = parse_outage("104:30:15")
    assert window == Outage("104", 1800.0, 900.0)
    assert [window.covers(s) for s in (1799, 1800, 2699, 2700)] == [False, True, True, False]
    assert Outage("104").covers(10**9)
    for bad in ("", "104:30", "104:a:1"):
        with pytest.raises(ValueError, match=r"."):
            parse_outage(bad)


@pytest.mark.asyncio
async def test_the_receiver_checks_the_signature_acknowledges_and_progresses(
    http: tuple[httpx.AsyncClient, FakeServer],
) -> None:
    client, fake = http
    tally = Tally()
    ambulance = system(client, tally)
    receivers = Receivers({"103": ambulance})
    await receivers.start()
    try:
        url = receivers.urls["103"]
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/cards")
        body = b"<card/>"
        # The server's own signing is what the receiver checks.
        assert signature(body, ambulance.secret) == server_signature(body, ambulance.secret)
        headers = {"X-Card-Id": CARD, "X-Card-Version": "2", "X-Redelivery": "false"}
        async with httpx.AsyncClient() as sender:
            forged = await sender.post(url, content=body, headers={**headers, "X-Signature": "0"})
            assert forged.status_code == 401
            signed = {**headers, "X-Signature": server_signature(body, ambulance.secret)}
            assert (await sender.post(url, content=body, headers=signed)).status_code == 204
            again = {**signed, "X-Redelivery": "true"}
            assert (await sender.post(url, content=body, headers=again)).status_code == 204
            assert (await sender.get(url)).status_code == 405
            assert (await sender.post(url + "x", content=body)).status_code == 404
        await wait_for(lambda: len(fake.statuses) == len(PROGRESS))
    finally:
        await ambulance.close()
        await receivers.stop()
    # One progression per card, in the transition table's order.
    assert fake.statuses == [(CARD, status) for status, _ in PROGRESS]
    assert tally.deliveries["103"] == 3
    assert tally.acknowledgements["103"] == 2
    assert tally.redeliveries["103"] == 1
    assert tally.errors == {"signature 103": 1}
    assert sum(tally.statuses.values()) == len(PROGRESS)


@pytest.mark.asyncio
async def test_a_service_fails_on_command(http: tuple[httpx.AsyncClient, FakeServer]) -> None:
    client, fake = http
    tally = Tally()
    down = system(client, tally, outages=[Outage("103"), Outage("102")])
    assert down.down
    assert down.outages == [Outage("103")]
    signed = {"X-Card-Id": CARD, "X-Signature": signature(b"x", down.secret)}
    assert down.receive({k.lower(): v for k, v in signed.items()}, b"x") == 503
    flaky = system(client, tally, error_share=0.5)
    answers = [flaky.receive({k.lower(): v for k, v in signed.items()}, b"x") for _ in range(200)]
    assert set(answers) <= {500, 401}  # 401: signed with the other system's secret
    assert 60 < answers.count(500) < 140
    assert tally.refused["103"] == 1 + answers.count(500)
    assert fake.statuses == []  # nothing acknowledged, nothing reported


@pytest.mark.asyncio
async def test_pull_mode_pulls_acknowledges_and_progresses(
    http: tuple[httpx.AsyncClient, FakeServer],
) -> None:
    client, fake = http
    tally = Tally()
    puller = system(client, tally, PullService)
    assert isinstance(puller, PullService)
    fake.feed = [
        {"cursor": 7, "card_id": CARD, "version": 2, "redelivery": False},
        {"cursor": 9, "card_id": CARD, "version": 3, "redelivery": True},
    ]
    try:
        assert await puller.pull_once() == 2
        assert await puller.pull_once() == 0
        await wait_for(lambda: len(fake.statuses) == len(PROGRESS))
    finally:
        await puller.close()
    assert fake.acked == [9]
    assert (tally.deliveries["103"], tally.acknowledgements["103"]) == (2, 2)
    assert tally.redeliveries["103"] == 1
    assert [status for _, status in fake.statuses] == [status for status, _ in PROGRESS]


@pytest.mark.asyncio
async def test_pulled_cards_are_taken_even_when_the_acknowledgement_is_lost() -> None:
    """The server stored the ack but its answer never came (the process killed after the
    commit): the cards are the system's all the same, and the error is counted."""
    fake = FakeServer()
    fake.feed = [{"cursor": 4, "card_id": CARD, "version": 1, "redelivery": False}]

    def answer(request: httpx.Request) -> httpx.Response:
        response = fake.handle(request)
        if request.url.path.endswith("/ack"):
            raise httpx.RemoteProtocolError("server disconnected", request=request)
        return response

    transport = httpx.MockTransport(answer)
    async with httpx.AsyncClient(base_url="http://dispatch.test", transport=transport) as client:
        tally = Tally()
        puller = system(client, tally, PullService)
        assert isinstance(puller, PullService)
        try:
            assert await puller.pull_once() == 1
        finally:
            await puller.close()
    assert fake.acked == [4]  # stored by the server
    assert puller.cards == {CARD}
    assert tally.errors == {"ack 103 RemoteProtocolError": 1}
