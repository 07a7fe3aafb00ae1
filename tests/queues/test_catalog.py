"""Every call reads the queues from a snapshot each process remembers; a queue changed through
the API applies to the next call at once, in the process that changed it and (Redis) in the
others."""

from __future__ import annotations

from typing import Any

import pytest

from dispatch.core.settings import Settings
from tests.fixtures.api import Api, running_api
from tests.fixtures.waiting import eventually
from tests.queues.conftest import GATEWAY

pytestmark = pytest.mark.asyncio


async def queue_of_new_call(api: Api, language: str) -> str:
    """The queue a new voice call in ``language`` enters (the caller withholds the number)."""
    body = {"channel": "voice", "language": language, "caller_number": None}
    response = await api.post("/api/v1/calls", json=body, headers=GATEWAY)
    assert response.status_code == 201, response.text
    queue: str = response.json()["queue"]
    return queue


async def test_a_changed_queue_applies_to_the_next_call_in_every_process(
    settings: Settings, redis_url: str
) -> None:
    quiet: dict[str, Any] = {"queue_worker": False, "feed_worker": False, "redis_url": redis_url}
    one = settings.model_copy(update=quiet)
    async with running_api(one) as first, running_api(one) as second:
        assert await queue_of_new_call(second, "tg") == "voice-other"  # remembered now
        changed = await first.patch(
            "/api/v1/queues/voice-ru", user="supervisor1", json={"languages": ["ru", "tg"]}
        )
        assert changed.status_code == 200, changed.text
        assert await queue_of_new_call(first, "tg") == "voice-ru"  # this process: at once

        async def followed() -> bool:
            return await queue_of_new_call(second, "tg") == "voice-ru"

        # The other process forgets its snapshot when the bus brings the change (well before
        # the snapshot's own expiry).
        await eventually(followed, what="the other process follows the change", within=1.5)
