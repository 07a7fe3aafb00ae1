"""Bus topics feeds publishes (after commit, through ``core.bus.emit``)."""

from __future__ import annotations

from typing import TypedDict

from dispatch.core.events import Topic


class Enqueued(TypedDict):
    """A card's version is owed to ``service`` at ``cursor``; the webhook deliverer, the
    Redis Stream mirror and the service's STA-024 websockets wake."""

    service: str
    cursor: int
    card_id: str
    version: int


class Acknowledged(TypedDict):
    """``service`` acknowledged ``count`` deliveries (``cursors``, of ``card_ids``) ``via`` a
    transport, through ``cursor``; no subscriber in the server today (the tests watch it)."""

    service: str
    cursor: int
    cursors: list[int]
    count: int
    via: str
    card_ids: list[str]


ENQUEUED = Topic[Enqueued]("feed.enqueued")
ACKNOWLEDGED = Topic[Acknowledged]("feed.acknowledged")
