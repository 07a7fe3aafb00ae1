"""Who is acting, passed to every service function that changes something (for the audit)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

# The audit keeps at most this much of an address (its column); an IPv6 address is at most 45.
ADDRESS_MAX = 64


@dataclass(frozen=True)
class Actor:
    """The authenticated user (or the system itself) behind a change, and where it came from."""

    username: str
    role: str
    ip: str | None = None
    request_id: str | None = None
    service_code: str | None = None


SYSTEM = Actor(username="system", role="system")


def client_address(host: str | None) -> str | None:
    """Where a request came from, as the audit keeps it: the connecting peer's address, or the
    client a trusted proxy forwarded for (``DISPATCH_FORWARDED_ALLOW_IPS``; never a header from
    anyone else), written the canonical way and never longer than the audit's column."""
    if not host:
        return None
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        # Not an address (a unix socket's path, a test client's name): kept, bounded, printable.
        return "".join(c for c in host if c.isprintable())[:ADDRESS_MAX] or None
