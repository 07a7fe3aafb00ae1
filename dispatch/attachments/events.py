"""Bus topics attachments publishes (after commit, through ``core.bus.emit``)."""

from __future__ import annotations

from typing import TypedDict

from dispatch.core.events import Topic


class StoredFile(TypedDict):
    """What was stored, as the audit entry keeps it (no content, no file name)."""

    call_id: str | None
    card_id: str | None
    media_type: str
    size: int
    sha256: str
    source: str


class Stored(StoredFile):
    """A file of a call and/or a card was kept (``attachment_id`` first, then the file); the
    cards' listener puts a caller's file onto the card of its call."""

    attachment_id: str


STORED = Topic[Stored]("attachment.stored")
