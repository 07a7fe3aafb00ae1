"""The call forecast on a generated history with a known pattern, its held-back error, holidays
and surges left out, and Erlang C per interval against the published rows."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dispatch.analytics import forecast, holidays
from dispatch.analytics.forecast import SLOTS, Target
from dispatch.queues import erlang as staffing

TZ = ZoneInfo("Asia/Tashkent")
DAY = date(2026, 2, 17)  # a Tuesday with no holiday in the ten weeks before it
WEEKS = 8
HOLDOUT = 2
# Calls per half-hour: a weekday level times a time-of-day profile (night low, peaks at 10:00
# and 19:00), 2 to 25 calls a half-hour.
LEVEL = {0: 1.15, 1: 1.0, 2: 1.0, 3: 1.05, 4: 1.2, 5: 1.35, 6: 1.25}


def mean(day: date, slot: int) -> float:
    """The known Poisson mean of ``day``'s half-hour ``slot``."""
    hour = slot / 2
    shape = 2.0 + 10 * math.exp(-((hour - 10) ** 2) / 8) + 8 * math.exp(-((hour - 19) ** 2) / 6)
    return LEVEL[day.weekday()] * shape


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth; the means here are small)."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def history(seed: int = 28) -> dict[date, list[float]]:
    """Ten weeks of calls per half-hour drawn from the known means."""
    rng = random.Random(seed)
    first = DAY - timedelta(weeks=WEEKS + HOLDOUT)
    return {
        first + timedelta(days=d): [
            float(poisson(rng, mean(first + timedelta(days=d), s))) for s in range(SLOTS)
        ]
        for d in range((DAY - first).days)
    }


def wape(predicted: list[float], actual: list[float]) -> float:
    return math.fsum(abs(p - a) for p, a in zip(predicted, actual, strict=True)) / math.fsum(actual)


def test_the_forecast_finds_the_known_pattern_within_its_bound() -> None:
    counts = history()
    predicted, used = forecast.forecast_day(DAY, counts, WEEKS, left_out=())
    truth = [mean(DAY, s) for s in range(SLOTS)]

    assert used == forecast.history_days(DAY, WEEKS)
    assert all(d.weekday() == DAY.weekday() for d in used)
    # Eight Tuesdays of Poisson noise: the mean of 8 draws misses a mean of λ by about
    # sqrt(λ/8); weighted over the day about 11 % of the calls (0.105 on this seed, 0.10-0.13
    # over seeds 0-9). Bound: 15 %.
    assert wape(predicted, truth) < 0.15
    assert math.fsum(predicted) == pytest.approx(math.fsum(truth), rel=0.05)
    # The peaks are where the pattern has them.
    assert max(range(SLOTS), key=lambda s: predicted[s]) in range(18, 23)


def test_the_error_on_the_held_back_weeks_is_what_poisson_noise_allows() -> None:
    counts = history()

    tested = forecast.backtest(DAY, counts, WEEKS, HOLDOUT, left_out=())

    assert len(tested.days) == 7 * HOLDOUT
    assert tested.intervals == 7 * HOLDOUT * SLOTS
    assert tested.wape is not None
    assert tested.daily_mape is not None
    # The floor: forecasting the same days with the true means (no estimation error at all).
    oracle_error = math.fsum(
        abs(mean(d, s) - counts[d][s]) for d in tested.days for s in range(SLOTS)
    )
    oracle = oracle_error / math.fsum(math.fsum(counts[d]) for d in tested.days)
    # Measured on this seed: WAPE 0.313 against the oracle's 0.296 (1.06 times), the daily
    # totals off by 5.0 % on average; over seeds 0-9 the ratio was 1.04-1.08.
    assert oracle <= tested.wape <= oracle * 1.15
    assert tested.wape < 0.35
    assert tested.daily_mape < 0.08


def test_holidays_and_surge_days_are_left_out() -> None:
    counts = history()
    surge = DAY - timedelta(weeks=3)
    counts[surge] = [c * 6 for c in counts[surge]]  # an earthquake's day

    with_surge, _ = forecast.forecast_day(DAY, counts, WEEKS, left_out=())
    without, used = forecast.forecast_day(DAY, counts, WEEKS, left_out={surge})

    assert surge not in used
    assert len(used) == WEEKS - 1
    truth = [mean(DAY, s) for s in range(SLOTS)]
    assert wape(without, truth) < 0.15
    assert wape(with_surge, truth) > 0.4


def test_days_without_calls_are_no_history() -> None:
    counts = history()
    counts[DAY - timedelta(weeks=1)] = [0.0] * SLOTS  # the system was not taking calls

    _, used = forecast.forecast_day(DAY, counts, WEEKS, left_out=())

    assert DAY - timedelta(weeks=1) not in used
    assert forecast.forecast_day(DAY, {}, WEEKS, left_out=()) == ([0.0] * SLOTS, [])


def test_uzbekistan_holidays_are_data() -> None:
    assert holidays.holiday(date(2026, 3, 21)) == "Navro'z"
    assert holidays.holiday(date(2027, 9, 1)) == "Mustaqillik kuni"
    assert holidays.holiday(date(2026, 3, 20)) == "Ramazon hayiti"
    assert holidays.holiday(date(2026, 3, 22)) is None


@pytest.mark.parametrize(
    ("calls_per_half_hour", "handle_s", "target", "expected"),
    [
        # The published rows of tests/analytics/test_staffing.py: 720 calls an hour of 240 s
        # need 55 agents for 80 % in 15 s; 200 an hour of 180 s reach 88.8 % in 20 s with 14.
        (360, 240, Target(15, 80), 55),
        (100, 180, Target(20, 88), 14),
        (0, 180, Target(20, 90), 0),
    ],
)
def test_erlang_c_per_interval_matches_the_published_rows(
    calls_per_half_hour: float, handle_s: float, target: Target, expected: int
) -> None:
    assert forecast.needed(calls_per_half_hour, handle_s, target) == expected
    if expected:
        one_less = staffing.evaluate(
            calls_per_hour=calls_per_half_hour * 2,
            handle_seconds=handle_s,
            target_seconds=target.seconds,
            agents=expected - 1,
        )
        assert one_less.service_level < target.percent / 100


def test_a_target_of_one_hundred_percent_is_asked_as_nearly_so() -> None:
    assert forecast.needed(100, 180, Target(20, 100)) > forecast.needed(100, 180, Target(20, 90))


def test_the_roster_counts_where_a_shift_covers_the_half_hours_middle() -> None:
    starts = forecast.slot_starts(DAY, TZ)
    day_shift = (datetime(2026, 2, 17, 8, 0, tzinfo=TZ), datetime(2026, 2, 17, 20, 0, tzinfo=TZ))
    late = (datetime(2026, 2, 17, 8, 20, tzinfo=TZ), datetime(2026, 2, 17, 9, 10, tzinfo=TZ))

    covered = forecast.covering([day_shift, late], starts)

    assert covered[15] == 0  # 07:30-08:00
    assert covered[16] == 1  # 08:00-08:30: middle 08:15, the second starts at 08:20
    assert covered[17] == 2  # 08:30-09:00
    assert covered[18] == 1  # 09:00-09:30: the short one left at 09:10
    assert covered[39] == 1
    assert covered[40] == 0  # 20:00
