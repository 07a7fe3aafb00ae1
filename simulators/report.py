"""The day's report: what happened to every simulated call and card, aggregated (pure)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

# The server's callback statistics (GET /api/v1/callbacks/stats, ``overall``) in the report.
CALLBACK_FIGURES = ("tasks", "attempts", "reached", "refused", "unreachable", "open")


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
    dials: int = 0  # originate commands the gateway obeyed
    attempts: Counter[str] = field(default_factory=Counter)  # outcomes the bots recorded
    callback_cards: int = 0  # cards updated (or made) after a caller was reached
    errors: Counter[str] = field(default_factory=Counter)
    # Why the server refused an operator's accept (its answer's ``detail_code``).
    accept_refusals: Counter[str] = field(default_factory=Counter)
    deliveries: Counter[str] = field(default_factory=Counter)
    acknowledgements: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)  # webhooks answered 5xx on purpose
    redeliveries: Counter[str] = field(default_factory=Counter)
    batches: Counter[str] = field(default_factory=Counter)  # webhook batches (JSON) received
    statuses: Counter[str] = field(default_factory=Counter)
    recordings: int = 0
    aml: int = 0
    surveys: Counter[str] = field(default_factory=Counter)  # survey SMS received and replies
    # Call control: commands the gateway obeyed or refused, what the bots asked (issue 26).
    control: Counter[str] = field(default_factory=Counter)
    # Server seconds from a gateway command's creation to its arrival, per command type.
    command_lag: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile of ``values`` (nearest rank; values need not be sorted)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _spread(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"count": 0, "mean": None, "p95": None, "max": None}
    return {
        "count": len(values),
        "mean": round(sum(values) / len(values), 2),
        "p95": round(percentile(values, 0.95), 2),
        "max": round(max(values), 2),
    }


def callbacks_section(tally: Tally, stats: dict[str, Any] | None) -> dict[str, Any]:
    """Callbacks: the server's figures for the run (tasks, attempts, reached, unreachable, drop
    to first attempt) beside what the simulated gateway and bots did."""
    overall = (stats or {}).get("overall") or {}
    first = overall.get("first_attempt") or {}
    section: dict[str, Any] = {name: overall.get(name) for name in CALLBACK_FIGURES}
    section["success_rate"] = overall.get("success_rate")
    section["drop_to_first_attempt_s"] = {
        name: first.get(name)
        for name in ("count", "mean_s", "p50_s", "p90_s", "max_s", "target_s", "within_target")
    }
    section["dials"] = tally.dials
    section["outcomes"] = dict(sorted(tally.attempts.items()))
    section["cards_updated"] = tally.callback_cards
    return section


def build_report(
    tally: Tally,
    *,
    target_s: float,
    hours: float,
    speed: float,
    wall_s: float,
    services: str = "webhook",
    callback_stats: dict[str, Any] | None = None,
    timing: dict[str, Any] | None = None,
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
        "callbacks": callbacks_section(tally, callback_stats),
        "cards_per_service": dict(sorted(cards.items())),
        "services_mode": services,
        "deliveries": dict(sorted(tally.deliveries.items())),
        "acknowledgements": dict(sorted(tally.acknowledgements.items())),
        "refused_deliveries": dict(sorted(tally.refused.items())),
        "redeliveries": dict(sorted(tally.redeliveries.items())),
        "webhook_batches": dict(sorted(tally.batches.items())),
        "statuses": dict(sorted(tally.statuses.items())),
        "recordings": tally.recordings,
        "aml_messages": tally.aml,
        "surveys": dict(sorted(tally.surveys.items())),
        "call_control": dict(sorted(tally.control.items())),
        "errors": dict(sorted(tally.errors.items())),
        "accept_refusals": dict(sorted(tally.accept_refusals.items())),
        "timing": {
            "command_lag_s": {
                kind: _spread(lags) for kind, lags in sorted(tally.command_lag.items())
            },
            **(timing or {}),
        },
    }


def _flat(value: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in value.items()) or "-"


def render(report: dict[str, Any], indent: int = 0) -> str:
    """The report as aligned text for a terminal (nested sections indented)."""
    lines = []
    pad = " " * indent
    width = max(20 - indent, 1)
    for key, value in report.items():
        label = f"{pad}{key.replace('_', ' '):<{width}}"
        if isinstance(value, dict) and any(isinstance(v, dict) for v in value.values()):
            lines.append(label.rstrip())
            lines.append(render(value, indent + 2))
        elif isinstance(value, dict):
            lines.append(f"{label} {_flat(value)}")
        else:
            lines.append(f"{label} {value}")
    return "\n".join(lines)
