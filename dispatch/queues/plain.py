"""Plain statements straight to the session's connection (the ACD's hot paths).

The ACD's hot paths (the offering tick, the queue log and its statistics, the lookups of every
call event) run statements built once, with bound values, on the session's connection rather
than through the session (``dispatch.core.database.plain_connection``).
"""

from __future__ import annotations

from dispatch.core.database import plain_connection as connection

__all__ = ["connection"]
