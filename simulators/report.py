"""The day's report: what happened to every simulated call and card, aggregated (pure)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CallRecord:
    """One simulated call as the simulator saw it (seconds of server time)."""

    call_id: str
    offered_at: float
    answered_at: float | None = None
    abandoned_at: float | None = None
    dropped: bool = False
    operator: str | None = None
    services: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """Everything counted during a run."""

    calls: dict[str, CallRecord] = field(default_factory=dict)
    callbacks: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    deliveries: Counter[str] = field(default_factory=Counter)
    acknowledgements: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    recordings: int = 0
    aml: int = 0


def build_report(
    tally: Tally, *, target_s: float, hours: float, speed: float, wall_s: float
) -> dict[str, Any]:
    """Offered, answered, abandoned, service level, ASA, callbacks, cards per service,
    deliveries and acknowledgements, as one JSON-ready dict."""
    records = list(tally.calls.values())
    answered = [r for r in records if r.answered_at is not None]
    waits = [r.answered_at - r.offered_at for r in answered if r.answered_at is not None]
    abandoned = [r for r in records if r.answered_at is None and r.abandoned_at is not None]
    within = sum(1 for w in waits if w <= target_s)
    # Service level as the ACD counts it: answered within target over answered plus abandoned.
    denominator = len(answered) + len(abandoned)
    cards: Counter[str] = Counter(s for r in records for s in r.services)
    return {
        "hours": hours,
        "speed": speed,
        "wall_seconds": round(wall_s, 1),
        "offered": len(records),
        "answered": len(answered),
        "abandoned": len(abandoned),
        "dropped": sum(1 for r in records if r.dropped),
        "unresolved": len(records) - len(answered) - len(abandoned),
        "service_level": {
            "target_s": target_s,
            "value": round(within / denominator, 4) if denominator else None,
        },
        "asa_seconds": round(sum(waits) / len(waits), 2) if waits else None,
        "callbacks": tally.callbacks,
        "cards_per_service": dict(sorted(cards.items())),
        "deliveries": dict(sorted(tally.deliveries.items())),
        "acknowledgements": dict(sorted(tally.acknowledgements.items())),
        "statuses": dict(sorted(tally.statuses.items())),
        "recordings": tally.recordings,
        "aml_messages": tally.aml,
        "errors": dict(sorted(tally.errors.items())),
    }


def render(report: dict[str, Any]) -> str:
    """The report as aligned text for a terminal."""
    lines = []
    for key, value in report.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "-"
        lines.append(f"{key.replace('_', ' '):<20} {value}")
    return "\n".join(lines)
