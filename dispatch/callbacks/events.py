"""Bus topics callbacks publishes (after commit, through ``core.bus.emit``)."""

from __future__ import annotations

from typing import Literal, TypedDict

from dispatch.core.events import Prefix, Topic

# What happened to the task.
CallbackChange = Literal[
    "created",
    "joined",
    "caller_rang_again",
    "dialing",
    "lease_expired",
    "attempt",
    "cancelled",
    "classified",  # the call's card got a priority after the task was made: the task took it
]


class CallbackChanged(TypedDict):
    """A callback task changed (``change``) and is now ``status``; the ACD worker wakes (not on
    its own dial), the consoles' callbacks boards draw again."""

    callback_id: str
    call_id: str
    card_id: str | None
    status: str
    operator: str | None
    preferred_operator: str | None
    attempts: int
    change: CallbackChange


CHANGED = Topic[CallbackChanged]("callback.changed")
# Every callback topic: the ACD worker's wake-ups, the supervisors' callbacks part.
CALLBACK = Prefix("callback.")
