"""Durations and their percentiles."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Latencies:
    """Durations in seconds, summarised in milliseconds."""

    values: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float | int | None]:
        """Count, p50, p99 and max in ms."""
        ordered = sorted(self.values)
        if not ordered:
            return {"count": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
        return {
            "count": len(ordered),
            "p50_ms": round(percentile(ordered, 50) * 1000, 2),
            "p99_ms": round(percentile(ordered, 99) * 1000, 2),
            "max_ms": round(ordered[-1] * 1000, 2),
        }


def percentile(ordered: list[float], p: int) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[min(len(ordered) - 1, len(ordered) * p // 100)]
