"""The operator console's reminders (the ``notices`` part): what a person still has to do
elsewhere — the regulations that concern them and that they have not acknowledged, their next
training session — pushed to the console they work in.

Training keeps the regulations and the sessions, and training sits above the consoles: the
consoles never import it. The contract lives here instead. The app hands the consoles a
:class:`NoticeSource` at start-up (``app.state.notices``, training's
``regulations.reminders``), which the part calls; whoever changes someone's reminders (a
regulation published or acknowledged, an invitation, a cancelled session) emits
:data:`CHANGED` naming the people or the roles concerned, and their consoles' part is computed
again. With no source (a hub built without the app) the part is empty.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.consoles import events
from dispatch.consoles.events import NoticesChanged
from dispatch.consoles.views import PartContext, Touch

__all__ = ["CHANGED", "EMPTY", "NoticeSource", "NoticesChanged", "part", "touches"]

# The topic whoever changes someone's reminders emits (``events.py``).
CHANGED = events.NOTICES_CHANGED
EMPTY: dict[str, Any] = {"regulations": [], "unread": 0, "overdue": 0, "training": None}


class NoticeSource(Protocol):
    """What reminds a person of their work elsewhere: ``regulations`` (the unread ones that
    concern them, overdue first: id, code, version, title per language, acknowledge_by,
    overdue), ``unread`` and ``overdue`` counts, and ``training`` (their next session within
    the week: session_id, title per language, starts_at, minutes, place; or None)."""

    async def __call__(
        self, session: AsyncSession, username: str, role: str, *, now: datetime
    ) -> dict[str, Any]: ...


def part(source: NoticeSource | None) -> Callable[[PartContext], Awaitable[dict[str, Any]]]:
    """The ``notices`` part computed by ``source``."""

    async def notices(context: PartContext) -> dict[str, Any]:
        """The person's reminders."""
        if source is None or context.user is None:
            return EMPTY
        user = context.user
        return await source(context.session, user.username, user.role.value, now=context.now)

    return notices


def touches(changed: NoticesChanged) -> list[Touch]:
    """The consoles whose reminders changed: everyone's when roles are named (the part is
    computed again for each user), else the people named."""
    if changed["roles"]:
        return [Touch("notices")]
    return [Touch("notices", username) for username in changed["usernames"]]
