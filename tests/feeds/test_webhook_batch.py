"""Webhook batches (issue 22): a service that takes several cards per request gets JSON
batches, in order, signed, each acknowledged as a whole; a failure keeps the order."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import cardschema
from dispatch.core.settings import Settings
from dispatch.feeds.delivery import signature
from tests.feeds.conftest import Receiver, routed_card
from tests.fixtures.api import running_api
from tests.fixtures.databases import fingerprint
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio

SECRET = "police-secret-0123456789"


def items(receiver: Receiver) -> list[dict[str, Any]]:
    """Every card item the receiver got, in arrival order."""
    found: list[dict[str, Any]] = []
    for received in receiver.bodies():
        found.extend(json.loads(received.body)["items"])
    return found


async def test_cards_arrive_in_batches_in_order_and_a_failure_keeps_the_order(
    settings: Settings, receivers: list[Receiver]
) -> None:
    police = receivers[0]
    police.failing = True
    fast = settings.model_copy(update={"feed_retry_base_s": 0.05, "feed_retry_max_s": 0.2})
    async with running_api(fast) as api:
        changed = await api.patch(
            "/api/v1/services/102",
            user="admin",
            json={"webhook_url": police.url, "webhook_secret": SECRET, "webhook_batch": 5},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["webhook_batch"] == 5
        cards = [await routed_card(api, ["102"]) for _ in range(7)]

        async def head_failed() -> bool:
            rows = (
                await api.get("/api/v1/feeds/deliveries?service=102", user="supervisor1")
            ).json()
            return any(row["status"] == "failed" for row in rows)

        await eventually(head_failed, what="the head of the line tried while the receiver is down")
        police.failing = False
        await eventually(lambda: len(items(police)) == 7, what="7 cards received")

        async def acknowledged() -> bool:
            status = (await api.get("/api/v1/feeds/status", user="supervisor1")).json()
            return any(s["service"] == "102" and s["acknowledged"] == 7 for s in status)

        await eventually(acknowledged, what="7 deliveries acknowledged")

    bodies = police.bodies()
    got = items(police)
    assert [item["card_id"] for item in got] == [card["id"] for card in cards]  # in order
    assert [item["cursor"] for item in got] == sorted(item["cursor"] for item in got)
    assert all(1 <= len(json.loads(b.body)["items"]) <= 5 for b in bodies)
    assert any(len(json.loads(b.body)["items"]) > 1 for b in bodies)  # batched, not one by one
    for received in bodies:
        assert received.headers["Content-Type"] == "application/json"
        assert received.headers["X-Signature"] == signature(received.body, SECRET)
        batch = json.loads(received.body)["items"]
        assert received.headers["X-Batch-Size"] == str(len(batch))
        assert received.headers["X-Delivery-Cursor"] == str(batch[-1]["cursor"])
        for item in batch:  # each item's XML is the card as a single POST would carry it
            assert str(cardschema.parse(item["xml"].encode()).id) == item["card_id"]
    # Only the head was tried while the receiver was down: only it comes marked as sent again.
    assert [item["redelivery"] for item in got] == [True] + [False] * 6


@pytest.mark.parametrize("batch", [0, 101, "many"])
async def test_a_batch_size_out_of_bounds_is_refused_and_changes_nothing(
    settings: Settings, engine: AsyncEngine, batch: object
) -> None:
    async with running_api(settings) as api:
        before = await fingerprint(engine)
        refused = await api.patch(
            "/api/v1/services/102", user="admin", json={"webhook_batch": batch}
        )
        assert refused.status_code == 422, refused.text
        assert await fingerprint(engine) == before
        shown = (await api.get("/api/v1/services/102", user="admin")).json()
        assert shown["webhook_batch"] == 1  # one card per request unless a service asks
