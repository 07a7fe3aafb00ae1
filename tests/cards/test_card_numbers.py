"""The day's card numbers: one counter row per day, taken as late as a card's making allows."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from dispatch.cards import places
from tests.fixtures.api import Api

pytestmark = pytest.mark.asyncio

# Long enough for a card to be made on a loaded machine; short enough that a held counter
# fails the test rather than stalling the run.
MADE_WITHIN_S = 15


async def test_a_card_being_made_does_not_hold_up_another_ones_number(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one card's making is still looking up its place (its transaction open), another
    card is made, numbered and committed. The number is taken last: taken first, the day's
    counter row stayed locked through the lookup and the card's checks, and every other card of
    the centre waited for it (a lock wait of the surge benchmark)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises every writer already")
    looking, release = asyncio.Event(), asyncio.Event()
    lookup = places.complete_location_change

    async def slow_first_lookup(*args: Any, **kwargs: Any) -> None:
        if not looking.is_set():
            looking.set()
            await asyncio.wait_for(release.wait(), 60)
        await lookup(*args, **kwargs)

    monkeypatch.setattr(places, "complete_location_change", slow_first_lookup)
    body = {"incident": {"type": "fire.building"}}
    first = asyncio.create_task(api.post("/api/v1/cards", user="operator1", json=body))
    try:
        await asyncio.wait_for(looking.wait(), MADE_WITHIN_S)
        second = await asyncio.wait_for(
            api.post("/api/v1/cards", user="operator2", json=body), MADE_WITHIN_S
        )
    finally:
        release.set()
    made = await asyncio.wait_for(first, MADE_WITHIN_S)
    assert second.status_code == made.status_code == 201, (second.text, made.text)
    # Numbered in the order the numbers were taken: the second card first.
    day, number = second.json()["number"].rsplit("-", 1)
    assert made.json()["number"] == f"{day}-{int(number) + 1:06d}"


async def test_a_refused_card_takes_no_number(api: Api) -> None:
    body = {"incident": {"type": "fire.building"}}
    before = (await api.post("/api/v1/cards", user="operator1", json=body)).json()["number"]
    refused = await api.post(
        "/api/v1/cards", user="operator1", json={"incident": {"type": "no.such_type"}}
    )
    assert refused.status_code == 422, refused.text
    after = (await api.post("/api/v1/cards", user="operator1", json=body)).json()["number"]
    day, number = before.rsplit("-", 1)
    assert after == f"{day}-{int(number) + 1:06d}"
