"""Failed sign-ins slow the next attempt down, per account and per client address.

Only failures count: a whole shift signing in through one NAT address at 08:00 is never slowed,
and a success clears its account's count. Past the free failures in the window each further
attempt waits twice as long as the last (1 s, 2 s, 4 s ...) up to ``max_wait_s``: never a full
lockout, so someone guessing an operator's password cannot lock the operator out, and a
guesser gets about one try every half minute per account (with the defaults: 5 free, 300 s,
60 s at most). While an attempt must wait it is refused with 429 and
``Retry-After`` without the password being checked (no hashing for a flood).

Kept in the process's memory (bounded: the oldest keys go first); each server process counts
its own attempts.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottleRules:
    """How many failures are free in the window, and the longest wait."""

    account_free: int = 5
    address_free: int = 50
    window_s: float = 300.0
    max_wait_s: float = 60.0
    max_keys: int = 100_000


class _Failures:
    """Failure times per key, oldest key first (bounded)."""

    def __init__(self, free: int, rules: ThrottleRules) -> None:
        self.free = free
        self.rules = rules
        self.times: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self.times.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.rules.window_s:
            times.popleft()
        if not times:
            del self.times[key]
            return None
        return times

    def wait(self, key: str, now: float) -> float:
        times = self._recent(key, now)
        if times is None or len(times) < self.free:
            return 0.0
        backoff = min(self.rules.max_wait_s, 2.0 ** (len(times) - self.free))
        return max(0.0, times[-1] + backoff - now)

    def add(self, key: str, now: float) -> None:
        times = self._recent(key, now) or deque()
        times.append(now)
        self.times[key] = times
        self.times.move_to_end(key)
        while len(self.times) > self.rules.max_keys:
            self.times.popitem(last=False)

    def clear(self, key: str) -> None:
        self.times.pop(key, None)


class SignInThrottle:
    """The sign-in attempts admitted now, from the failures before them."""

    def __init__(
        self, rules: ThrottleRules | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rules = rules or ThrottleRules()
        self.clock = clock
        self.accounts = _Failures(self.rules.account_free, self.rules)
        self.addresses = _Failures(self.rules.address_free, self.rules)

    def wait(self, username: str, address: str | None) -> float:
        """Seconds until an attempt for ``username`` from ``address`` is admitted (0: now)."""
        now = self.clock()
        account = self.accounts.wait(username.casefold(), now)
        return max(account, self.addresses.wait(address, now) if address else 0.0)

    def failed(self, username: str, address: str | None) -> None:
        """Count a failed attempt against the account name and the address."""
        now = self.clock()
        self.accounts.add(username.casefold(), now)
        if address:
            self.addresses.add(address, now)

    def succeeded(self, username: str) -> None:
        """The account signed in: its failures are forgotten (its address's are not)."""
        self.accounts.clear(username.casefold())
