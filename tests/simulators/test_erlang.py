"""The ACD's own choice of operator (dispatch.queues.strategies) in a discrete-event run with
Poisson arrivals, exponential handle times and no abandonment matches Erlang C
(dispatch.queues.erlang) within the run's confidence interval."""

from __future__ import annotations

import heapq
import math
import random
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from dispatch.queues.erlang import evaluate
from dispatch.queues.strategies import Candidate, Strategy, choose

EPOCH = datetime(2026, 11, 22, tzinfo=UTC)
BATCHES = 20
T_99 = 2.861  # Student's t, 19 degrees of freedom, two-sided 99 %


@dataclass
class Run:
    """Per-batch means of P(wait), the wait, and answered within target."""

    p_wait: list[float]
    asa: list[float]
    service_level: list[float]
    assigned_to: set[str]


def simulate(
    *, calls_per_hour: float, handle_s: float, agents: int, target_s: float, calls: int, seed: int
) -> Run:
    """M/M/N FIFO, each free operator chosen by the voice queues' strategy (skills)."""
    rng = random.Random(seed)
    names = [f"op{n:03d}" for n in range(agents)]
    idle_since = dict.fromkeys(names, EPOCH)
    free = set(names)
    busy_until: list[tuple[float, str]] = []
    waiting: list[float] = []  # arrival times, FIFO
    waits: list[float] = []
    assigned: set[str] = set()
    now = 0.0
    next_arrival = rng.expovariate(calls_per_hour / 3600)

    def start(arrived: float, at: float) -> None:
        candidates = [
            Candidate(name, 0, idle_since[name], calls_taken=0, talk_seconds=0.0) for name in free
        ]
        chosen = choose(Strategy.SKILLS, candidates, waited_s=at - arrived, steps=[], rr_last=None)
        assert chosen is not None
        free.discard(chosen.username)
        assigned.add(chosen.username)
        waits.append(at - arrived)
        heapq.heappush(busy_until, (at + rng.expovariate(1 / handle_s), chosen.username))

    while len(waits) < calls:
        if busy_until and busy_until[0][0] <= next_arrival:
            now, name = heapq.heappop(busy_until)
            free.add(name)
            idle_since[name] = EPOCH + timedelta(seconds=now)
            if waiting:
                start(waiting.pop(0), now)
        else:
            now = next_arrival
            next_arrival = now + rng.expovariate(calls_per_hour / 3600)
            if free and not waiting:
                start(now, now)
            else:
                waiting.append(now)
    kept = waits[calls // 20 :]  # the start-up (an empty centre) is not the steady state
    size = len(kept) // BATCHES
    batches = [kept[i * size : (i + 1) * size] for i in range(BATCHES)]
    return Run(
        p_wait=[sum(w > 0 for w in b) / size for b in batches],
        asa=[sum(b) / size for b in batches],
        service_level=[sum(w <= target_s for w in b) / size for b in batches],
        assigned_to=assigned,
    )


def _within(samples: list[float], expected: float) -> tuple[bool, str]:
    mean = statistics.fmean(samples)
    half = T_99 * statistics.stdev(samples) / math.sqrt(len(samples))
    return abs(mean - expected) <= half, f"{mean:.4f} ± {half:.4f} vs Erlang C {expected:.4f}"


@pytest.mark.parametrize(
    ("calls_per_hour", "handle_s", "agents", "target_s", "calls"),
    [(720, 240, 55, 15, 300_000), (200, 180, 14, 20, 120_000)],
)
def test_acd_choice_matches_erlang_c(
    calls_per_hour: float, handle_s: float, agents: int, target_s: float, calls: int
) -> None:
    run = simulate(
        calls_per_hour=calls_per_hour,
        handle_s=handle_s,
        agents=agents,
        target_s=target_s,
        calls=calls,
        seed=112,
    )
    erlang = evaluate(
        calls_per_hour=calls_per_hour,
        handle_seconds=handle_s,
        target_seconds=target_s,
        agents=agents,
    )
    for name, samples, expected in (
        ("P(wait)", run.p_wait, erlang.p_wait),
        ("ASA", run.asa, erlang.asa_seconds),
        ("SL", run.service_level, erlang.service_level),
    ):
        ok, detail = _within(samples, expected)
        assert ok, f"{name}: {detail}"
    # Longest-idle among equals spreads the work over every operator.
    assert len(run.assigned_to) == agents
