"""Bus topics callers publishes (after commit, through ``core.bus.emit``)."""

from __future__ import annotations

from typing import TypedDict

from dispatch.core.events import Topic


class MarkChanged(TypedDict):
    """A supervisor's mark on a number was set or revoked; the operator console showing a
    call from ``number`` draws its warnings again."""

    mark_id: str
    number: str


CHANGED = Topic[MarkChanged]("caller_mark.changed")
