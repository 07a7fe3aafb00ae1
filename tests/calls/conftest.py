"""Helpers for call tests: the demo gateway posting calls and events, timestamps, the bus."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dispatch.core.bus import Event, InProcessBus
from tests.fixtures.api import Api

GATEWAY = {"X-Api-Key": "gateway1-dev-key"}
_event_ids = itertools.count(1)


def minutes_ago(minutes: float) -> datetime:
    """A wall-clock instant ``minutes`` before now (the API runs on the system clock)."""
    return datetime.now(UTC) - timedelta(minutes=minutes)


async def new_call(api: Api, expect: int = 201, **fields: Any) -> dict[str, Any]:
    """A call (or text message) posted by the demo gateway."""
    body = {"channel": "voice", "caller_number": "+998901234567", "language": "uz", **fields}
    response = await api.post("/api/v1/calls", json=body, headers=GATEWAY)
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def post_event(
    api: Api,
    call_id: str,
    kind: str,
    at: datetime,
    *,
    expect: int = 201,
    event_id: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Post one event as the gateway and check the status code."""
    body = {
        "event_id": event_id or f"ev-{next(_event_ids)}",
        "type": kind,
        "at": at.isoformat(),
        **fields,
    }
    response = await api.post(f"/api/v1/calls/{call_id}/events", json=body, headers=GATEWAY)
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def get_call(api: Api, call_id: str, user: str = "operator1") -> dict[str, Any]:
    """The call as an operator sees it."""
    response = await api.get(f"/api/v1/calls/{call_id}", user=user)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def published(api: Api, pattern: str) -> tuple[InProcessBus, Any]:
    """The app's in-process bus and a subscription to ``pattern`` (read with ``events``)."""
    bus = api.runtime.bus
    assert isinstance(bus, InProcessBus)
    return bus, bus.subscribe(pattern)


def events(subscription: Any) -> list[Event]:
    """Everything the subscription received so far."""
    received: list[Event] = []
    while not subscription.queue.empty():
        item = subscription.queue.get_nowait()
        if item is not None:
            received.append(item)
    return received


@pytest.fixture(scope="session")
def aml_vectors(shared_data: Path) -> list[dict[str, Any]]:
    """The AML reference vectors."""
    document = json.loads((shared_data / "aml" / "aml_test_vectors.json").read_text("utf-8"))
    vectors: list[dict[str, Any]] = document["vectors"]
    return vectors
