"""How soon the surge judgement sees a surge, and how often it takes a calm hour for one.

No server: arrival times from the simulator (``simulators.arrivals``, the surge benchmark's mix
and surge), judged every ``--recheck-s`` by the product's own functions — the arrival rate
``queues.shortfall.arrival_rate`` and Erlang C's staffing ``queues.erlang`` for the first
service-level target (10 s, 90%) at ``--handle-s`` — against ``--operators``. The centre is
short when Erlang C asks for more operators than that (the arrival half of the judgement;
the other half, callers waiting past the target, needs the ACD and is in ``make bench-surge``).
Two ways of reading the rate, in the same run: the product's (``shortfall.SHORT_WINDOWS``
counted too) and the half hour's and ten minutes' alone (before session 17).

- **seen after**: server seconds from the surge's start to the first judgement short, over
  ``--seeds`` days (the surge benchmark's own day is seed 112);
- **calm hours read as a surge**: ``--calm-hours`` of arrivals at ``--steady-rate`` only,
  judged the same way; each judgement short after ``--hold-s`` without one counts once
  (an automatic surge holds that long).

Figures: BENCHMARKS.md, "The surge's first minutes (session 17)".
"""

from __future__ import annotations

import argparse
import bisect
import random
import statistics
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.day import operators_for  # noqa: E402
from benchmarks.harness.report import emit, new_report, print_rows  # noqa: E402
from benchmarks.surge import add_day_options, day_mix  # noqa: E402
from dispatch.core.settings import Settings  # noqa: E402
from dispatch.queues import catalog, erlang, shortfall  # noqa: E402
from simulators.arrivals import Surge, arrivals  # noqa: E402
from simulators.day import DayConfig  # noqa: E402

BENCH_SEED = DayConfig.seed  # the simulator's day, as make bench-surge plays it
ORIGIN = datetime(2026, 12, 7, 3, tzinfo=UTC)
SETTINGS = Settings.model_fields  # DISPATCH_SURGE_RECHECK_S and _HOLD_S's defaults
TARGET = catalog.SERVICE_LEVEL[0]  # the queues' first service-level target, as the ACD judges
WAYS: dict[str, Sequence[timedelta]] = {
    "product": shortfall.SHORT_WINDOWS,
    "half hour and ten minutes": (),
}


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add_day_options(parser)  # make bench-surge's
    add("--operators", type=int, help="staffed (the short steps': Erlang's for the steady rate)")
    add("--handle-s", type=float, default=108.0, help="mean handle time Erlang C uses (108)")
    add("--recheck-s", type=float, default=SETTINGS["surge_recheck_s"].default,
        help="DISPATCH_SURGE_RECHECK_S (its default)")  # fmt: skip
    add("--hold-s", type=float, default=SETTINGS["surge_hold_s"].default,
        help="DISPATCH_SURGE_HOLD_S (its default)")  # fmt: skip
    add("--seeds", type=int, default=30, help="surge days, seeds 112 on (30)")
    add("--calm-hours", type=float, default=80.0, help="hours of calm arrivals (80)")
    add("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if args.operators is None:
        args.operators = operators_for(args.steady_rate)
    return args


def short(arrived: Sequence[float], at_s: float, args: argparse.Namespace, ways: str) -> bool:
    """Whether the judgement at ``at_s`` finds fewer than Erlang C's operators staffed by
    the arrivals (seconds, sorted) of the half hour before it."""
    low = bisect.bisect_right(arrived, at_s - shortfall.ARRIVAL_WINDOW.total_seconds())
    high = bisect.bisect_right(arrived, at_s)
    now = ORIGIN + timedelta(seconds=at_s)
    times = [ORIGIN + timedelta(seconds=s) for s in arrived[low:high]]
    rate = shortfall.arrival_rate(times, now=now, surge=True, windows=WAYS[ways])
    needed = erlang.agents_for_service_level(
        calls_per_hour=rate,
        handle_seconds=args.handle_s,
        target_seconds=TARGET["seconds"],
        service_level=TARGET["percent"] / 100,
    )
    return bool(needed.agents > args.operators)


def seen_after(args: argparse.Namespace, seed: int, ways: str) -> float | None:
    """Seconds from the surge's start to the first judgement short (None: never)."""
    start = 60 * args.steady_min
    day = arrivals(  # make bench-surge's day for seed 112 (its drops do not move a call)
        day_mix(args.steady_rate, 0.0),
        start_hour=8,
        hours=(args.steady_min + args.surge_min + args.after_min) / 60,
        seed=seed,
        surges=[Surge(start, args.surge_calls, args.surge_min)],
    )
    arrived = [scenario.at_s for scenario in day]
    at = start
    while at < start + 60 * args.surge_min:
        if short(arrived, at, args, ways):
            return float(at - start)
        at += args.recheck_s
    return None


def false_surges(args: argparse.Namespace, ways: str) -> int:
    """Surges the judgement finds in ``--calm-hours`` of steady arrivals (one per hold)."""
    rng = random.Random(BENCH_SEED)  # noqa: S311 (a simulation)
    arrived, at = [], 0.0
    while at < 3600 * args.calm_hours:
        at += rng.expovariate(args.steady_rate / 3600)
        arrived.append(at)
    count, until = 0, -1.0
    at = shortfall.ARRIVAL_WINDOW.total_seconds()  # a full half hour behind every judgement
    while at < 3600 * args.calm_hours:
        if short(arrived, at, args, ways):
            count += at > until
            until = at + args.hold_s
        at += args.recheck_s
    return count


def measure(args: argparse.Namespace) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for ways in WAYS:
        seen = [seen_after(args, BENCH_SEED + n, ways) for n in range(args.seeds)]
        found = sorted(s for s in seen if s is not None)
        rows[ways] = {
            "bench_day_s": seen[0],
            "median_s": statistics.median(found) if found else None,
            "p90_s": found[int(0.9 * (len(found) - 1))] if found else None,
            "max_s": found[-1] if found else None,
            "never": len(seen) - len(found),
            "false_surges": false_surges(args, ways),
        }
    return rows


def table(report: dict[str, Any]) -> None:
    settings = report["settings"]
    print(f"surge judgement, {report['measured_at']}, commit {report['commit']}")
    print(
        f"{settings['steady_rate']:g} calls/h, a surge of {settings['surge_calls']} calls in "
        f"{settings['surge_min']:g} min, {settings['operators']} operators, handle "
        f"{settings['handle_s']:g} s, judged every {settings['recheck_s']:g} s"
    )
    rows = [["rate read from", "bench day", "median", "p90", "max", "never", "calm hours"]]
    for ways, row in report["ways"].items():
        rows.append(
            [
                ways,
                f"{row['bench_day_s']} s",
                f"{row['median_s']} s",
                f"{row['p90_s']} s",
                f"{row['max_s']} s",
                f"{row['never']}/{settings['seeds']}",
                f"{row['false_surges']} in {settings['calm_hours']:g} h",
            ]
        )
    print_rows(rows)


def main(argv: Sequence[str]) -> int:
    args = parse(argv)
    report = new_report("benchmarks/surge_judgement.py", vars(args), argv)
    report["ways"] = measure(args)
    return emit(report, as_json=args.json, table=table)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
