"""Who a bearer token or an API key speaks for, remembered for a moment.

Every request names its caller; reading the account (and checking the token's signature)
for each one was a statement and a signature check per request. The answer is kept here for
``TTL_S``: a disabled account or a revoked key is refused on every process within that time
at the latest, and at once on the process that changed it (``forget_all``), and on the others
as soon as the bus brings them ``auth.changed`` (with Redis). A token's own expiry is checked
on every use, cached or not.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from dispatch.auth import events
from dispatch.core.bus import Bus

TTL_S = 1.0
MAX_ENTRIES = 50_000


class AccountLike(Protocol):
    """An account row's public fields (``auth.models.User``)."""

    id: uuid.UUID
    username: str
    full_name: str
    role: str
    service_code: str | None
    language: str
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class Account:
    """An account as a request sees it: a snapshot, not a database row."""

    id: uuid.UUID
    username: str
    full_name: str
    role: str
    service_code: str | None
    language: str
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, row: AccountLike) -> Account:
        """A snapshot of an account row."""
        return cls(
            id=row.id,
            username=row.username,
            full_name=row.full_name,
            role=row.role,
            service_code=row.service_code,
            language=row.language,
            active=row.active,
            created_at=row.created_at,
        )


@dataclass(frozen=True)
class _Entry:
    account: Account
    fresh_until: float  # monotonic
    token_expires: float | None  # wall-clock seconds (a token's ``exp``), None for API keys


class CredentialCache:
    """Credentials (a token, an API key's hash) → the account they speak for, briefly."""

    def __init__(self, ttl_s: float = TTL_S) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[str, _Entry] = {}
        self.hits = 0
        self.misses = 0

    def get(self, credentials: str) -> Account | None:
        """The account, if known and still fresh (and the token not expired)."""
        entry = self._entries.get(credentials)
        if entry is None or entry.fresh_until < time.monotonic():
            self.misses += 1
            return None
        if entry.token_expires is not None and entry.token_expires <= time.time():
            self._entries.pop(credentials, None)
            self.misses += 1
            return None
        self.hits += 1
        return entry.account

    def put(self, credentials: str, account: Account, *, token_expires: float | None) -> None:
        """Remember an active account for ``ttl_s``."""
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()  # a flood of distinct credentials: start over
        self._entries[credentials] = _Entry(account, time.monotonic() + self.ttl_s, token_expires)

    def forget_all(self) -> None:
        """An account or key changed: read everything again."""
        self._entries.clear()


async def forget_on_changes(bus: Bus, cache: CredentialCache) -> None:
    """Forget every remembered account whenever one changes, in this process or (Redis)
    another; runs until cancelled."""
    subscription = bus.subscribe(events.CHANGED, remote=True)
    try:
        async for _ in subscription:
            cache.forget_all()
    finally:
        await subscription.close()
