"""Erlang C staffing for the call-handling floor.

Given an offered load (calls per hour and average handle time) and a number of call-takers,
Erlang C gives the probability that a caller has to wait, the average speed of answer (ASA),
the service level (share of calls answered within a target time) and the occupancy. The
inverse question — the fewest call-takers that reach a service level — is answered by
:func:`agents_for_service_level`.

The Erlang B blocking probability is computed with the stable recurrence
``B(0) = 1, B(n) = A*B(n-1) / (n + A*B(n-1))``, which never forms ``A**N`` or ``N!`` and so
does not overflow for thousands of agents; Erlang C is derived from it.

Pure standard library; every function is deterministic and side-effect free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "StaffingError",
    "StaffingResult",
    "agents_for_service_level",
    "erlang_b",
    "erlang_c",
    "evaluate",
]

SECONDS_PER_HOUR = 3600.0


class StaffingError(ValueError):
    """An argument makes no sense for a staffing calculation; the message names it."""


@dataclass(frozen=True)
class StaffingResult:
    """Erlang C figures for one staffing level.

    ``asa_seconds`` is ``math.inf`` when the queue is unstable (agents <= offered traffic);
    :meth:`as_dict` turns that into ``None`` because JSON has no infinity.
    """

    agents: int
    p_wait: float
    asa_seconds: float
    service_level: float
    occupancy: float

    def as_dict(self) -> dict[str, float | int | None]:
        """JSON-ready mapping; non-finite floats (an unbounded ASA) become ``None``."""
        return {
            "agents": self.agents,
            "p_wait": self.p_wait,
            "asa_seconds": self.asa_seconds if math.isfinite(self.asa_seconds) else None,
            "service_level": self.service_level,
            "occupancy": self.occupancy,
        }


# --------------------------------------------------------------------------- validation


def _real(name: str, value: object) -> float:
    """``value`` as a finite float, or :class:`StaffingError` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StaffingError(f"{name} must be a number, got {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise StaffingError(f"{name} must be a finite number, got {value!r}")
    return result


def _count(name: str, value: object) -> int:
    """``value`` as a non-negative int (bools and floats refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise StaffingError(f"{name} must be a whole number, got {value!r}")
    if value < 0:
        raise StaffingError(f"{name} must be >= 0, got {value}")
    return value


def _traffic(calls_per_hour: object, handle_seconds: object) -> float:
    """Offered traffic in Erlangs after validating its two inputs."""
    calls = _real("calls_per_hour", calls_per_hour)
    if calls < 0:
        raise StaffingError(f"calls_per_hour must be >= 0, got {calls_per_hour!r}")
    handle = _real("handle_seconds", handle_seconds)
    if handle <= 0:
        raise StaffingError(f"handle_seconds must be > 0, got {handle_seconds!r}")
    traffic = calls * handle / SECONDS_PER_HOUR
    if not math.isfinite(traffic):
        raise StaffingError("calls_per_hour * handle_seconds is too large to compute")
    return traffic


def _target(target_seconds: object) -> float:
    target = _real("target_seconds", target_seconds)
    if target < 0:
        raise StaffingError(f"target_seconds must be >= 0, got {target_seconds!r}")
    return target


def _erlangs(traffic_erlangs: object) -> float:
    traffic = _real("traffic_erlangs", traffic_erlangs)
    if traffic < 0:
        raise StaffingError(f"traffic_erlangs must be >= 0, got {traffic_erlangs!r}")
    return traffic


# --------------------------------------------------------------------------- Erlang B / C


def _b_step(n: int, traffic: float, b_prev: float) -> float:
    """One step of the Erlang B recurrence: ``B(n)`` from ``B(n-1)``."""
    ab = traffic * b_prev
    return ab / (n + ab)


def _erlang_b(agents: int, traffic: float) -> float:
    b = 1.0
    for n in range(1, agents + 1):
        b = _b_step(n, traffic, b)
        if b == 0.0:  # underflowed (or no traffic): every later step stays 0
            break
    return b


def _c_from_b(agents: int, traffic: float, b: float) -> float:
    """Erlang C from Erlang B, with the degenerate cases resolved."""
    if traffic == 0.0:
        return 0.0
    if agents <= traffic:
        return 1.0
    c = agents * b / (agents - traffic * (1.0 - b))
    return min(max(c, 0.0), 1.0)


def erlang_b(agents: int, traffic_erlangs: float) -> float:
    """Erlang B blocking probability for ``agents`` servers offered ``traffic_erlangs``.

    Uses the recurrence ``B(0) = 1, B(n) = A*B(n-1) / (n + A*B(n-1))`` (O(agents), no
    overflow). ``erlang_b(0, A)`` is 1 for any ``A``.
    """
    return _erlang_b(_count("agents", agents), _erlangs(traffic_erlangs))


def erlang_c(agents: int, traffic_erlangs: float) -> float:
    """Erlang C probability that a call waits: ``C = N*B / (N - A*(1 - B))``.

    Returns 1.0 when ``agents <= traffic_erlangs`` (the queue grows without bound, every
    call waits) and 0.0 when the traffic is zero (no call ever waits), including the
    corner case of zero agents and zero traffic.
    """
    n = _count("agents", agents)
    traffic = _erlangs(traffic_erlangs)
    if traffic == 0.0 or n <= traffic:
        return _c_from_b(n, traffic, 1.0)
    return _c_from_b(n, traffic, _erlang_b(n, traffic))


# --------------------------------------------------------------------------- staffing


def _result(agents: int, traffic: float, b: float, handle: float, target: float) -> StaffingResult:
    """Assemble the figures for ``agents`` given ``b = erlang_b(agents, traffic)``."""
    if traffic == 0.0:
        return StaffingResult(
            agents=agents, p_wait=0.0, asa_seconds=0.0, service_level=1.0, occupancy=0.0
        )
    if agents <= traffic:
        occupancy = 1.0 if agents == 0 else min(traffic / agents, 1.0)
        return StaffingResult(
            agents=agents,
            p_wait=1.0,
            asa_seconds=math.inf,
            service_level=0.0,
            occupancy=occupancy,
        )
    c = _c_from_b(agents, traffic, b)
    spare = agents - traffic
    service_level = 1.0 - c * math.exp(-spare * target / handle)
    return StaffingResult(
        agents=agents,
        p_wait=c,
        asa_seconds=c * handle / spare,
        service_level=min(max(service_level, 0.0), 1.0),
        occupancy=traffic / agents,
    )


def evaluate(
    *, calls_per_hour: float, handle_seconds: float, target_seconds: float, agents: int
) -> StaffingResult:
    """Erlang C figures for ``agents`` call-takers.

    With ``A = calls_per_hour * handle_seconds / 3600`` Erlangs and ``N = agents``:
    ``p_wait = C(N, A)``, ``asa_seconds = C * H / (N - A)``,
    ``service_level = 1 - C * exp(-(N - A) * T / H)`` and ``occupancy = A / N``.

    Unstable queue (``N <= A``, traffic > 0): ``p_wait`` 1.0, ``asa_seconds`` ``math.inf``
    (``None`` in :meth:`StaffingResult.as_dict`), ``service_level`` 0.0, ``occupancy``
    ``min(A / N, 1.0)`` (1.0 with zero agents).

    Zero traffic (``calls_per_hour == 0``), for any ``agents`` including 0: ``p_wait`` 0,
    ``asa_seconds`` 0, ``service_level`` 1, ``occupancy`` 0.

    Validation (:class:`StaffingError`): every number finite; ``calls_per_hour >= 0``,
    ``handle_seconds > 0``, ``target_seconds >= 0``, ``agents`` a whole number >= 0.
    Cost is O(agents).
    """
    traffic = _traffic(calls_per_hour, handle_seconds)
    handle = float(handle_seconds)
    target = _target(target_seconds)
    n = _count("agents", agents)
    b = _erlang_b(n, traffic) if n > traffic > 0.0 else 1.0
    return _result(n, traffic, b, handle, target)


def agents_for_service_level(
    *,
    calls_per_hour: float,
    handle_seconds: float,
    target_seconds: float,
    service_level: float,
    max_agents: int = 100_000,
) -> StaffingResult:
    """The fewest call-takers whose service level is at least ``service_level``.

    The search starts at ``floor(A) + 1`` (the smallest stable staffing) and walks up,
    advancing the Erlang B recurrence one agent at a time, so the whole search costs
    O(answer). Service level rises with every added agent, so the first level that
    reaches the target is the minimum. The returned result equals
    ``evaluate(..., agents=result.agents)``.

    Zero traffic needs nobody: the result has 0 agents, ``p_wait`` 0, ``asa_seconds`` 0,
    ``service_level`` 1 and ``occupancy`` 0.

    Raises :class:`StaffingError` for the inputs :func:`evaluate` refuses, for
    ``service_level`` outside the open interval (0, 1) — 1.0 is never reached exactly
    while calls arrive — for ``max_agents`` not a whole number >= 0, and when the target
    is not reached with ``max_agents`` call-takers.
    """
    traffic = _traffic(calls_per_hour, handle_seconds)
    handle = float(handle_seconds)
    target = _target(target_seconds)
    wanted = _real("service_level", service_level)
    if not 0.0 < wanted < 1.0:
        raise StaffingError(
            f"service_level must be > 0 and < 1 (a share such as 0.8; 1.0 is never "
            f"reached exactly), got {service_level!r}"
        )
    limit = _count("max_agents", max_agents)

    if traffic == 0.0:
        return _result(0, traffic, 1.0, handle, target)

    n = math.floor(traffic) + 1
    if n <= limit:
        b = _erlang_b(n, traffic)
        while True:
            result = _result(n, traffic, b, handle, target)
            if result.service_level >= wanted:
                return result
            if n >= limit:
                break
            n += 1
            b = _b_step(n, traffic, b)
    raise StaffingError(
        f"service_level {wanted} within {target:g} s is not reachable with at most "
        f"max_agents={limit} agents for {traffic:g} Erlangs of traffic"
    )
