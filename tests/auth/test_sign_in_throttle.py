"""Failed sign-ins slow further attempts (429 with Retry-After), per account and per client
address; successes never count, so a shift signing in through one NAT address is not slowed,
and no account is ever locked out for longer than the longest wait."""

from __future__ import annotations

import threading

import pytest

from dispatch.auth import service
from dispatch.auth.throttle import SignInThrottle, ThrottleRules
from tests.fixtures.api import Api

pytestmark = pytest.mark.asyncio

TOKEN = "/api/v1/auth/token"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _throttle(api: Api, **rules: float) -> Clock:
    clock = Clock()
    api.app.state.sign_in_throttle = SignInThrottle(ThrottleRules(**rules), clock=clock)  # type: ignore[arg-type]
    return clock


async def _sign_in(api: Api, username: str, password: str) -> int:
    response = await api.post(TOKEN, data={"username": username, "password": password})
    return response.status_code


async def test_an_account_is_slowed_after_its_free_failures_never_locked(api: Api) -> None:
    clock = _throttle(api, account_free=3, max_wait_s=8)
    for _ in range(3):
        assert await _sign_in(api, "operator1", "wrong") == 401
    refused = await api.post(TOKEN, data={"username": "operator1", "password": "operator1"})
    assert refused.status_code == 429  # even the right password waits: it is not checked
    assert refused.json()["code"] == "too_many_requests"
    assert refused.headers["retry-after"] == "1"
    assert "try again in 1 s" in refused.json()["detail"]
    # Another account from the same client is not slowed.
    assert await _sign_in(api, "operator2", "operator2") == 200
    clock.now += 1
    assert await _sign_in(api, "operator1", "wrong") == 401
    second = await api.post(TOKEN, data={"username": "operator1", "password": "operator1"})
    assert second.headers["retry-after"] == "2"  # each further failure doubles the wait
    for _ in range(10):  # a guesser waiting out each delay: the delay stops growing at the cap
        waiting = await api.post(TOKEN, data={"username": "operator1", "password": "wrong"})
        if waiting.status_code == 429:
            clock.now += int(waiting.headers["retry-after"])
        assert await _sign_in(api, "operator1", "wrong") == 401
    capped = await api.post(TOKEN, data={"username": "operator1", "password": "operator1"})
    assert capped.headers["retry-after"] == "8"
    clock.now += 8  # never a lockout: after the wait the owner signs in
    assert await _sign_in(api, "operator1", "operator1") == 200
    assert await _sign_in(api, "operator1", "wrong") == 401  # and the count started again


async def test_a_shift_signing_in_through_one_address_is_never_slowed(api: Api) -> None:
    _throttle(api, account_free=5, address_free=20)
    for n in range(100):
        assert await _sign_in(api, "operator1", "operator1") == 200, n
        if n % 10 == 0:  # some typos among them, fewer than the address's free failures
            assert await _sign_in(api, f"operator{n % 3 + 1}", "typo") == 401


async def test_one_address_guessing_many_accounts_is_slowed(api: Api) -> None:
    clock = _throttle(api, account_free=100, address_free=5)
    for n in range(5):
        assert await _sign_in(api, f"guess{n}", "x") == 401
    assert await _sign_in(api, "operator1", "operator1") == 429
    clock.now += 1
    assert await _sign_in(api, "operator1", "operator1") == 200


async def test_the_window_forgets_old_failures(api: Api) -> None:
    clock = _throttle(api, account_free=2, window_s=300)
    for _ in range(2):
        assert await _sign_in(api, "operator1", "wrong") == 401
    assert await _sign_in(api, "operator1", "operator1") == 429
    clock.now += 301
    assert await _sign_in(api, "operator1", "wrong") == 401
    assert await _sign_in(api, "operator1", "operator1") == 200


async def test_the_password_is_hashed_off_the_event_loop(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[threading.Thread] = []
    real = service.verify_password

    def spying(password: str, stored: str) -> bool:
        threads.append(threading.current_thread())
        return real(password, stored)

    monkeypatch.setattr(service, "verify_password", spying)
    assert await _sign_in(api, "operator1", "operator1") == 200
    assert await _sign_in(api, "nobody", "x") == 401
    assert len(threads) == 2
    assert threading.main_thread() not in threads


async def test_memory_is_bounded() -> None:
    throttle = SignInThrottle(ThrottleRules(max_keys=50))
    for n in range(1000):
        throttle.failed(f"name{n}", f"10.0.{n // 250}.{n % 250}")
    assert len(throttle.accounts.times) == 50
    assert len(throttle.addresses.times) == 50
