"""Bus topics auth publishes (after commit, through ``core.bus.emit``).

``auth.changed`` — an account's credentials changed, in one of three shapes below; the
credential cache forgets what it remembered (``auth/cache.py``, every process), the consoles,
the gateway's socket and the services' websockets check their caller again.
"""

from __future__ import annotations

from typing import TypedDict

from dispatch.core.events import Topic


class SessionRevoked(TypedDict):
    """One sign-in session (``session``: its id) of ``username`` was revoked."""

    username: str | None
    session: str


class KeyRevoked(TypedDict):
    """One API key (``key``: its id) of ``username`` was revoked."""

    username: str
    key: str


class AccountActive(TypedDict):
    """``username`` was enabled or disabled (``active``)."""

    username: str
    active: bool


CHANGED = Topic[SessionRevoked | KeyRevoked | AccountActive]("auth.changed")
