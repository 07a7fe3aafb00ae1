"""Whose operator console a card's event touches: the card's owner, as the event says it (no
database read per event in every process), else as the hub looks it up."""

from __future__ import annotations

import pytest

from dispatch.consoles.operator_view import touches
from dispatch.consoles.views import Lookups, Ref, Touch
from dispatch.core.bus import Event

CARD = "0b6f1c1e-5f0c-4d57-9a3e-2f1d7c9b8a10"


def _lookups(owner: str | None, asked: list[str]) -> Lookups:
    async def card_owner(card_id: str) -> str | None:
        asked.append(card_id)
        return owner

    def showing(ref: Ref) -> set[str]:
        return set()

    return Lookups(showing, card_owner)


def _status_event(**extra: object) -> Event:
    payload = {"card_id": CARD, "number": "112-1", "version": 3, "status": "routed", **extra}
    return Event("card.service_status", {**payload, "service": "103"})


@pytest.mark.asyncio
async def test_a_card_event_names_its_owner_and_the_hub_does_not_look_it_up() -> None:
    asked: list[str] = []
    found = await touches(_status_event(owner="operator4"), _lookups("someone-else", asked))
    assert asked == []
    assert Touch("cards", "operator4") in found
    assert Touch("call", "operator4") in found
    assert not any(touch.user == "someone-else" for touch in found)


@pytest.mark.asyncio
async def test_a_card_without_an_owner_touches_no_operator_and_is_not_looked_up() -> None:
    asked: list[str] = []
    found = await touches(_status_event(owner=None), _lookups("someone-else", asked))
    assert asked == []
    assert [touch for touch in found if touch.user is not None] == []


@pytest.mark.asyncio
async def test_an_event_from_before_the_owner_was_said_is_looked_up() -> None:
    asked: list[str] = []
    found = await touches(_status_event(), _lookups("operator2", asked))
    assert asked == [CARD]
    assert Touch("cards", "operator2") in found
