"""The services and the unit routing picks, remembered per process: routing a card read the
services and, per service, the covering unit on every route (a third of a route's work).

Kept per database for ``FRESH_S`` at most; a change made through this process (a service or
unit created or changed, coverage set) forgets everything once it commits, so this process
routes by it at once and others within ``FRESH_S``. A unit choice is also keyed by the
boundaries in force (their digest), so a boundary reload is seen as ``geo`` sees it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.core.database import after_commit

FRESH_S = 5.0


@dataclass(frozen=True)
class ServiceRef:
    """What routing needs of a service."""

    code: str
    names: Mapping[str, str]
    active: bool


@dataclass(frozen=True)
class UnitRef:
    """The unit routing chose: its code and name."""

    code: str
    name: str


UnitKey = tuple[str | None, str, str | None, str | None]  # digest, service, district, region


@dataclass
class Known:
    """One database's remembered services and unit choices."""

    since: float
    services: dict[str, ServiceRef] | None = None
    units: dict[UnitKey, UnitRef | None] = field(default_factory=dict)


_known: dict[str, Known] = {}


_CHANGED = "dispatch.agencies.changed"


def known(session: AsyncSession) -> Known:
    """What is remembered for the session's database (fresh, or started again); a
    transaction that changed services or units itself gets its own, never shared (what it
    reads includes its uncommitted changes)."""
    if session.info.get(_CHANGED):
        own: Known = session.info.setdefault(_CHANGED + ".own", Known(since=time.monotonic()))
        return own
    database = str(session.get_bind().engine.url)
    entry = _known.get(database)
    now = time.monotonic()
    if entry is None or now - entry.since >= FRESH_S:
        entry = _known[database] = Known(since=now)
    return entry


def forget_after_commit(session: AsyncSession) -> None:
    """A change to services or units: forget everything once it is stored."""
    session.info[_CHANGED] = True
    session.info.pop(_CHANGED + ".own", None)  # what it read before this change is stale too
    after_commit(session, _known.clear)
