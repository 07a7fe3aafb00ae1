"""Erlang C staffing: published rows, the inverse search, large N, edge cases, validation."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest

from dispatch.queues.erlang import (
    StaffingError,
    StaffingResult,
    agents_for_service_level,
    erlang_b,
    erlang_c,
    evaluate,
)


def _erlang_b_exact(agents: int, traffic: Fraction) -> float:
    """Textbook closed form ``(A^N/N!) / sum_k A^k/k!`` in exact arithmetic (small N only)."""
    terms = [traffic**k / math.factorial(k) for k in range(agents + 1)]
    return float(terms[-1] / sum(terms))


def _erlang_b_log(agents: int, traffic: float) -> float:
    """Closed form in log space (log-sum-exp): an independent oracle for large N."""
    logs = [k * math.log(traffic) - math.lgamma(k + 1) for k in range(agents + 1)]
    top = max(logs)
    return math.exp(logs[-1] - top) / math.fsum(math.exp(x - top) for x in logs)


# --------------------------------------------------------------------------- published rows


def test_published_row_720_calls_240_s_55_agents() -> None:
    result = evaluate(calls_per_hour=720, handle_seconds=240, target_seconds=15, agents=55)

    assert result.agents == 55
    assert round(result.p_wait, 4) == 0.2387
    assert round(result.asa_seconds, 2) == 8.18
    assert round(result.service_level, 3) == 0.846
    assert result.occupancy == pytest.approx(48 / 55)


def test_published_row_200_calls_180_s_14_agents() -> None:
    result = evaluate(calls_per_hour=200, handle_seconds=180, target_seconds=20, agents=14)

    assert result.agents == 14
    assert round(result.p_wait, 3) == 0.174
    assert round(result.asa_seconds, 2) == 7.84
    assert round(result.service_level, 3) == 0.888
    assert result.occupancy == pytest.approx(10 / 14)


def test_as_dict_is_json_ready() -> None:
    result = evaluate(calls_per_hour=720, handle_seconds=240, target_seconds=15, agents=55)

    data = result.as_dict()

    assert set(data) == {"agents", "p_wait", "asa_seconds", "service_level", "occupancy"}
    assert data["agents"] == 55
    assert data["p_wait"] == result.p_wait
    assert data["asa_seconds"] == result.asa_seconds
    assert json.loads(json.dumps(data, allow_nan=False)) == data


def test_result_is_frozen() -> None:
    result = StaffingResult(agents=1, p_wait=0.0, asa_seconds=0.0, service_level=1.0, occupancy=0.0)
    with pytest.raises(AttributeError):
        result.agents = 2  # type: ignore[misc]


# --------------------------------------------------------------------------- Erlang B / C


@pytest.mark.parametrize(
    ("agents", "traffic"),
    [(1, Fraction(1, 2)), (5, Fraction(3)), (14, Fraction(10)), (55, Fraction(48))],
)
def test_erlang_b_matches_exact_closed_form(agents: int, traffic: Fraction) -> None:
    assert erlang_b(agents, float(traffic)) == pytest.approx(
        _erlang_b_exact(agents, traffic), rel=1e-12
    )


def test_erlang_b_base_cases() -> None:
    assert erlang_b(0, 7.5) == 1.0
    assert erlang_b(0, 0.0) == 1.0
    assert erlang_b(3, 0.0) == 0.0
    assert erlang_b(1, 1.0) == pytest.approx(0.5)


def test_erlang_c_from_b_formula() -> None:
    b = erlang_b(14, 10.0)
    assert erlang_c(14, 10.0) == pytest.approx(14 * b / (14 - 10.0 * (1 - b)))


def test_erlang_c_unstable_queue_is_certain_wait() -> None:
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c(9, 10.0) == 1.0
    assert erlang_c(0, 0.5) == 1.0


def test_erlang_c_zero_traffic_never_waits() -> None:
    assert erlang_c(0, 0.0) == 0.0
    assert erlang_c(4, 0.0) == 0.0


# --------------------------------------------------------------------------- inverse search


def test_agents_for_service_level_finds_minimum() -> None:
    args = {"calls_per_hour": 720.0, "handle_seconds": 240.0, "target_seconds": 15.0}

    result = agents_for_service_level(
        calls_per_hour=720.0, handle_seconds=240.0, target_seconds=15.0, service_level=0.8
    )

    assert result.agents == 55
    assert result.service_level >= 0.8
    below = evaluate(**args, agents=result.agents - 1)
    assert below.service_level < 0.8
    assert result == evaluate(**args, agents=result.agents)


@pytest.mark.parametrize("wanted", [0.5, 0.8, 0.9, 0.95, 0.99])
@pytest.mark.parametrize(
    ("calls", "handle", "target"), [(200.0, 180.0, 20.0), (37.0, 95.0, 10.0), (1.0, 60.0, 0.0)]
)
def test_agents_for_service_level_is_minimal(
    calls: float, handle: float, target: float, wanted: float
) -> None:
    result = agents_for_service_level(
        calls_per_hour=calls, handle_seconds=handle, target_seconds=target, service_level=wanted
    )
    again = evaluate(
        calls_per_hour=calls, handle_seconds=handle, target_seconds=target, agents=result.agents
    )
    below = evaluate(
        calls_per_hour=calls,
        handle_seconds=handle,
        target_seconds=target,
        agents=result.agents - 1,
    )

    assert result == again
    assert result.service_level >= wanted
    assert below.service_level < wanted


def test_agents_for_service_level_starts_above_traffic() -> None:
    # 48 Erlangs exactly: 48 agents is unstable, so the search can never answer 48.
    result = agents_for_service_level(
        calls_per_hour=720, handle_seconds=240, target_seconds=0, service_level=0.01
    )
    assert result.agents == 49


def test_agents_for_service_level_zero_traffic_needs_nobody() -> None:
    result = agents_for_service_level(
        calls_per_hour=0, handle_seconds=240, target_seconds=15, service_level=0.99
    )
    assert result == StaffingResult(
        agents=0, p_wait=0.0, asa_seconds=0.0, service_level=1.0, occupancy=0.0
    )


def test_agents_for_service_level_unreachable_within_max_agents() -> None:
    with pytest.raises(StaffingError, match="max_agents=54"):
        agents_for_service_level(
            calls_per_hour=720,
            handle_seconds=240,
            target_seconds=15,
            service_level=0.8,
            max_agents=54,
        )
    # Below the stable minimum the search has nothing to try at all.
    with pytest.raises(StaffingError, match="not reachable"):
        agents_for_service_level(
            calls_per_hour=720,
            handle_seconds=240,
            target_seconds=15,
            service_level=0.8,
            max_agents=40,
        )
    # Exactly enough is enough.
    result = agents_for_service_level(
        calls_per_hour=720,
        handle_seconds=240,
        target_seconds=15,
        service_level=0.8,
        max_agents=55,
    )
    assert result.agents == 55


# --------------------------------------------------------------------------- large N


def test_large_traffic_stays_finite() -> None:
    calls, handle = 50_000.0, 300.0  # 4,166.7 Erlangs
    traffic = calls * handle / 3600

    result = evaluate(calls_per_hour=calls, handle_seconds=handle, target_seconds=20, agents=4200)

    assert result.agents == 4200
    for value in (result.p_wait, result.asa_seconds, result.service_level, result.occupancy):
        assert math.isfinite(value)
    assert 0.0 < result.p_wait < 1.0
    assert 0.0 < result.service_level < 1.0
    assert result.occupancy == pytest.approx(traffic / 4200)
    assert erlang_b(4200, traffic) == pytest.approx(_erlang_b_log(4200, traffic), rel=1e-9)


def test_large_traffic_search() -> None:
    result = agents_for_service_level(
        calls_per_hour=50_000, handle_seconds=300, target_seconds=20, service_level=0.9
    )

    assert 4167 <= result.agents <= 4300
    assert result.service_level >= 0.9
    below = evaluate(
        calls_per_hour=50_000, handle_seconds=300, target_seconds=20, agents=result.agents - 1
    )
    assert below.service_level < 0.9


def test_very_large_agents_do_not_overflow() -> None:
    assert erlang_b(100_000, 50_000.0) == 0.0  # underflows to zero, never raises
    assert 0.0 < erlang_c(100_000, 99_990.0) < 1.0


# --------------------------------------------------------------------------- monotonicity


@pytest.mark.parametrize(
    ("calls", "handle"), [(200.0, 180.0), (720.0, 240.0), (3.0, 600.0), (5_000.0, 420.0)]
)
def test_more_agents_never_hurt(calls: float, handle: float) -> None:
    traffic = calls * handle / 3600
    first = math.floor(traffic) + 1
    previous = evaluate(calls_per_hour=calls, handle_seconds=handle, target_seconds=20, agents=0)
    for agents in range(first, first + 60):
        current = evaluate(
            calls_per_hour=calls, handle_seconds=handle, target_seconds=20, agents=agents
        )
        # Strictly better until the float saturates (p_wait underflows, SL rounds to 1.0).
        assert current.p_wait < previous.p_wait or current.p_wait == 0.0
        assert current.asa_seconds < previous.asa_seconds or current.asa_seconds == 0.0
        assert current.service_level > previous.service_level or current.service_level == 1.0
        assert current.occupancy < previous.occupancy
        assert 0.0 <= current.p_wait <= 1.0
        assert 0.0 <= current.service_level <= 1.0
        previous = current


def test_longer_target_raises_service_level() -> None:
    levels = [
        evaluate(calls_per_hour=200, handle_seconds=180, target_seconds=t, agents=14).service_level
        for t in (0, 5, 20, 60, 300)
    ]
    assert levels == sorted(levels)
    assert levels[0] == pytest.approx(1 - erlang_c(14, 10.0))


# --------------------------------------------------------------------------- N <= A, zero


@pytest.mark.parametrize("agents", [47, 48])
def test_unstable_queue(agents: int) -> None:
    result = evaluate(calls_per_hour=720, handle_seconds=240, target_seconds=15, agents=agents)

    assert result.p_wait == 1.0
    assert result.asa_seconds == math.inf
    assert result.service_level == 0.0
    assert result.occupancy == 1.0
    assert result.as_dict()["asa_seconds"] is None
    json.dumps(result.as_dict(), allow_nan=False)


def test_no_agents_with_traffic() -> None:
    result = evaluate(calls_per_hour=10, handle_seconds=60, target_seconds=15, agents=0)

    assert result == StaffingResult(
        agents=0, p_wait=1.0, asa_seconds=math.inf, service_level=0.0, occupancy=1.0
    )


@pytest.mark.parametrize("agents", [0, 1, 10])
def test_zero_traffic(agents: int) -> None:
    result = evaluate(calls_per_hour=0, handle_seconds=240, target_seconds=15, agents=agents)

    assert result == StaffingResult(
        agents=agents, p_wait=0.0, asa_seconds=0.0, service_level=1.0, occupancy=0.0
    )


# --------------------------------------------------------------------------- validation

_GOOD: dict[str, object] = {
    "calls_per_hour": 720.0,
    "handle_seconds": 240.0,
    "target_seconds": 15.0,
}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("calls_per_hour", -1.0, "calls_per_hour must be >= 0"),
        ("calls_per_hour", math.nan, "calls_per_hour must be a finite number"),
        ("calls_per_hour", math.inf, "calls_per_hour must be a finite number"),
        ("calls_per_hour", "720", "calls_per_hour must be a number"),
        ("calls_per_hour", True, "calls_per_hour must be a number"),
        ("handle_seconds", 0.0, "handle_seconds must be > 0"),
        ("handle_seconds", -5.0, "handle_seconds must be > 0"),
        ("handle_seconds", math.nan, "handle_seconds must be a finite number"),
        ("handle_seconds", -math.inf, "handle_seconds must be a finite number"),
        ("target_seconds", -0.5, "target_seconds must be >= 0"),
        ("target_seconds", math.inf, "target_seconds must be a finite number"),
        ("target_seconds", None, "target_seconds must be a number"),
    ],
)
def test_rejects_bad_load(field: str, value: object, message: str) -> None:
    args = {**_GOOD, field: value}
    with pytest.raises(StaffingError, match=message):
        evaluate(**args, agents=55)  # type: ignore[arg-type]
    with pytest.raises(StaffingError, match=message):
        agents_for_service_level(**args, service_level=0.8)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "agents must be >= 0"),
        (55.0, "agents must be a whole number"),
        (True, "agents must be a whole number"),
        ("55", "agents must be a whole number"),
    ],
)
def test_rejects_bad_agents(value: object, message: str) -> None:
    with pytest.raises(StaffingError, match=message):
        evaluate(**_GOOD, agents=value)  # type: ignore[arg-type]
    with pytest.raises(StaffingError, match=message):
        erlang_b(value, 1.0)  # type: ignore[arg-type]
    with pytest.raises(StaffingError, match=message):
        erlang_c(value, 1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.0, "service_level must be > 0 and < 1"),
        (0.0, "service_level must be > 0 and < 1"),
        (-0.2, "service_level must be > 0 and < 1"),
        (80.0, "service_level must be > 0 and < 1"),
        (math.nan, "service_level must be a finite number"),
        (math.inf, "service_level must be a finite number"),
    ],
)
def test_rejects_bad_service_level(value: float, message: str) -> None:
    with pytest.raises(StaffingError, match=message):
        agents_for_service_level(**_GOOD, service_level=value)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "message"), [(-1, ">= 0"), (10.5, "whole number")])
def test_rejects_bad_max_agents(value: object, message: str) -> None:
    with pytest.raises(StaffingError, match=f"max_agents must be .*{message}"):
        agents_for_service_level(
            **_GOOD,  # type: ignore[arg-type]
            service_level=0.8,
            max_agents=value,  # type: ignore[arg-type]
        )


@pytest.mark.parametrize(
    ("traffic", "message"),
    [
        (-0.1, "traffic_erlangs must be >= 0"),
        (math.nan, "traffic_erlangs must be a finite number"),
        (math.inf, "traffic_erlangs must be a finite number"),
    ],
)
def test_rejects_bad_traffic(traffic: float, message: str) -> None:
    with pytest.raises(StaffingError, match=message):
        erlang_b(5, traffic)
    with pytest.raises(StaffingError, match=message):
        erlang_c(5, traffic)


def test_rejects_overflowing_load() -> None:
    with pytest.raises(StaffingError, match="too large"):
        evaluate(calls_per_hour=1e300, handle_seconds=1e300, target_seconds=15, agents=5)


def test_staffing_error_is_value_error() -> None:
    with pytest.raises(ValueError, match="handle_seconds must be > 0"):
        evaluate(calls_per_hour=1, handle_seconds=0, target_seconds=1, agents=1)
