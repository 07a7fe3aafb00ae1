"""Bus topics agencies publishes (after commit, through ``core.bus.emit``)."""

from __future__ import annotations

from typing import TypedDict

from dispatch.core.events import Prefix, Topic


class ServiceCreated(TypedDict):
    """A service was added; the webhook deliverer reads the services again."""

    code: str


class ServiceUpdated(TypedDict):
    """A service's names, webhook or active flag changed (``changed``: which, sorted); the
    webhook deliverer reads the services again."""

    code: str
    changed: list[str]


CREATED = Topic[ServiceCreated]("service.created")
UPDATED = Topic[ServiceUpdated]("service.updated")
# Every change to a service (feeds/delivery.py listens to all of them).
SERVICE = Prefix("service.")
