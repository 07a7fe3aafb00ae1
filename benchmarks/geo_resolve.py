"""Micro-benchmark of point resolution: ``make bench-geo``.

Reads the boundaries (``DISPATCH_GEO_DATA_DIR``), builds the index as a server process does,
then times ``resolve`` on random points spread evenly over the country's bounding box (about a
third fall inside Uzbekistan, the rest abroad, which is the slower case). Prints the figures
BENCHMARKS.md records.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispatch.core.settings import Settings  # noqa: E402
from dispatch.geo.index import GeoIndex  # noqa: E402
from dispatch.geo.loader import read_boundaries  # noqa: E402


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000, help="points to resolve")
    parser.add_argument("--seed", type=int, default=112, help="random seed of the points")
    parser.add_argument("--data-dir", type=Path, help="default DISPATCH_GEO_DATA_DIR")
    args = parser.parse_args()
    data_dir = args.data_dir or Settings().geo_data_dir

    started = time.perf_counter()
    boundaries = read_boundaries(data_dir)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    index = GeoIndex.from_boundaries(boundaries)
    index.resolve(41.3111, 69.2797)  # the trees are built on first query
    build_s = time.perf_counter() - started

    west = min(r.geometry.bounds[0] for r in boundaries.regions)
    south = min(r.geometry.bounds[1] for r in boundaries.regions)
    east = max(r.geometry.bounds[2] for r in boundaries.regions)
    north = max(r.geometry.bounds[3] for r in boundaries.regions)
    rng = random.Random(args.seed)  # noqa: S311 - reproducible test points, not secrets
    points = [(rng.uniform(south, north), rng.uniform(west, east)) for _ in range(args.count)]
    for lat, lon in points[:1000]:
        index.resolve(lat, lon)

    timings: dict[str, list[float]] = defaultdict(list)
    clock = time.perf_counter
    started = clock()
    for lat, lon in points:
        before = clock()
        status = index.resolve(lat, lon).status
        timings[status.value].append(clock() - before)
    total_s = clock() - started
    every = [t for values in timings.values() for t in values]

    print(f"python {platform.python_version()}, {len(boundaries.districts)} districts")
    print(f"read files: {read_s * 1000:.0f} ms; build index: {build_s * 1000:.1f} ms")
    print(
        f"{args.count} resolves of random points in the bbox "
        f"({west:.2f}..{east:.2f} E, {south:.2f}..{north:.2f} N), seed {args.seed}:"
    )
    print(
        f"  all: {total_s / args.count * 1e6:.1f} µs per resolve, "
        f"{args.count / total_s:,.0f} resolves/s, p50 {_us(every, 50)}, p99 {_us(every, 99)}"
    )
    for kind in ("inside", "nearest", "unresolved"):
        values = timings.get(kind, [])
        if values:
            print(
                f"  {kind}: {len(values)} points, mean {statistics.fmean(values) * 1e6:.1f} µs, "
                f"p50 {_us(values, 50)}, p99 {_us(values, 99)}"
            )
    return 0


def _us(values: list[float], percentile: int) -> str:
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, len(ordered) * percentile // 100)] * 1e6:.1f} µs"


if __name__ == "__main__":
    raise SystemExit(main())
