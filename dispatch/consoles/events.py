"""Bus topics of the consoles (after commit, through ``core.bus.emit``): ``notices.changed``,
the reminders' contract that training (above the consoles) emits when someone's reminders
changed (``notices.py``). The escalations the consoles show are ``dispatch.escalations.events``."""

from __future__ import annotations

from typing import TypedDict

from dispatch.core.events import Topic


class NoticesChanged(TypedDict):
    """The reminders of ``usernames``, and of everyone of ``roles``, changed; the operator
    console's ``notices`` part of those people is computed again."""

    usernames: list[str]
    roles: list[str]


NOTICES_CHANGED = Topic[NoticesChanged]("notices.changed")
