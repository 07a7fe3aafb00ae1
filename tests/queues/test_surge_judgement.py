"""The surge policy's judgement (issue 22): the mode first, then the policy switch, the
staffing model and the threshold; the arrival rate it judges by, over the half hour and the
last minutes."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dispatch.core.settings import Settings
from dispatch.queues import shortfall, surge
from dispatch.queues.surge import SurgeMode, Why


def staffing(**figures: Any) -> dict[str, Any]:
    base = {"available": True, "needed": 12, "staffed": 9, "shortfall": 3, "basis": "erlang_c",
            "calls_per_hour": 240.0, "waiting_past_target": 0}  # fmt: skip
    return {**base, **figures}


@pytest.mark.parametrize(
    ("mode", "figures", "changes", "expected"),
    [
        (SurgeMode.AUTO, staffing(), {}, (True, Why.SHORT_ERLANG)),
        (SurgeMode.AUTO, staffing(basis="waiting"), {}, (True, Why.SHORT_WAITING)),
        (SurgeMode.AUTO, staffing(shortfall=0), {}, (False, Why.STAFFED)),
        (SurgeMode.AUTO, staffing(shortfall=3), {"surge_shortfall": 4}, (False, Why.STAFFED)),
        (SurgeMode.AUTO, staffing(shortfall=4), {"surge_shortfall": 4}, (True, Why.SHORT_ERLANG)),
        (SurgeMode.AUTO, staffing(), {"surge_policy": False}, (False, Why.POLICY_OFF)),
        (SurgeMode.AUTO, {"available": False}, {}, (False, Why.NO_MODEL)),
        (SurgeMode.ON, None, {"surge_policy": False}, (True, Why.SWITCHED_ON)),
        (SurgeMode.OFF, staffing(shortfall=50), {}, (False, Why.SWITCHED_OFF)),
    ],
)
def test_the_judgement_follows_the_mode_the_policy_and_the_threshold(
    mode: SurgeMode,
    figures: dict[str, Any] | None,
    changes: dict[str, Any],
    expected: tuple[bool, Why],
) -> None:
    settings = Settings(**changes)
    judgement = surge.judge(mode, figures, settings)
    assert (judgement.active, judgement.why) == expected


START = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def steady(minutes: float, every_s: float = 15.0) -> list[datetime]:
    """Arrivals every ``every_s`` (240 calls/h) over the ``minutes`` before ``START`` (none on
    a window's edge)."""
    count = int(minutes * 60 / every_s)
    return [START - timedelta(seconds=every_s * (n + 0.5)) for n in range(count)]


def test_a_calm_half_hour_reads_at_its_rate_in_every_window() -> None:
    arrived = steady(30)
    assert shortfall.arrival_rate(arrived, now=START, surge=False) == 240.0
    # Four calls a minute never show beyond doubt more than the half hour's 240 an hour.
    assert shortfall.arrival_rate(arrived, now=START, surge=True) == 240.0
    # Chance bunching: twice the minute's mean (8) is no surge (read as 480/h without the bound).
    bunched = sorted([*arrived, *(START - timedelta(seconds=7 * n + 1) for n in range(4))])
    assert shortfall.arrival_rate(bunched, now=START, surge=True) == pytest.approx(264.0)


def test_a_surge_s_first_minute_reads_at_what_it_shows_beyond_doubt() -> None:
    burst = [START - timedelta(seconds=3.5 * n + 1) for n in range(16)]  # 16 in the last minute
    arrived = sorted([*steady(30)[4:], *burst])  # 4 of the calm minute's arrivals made way
    calm = shortfall.arrival_rate(arrived, now=START, surge=False)
    assert calm == 264.0  # the half hour's mean hides it
    # The ten minutes' mean reads 336/h. The last minute's 16 are a rise beyond doubt over the
    # four a minute before (99.99%), and show then at least 602/h (95%; 490/h at 99%).
    assert shortfall.arrival_rate(arrived, now=START, surge=True) == pytest.approx(602.1, abs=0.1)
    # Without its rise (the same 16 after a half hour at that pace) only the stricter bound.
    assert shortfall.surely_at_least(16) * 60 == pytest.approx(490.1, abs=0.1)


def test_a_high_rate_that_is_no_rise_reads_at_the_stricter_bound() -> None:
    arrived = steady(30, every_s=60 / 14)  # 840 calls/h for the whole half hour
    minute = [at for at in arrived if at >= START - timedelta(minutes=1)]
    assert len(minute) == 14  # 14 in the last minute: no rise here
    assert shortfall.surely_at_least(14) * 60 < 420  # so the minute alone reads under 420/h
    assert shortfall.arrival_rate(arrived, now=START, surge=True) == 840.0  # the half hour's


def _poisson_tail(mean: float, count: int) -> float:
    """P(X >= count) for X Poisson with ``mean``."""
    term, below = math.exp(-mean), 0.0
    for k in range(count):
        below += term
        term *= mean / (k + 1)
    return 1 - below


@pytest.mark.parametrize("sure", [shortfall.RISEN_SURE, shortfall.SURE, 0.999, shortfall.RISE_SURE])
@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 14, 30, 100, 400])
def test_the_bound_is_never_above_the_exact_bound(count: int, sure: float) -> None:
    low, high = 0.0, float(count)
    for _ in range(60):  # the exact bound: the mean whose P(X >= count) is 1 - sure
        middle = (low + high) / 2
        low, high = (middle, high) if _poisson_tail(middle, count) < 1 - sure else (low, middle)
    bound = shortfall.surely_at_least(count, sure)
    assert bound <= high * 1.00001
    if count >= 5 and sure <= shortfall.SURE:
        assert bound >= 0.98 * low
    assert shortfall.surely_at_least(0, sure) == 0.0
