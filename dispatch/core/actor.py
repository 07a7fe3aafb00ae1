"""Who is acting, passed to every service function that changes something (for the audit)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The authenticated user (or the system itself) behind a change, and where it came from."""

    username: str
    role: str
    ip: str | None = None
    request_id: str | None = None
    service_code: str | None = None


SYSTEM = Actor(username="system", role="system")
