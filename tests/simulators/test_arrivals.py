"""Callers' arrivals: the day's rate profile, surges, reproducibility, CSV replay."""

from __future__ import annotations

import statistics
from pathlib import Path

from simulators.arrivals import Mix, Surge, arrivals, rate_at, replay

CALLS = Path(__file__).resolve().parents[3] / "shared" / "data" / "calls"


def test_rate_follows_the_day_profile() -> None:
    mix = Mix(calls_per_hour=100)
    assert rate_at(mix, 8) == 100.0
    assert rate_at(mix, 3) < 0.25 * rate_at(mix, 9)  # quiet night
    assert rate_at(mix, 18) == 100.0  # evening peak
    assert rate_at(mix, 8.5) == (rate_at(mix, 8) + rate_at(mix, 9)) / 2
    assert rate_at(mix, 27) == rate_at(mix, 3)


def test_a_seed_reproduces_the_day_and_another_seed_does_not() -> None:
    mix = Mix(calls_per_hour=200)
    first = arrivals(mix, start_hour=0, hours=6, seed=7)
    assert first == arrivals(mix, start_hour=0, hours=6, seed=7)
    assert first != arrivals(mix, start_hour=0, hours=6, seed=8)
    assert [s.at_s for s in first] == sorted(s.at_s for s in first)


def test_counts_per_hour_match_the_profile() -> None:
    mix = Mix(calls_per_hour=400)
    day = arrivals(mix, start_hour=0, hours=24, seed=1)
    per_hour = [0] * 24
    for scenario in day:
        per_hour[int(scenario.at_s // 3600)] += 1
    expected_total = sum(rate_at(mix, h + 0.5) for h in range(24))
    assert abs(len(day) - expected_total) < 4 * expected_total**0.5
    night = statistics.fmean(per_hour[1:5])
    peaks = statistics.fmean([per_hour[8], per_hour[18], per_hour[19]])
    assert peaks > 3 * night


def test_a_surge_adds_calls_about_one_incident_within_its_minutes() -> None:
    mix = Mix(calls_per_hour=10)
    day = arrivals(mix, start_hour=3, hours=1, seed=3, surges=[Surge(600, 40, 5, "fire.building")])
    surge = [s for s in day if s.surge == 0]
    assert len(surge) == 40
    assert all(s.incident == "fire.building" and 600 <= s.at_s <= 900 for s in surge)


def test_mix_languages_and_patience_are_configurable() -> None:
    mix = Mix(calls_per_hour=300, languages={"ru": 1.0}, incidents={"gas.smell_indoors": 1.0})
    day = arrivals(mix, start_hour=9, hours=2, seed=5)
    assert {s.language for s in day} == {"ru"}
    assert {s.incident for s in day} == {"gas.smell_indoors"}
    assert 60 < statistics.fmean(s.patience_s for s in day) < 120
    assert 100 < statistics.fmean(s.handle_s for s in day) < 140
    assert day[0].text == "В квартире пахнет газом."


def test_replay_takes_arrival_times_and_incidents_from_a_real_log() -> None:
    day = replay(CALLS / "montgomery_pa_911_sample.csv", Mix(), hours=24, seed=1)
    assert day
    assert day[0].at_s == 0.0
    assert all(0 <= s.at_s < 24 * 3600 for s in day)
    assert [s.at_s for s in day] == sorted(s.at_s for s in day)
    assert {"medical.illness", "fire.residential", "road.accident_injuries"} >= {
        s.incident for s in day
    }
