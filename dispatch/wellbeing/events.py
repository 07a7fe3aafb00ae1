"""Bus topics wellbeing publishes (after commit, through ``core.bus.emit``).

Each says whose case changed and how; no card and no reason travels on the bus (a Redis bus
is read by every process). The operator console's ``wellbeing`` part listens to all of them.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from dispatch.core.events import Prefix, Topic

Change = Literal[
    "case_opened", "offer_accepted", "offer_declined", "debrief_held", "debrief_cancelled"
]


class Changed(TypedDict):
    """``username``'s case ``case_id`` changed (``change``)."""

    username: str
    case_id: str
    change: Change


CHANGED = Topic[Changed]("wellbeing.changed")
# Every wellbeing topic (the consoles' hub).
WELLBEING = Prefix("wellbeing.")
