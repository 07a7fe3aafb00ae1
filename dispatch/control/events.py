"""Bus topics call control publishes (after commit). The payload carries the ``call_id``, so the
consoles showing the call draw it again."""

from __future__ import annotations

from typing import TypedDict

from dispatch.core.events import Topic


class LegChanged(TypedDict):
    """A leg was asked for or moved (``status`` is where it stands now)."""

    call_id: str
    leg_id: str
    kind: str
    status: str
    requested_by: str
    target: str


LEG_CHANGED = Topic[LegChanged]("call.leg_changed")
