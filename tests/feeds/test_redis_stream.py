"""With Redis configured, each service's cards also flow into a Redis Stream (real Redis)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import redis.asyncio as redis

import cardschema
from dispatch.core.settings import Settings
from dispatch.feeds.streams import stream_key
from tests.feeds.conftest import routed_card
from tests.fixtures.api import running_api

pytestmark = [pytest.mark.asyncio, pytest.mark.redis]


async def _read_all(
    client: redis.Redis, key: str, group: str, want: int
) -> list[dict[bytes, bytes]]:
    got: list[dict[bytes, bytes]] = []
    async with asyncio.timeout(30):
        while len(got) < want:
            answer: Any = await client.xreadgroup(
                group, "consumer-1", {key: ">"}, count=10, block=200
            )
            for _, entries in answer or []:
                for entry_id, fields in entries:
                    got.append(fields)
                    await client.xack(key, group, entry_id)
    return got


async def test_cards_flow_into_a_stream_per_service_without_duplicates_after_restart(
    settings: Settings, redis_url: str
) -> None:
    prefix = uuid.uuid4().hex[:8]
    with_redis = settings.model_copy(update={"redis_url": redis_url})
    client = redis.from_url(redis_url)
    key = stream_key("104")
    await client.delete(key)
    await client.xgroup_create(key, f"gas-{prefix}", id="0", mkstream=True)
    try:
        async with running_api(with_redis) as api:
            cards = [
                await routed_card(
                    api, ["104"], incident={"type": "gas.smell_indoors", "hazards": ["gas_smell"]}
                )
                for _ in range(2)
            ]
            got = await _read_all(client, key, f"gas-{prefix}", 2)
        assert [f[b"card_id"].decode() for f in got] == [c["id"] for c in cards]
        card = cardschema.parse(got[0][b"xml"])
        assert str(card.id) == cards[0]["id"]
        async with running_api(with_redis) as api:
            await routed_card(
                api, ["104"], incident={"type": "gas.leak_outdoors", "hazards": ["gas_smell"]}
            )
            await _read_all(client, key, f"gas-{prefix}", 1)
        assert await client.xlen(key) == 3  # the restart added the new card only
    finally:
        await client.delete(key)
        await client.aclose()
