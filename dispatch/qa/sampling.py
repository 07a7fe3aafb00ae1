"""The sampling draw (pure): a stratified random share, minimums, and flagged calls.

The same candidates, inputs and seed always give the same sample: candidates are taken in
(start, id) order and every random choice uses its own generator seeded by the plan's seed and
the stratum or operator it is for, so adding a call to one stratum never changes the draw in
another. ``random.Random`` seeded by a string hashes it (SHA-512), independent of the process.

Reasons a call is chosen, in the order they are applied:

1. ``flag:*`` — abandoned, callback exhausted, supervisor takeover, long handle time: always in.
2. ``random`` — ceil(share × calls) drawn over the strata (incident type / channel) in
   proportion to their size (largest remainder), flagged calls drawn like any other.
3. ``stratum`` — topped up to ``min_per_stratum`` calls in every stratum.
4. ``minimum`` — topped up to ``min_per_operator`` calls for every operator.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

RANDOM = "random"
STRATUM = "stratum"
MINIMUM = "minimum"
FLAG_ABANDONED = "flag:abandoned"
FLAG_CALLBACK_EXHAUSTED = "flag:callback_exhausted"
FLAG_TAKEOVER = "flag:supervisor_takeover"
FLAG_LONG_HANDLE = "flag:long_handle"
UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class Candidate:
    """A call of the period as the draw sees it."""

    call_id: uuid.UUID
    at: datetime
    operator: str | None
    channel: str
    incident_type: str | None
    flags: tuple[str, ...] = ()

    @property
    def stratum(self) -> str:
        """``incident type/channel``; calls without a classified card are ``unclassified``."""
        return f"{self.incident_type or UNCLASSIFIED}/{self.channel}"


def _order(candidate: Candidate) -> tuple[datetime, str]:
    return (candidate.at, str(candidate.call_id))


def allocate(sizes: Mapping[str, int], total: int) -> dict[str, int]:
    """Split ``total`` over strata in proportion to ``sizes`` (largest remainder, ties by key)."""
    population = sum(sizes.values())
    if population == 0 or total <= 0:
        return dict.fromkeys(sizes, 0)
    total = min(total, population)
    exact = {key: total * size / population for key, size in sizes.items()}
    quotas = {key: min(sizes[key], math.floor(value)) for key, value in exact.items()}
    by_remainder = sorted(sizes, key=lambda key: (-(exact[key] - math.floor(exact[key])), key))
    left = total - sum(quotas.values())
    while left > 0:
        for key in by_remainder:
            if left == 0:
                break
            if quotas[key] < sizes[key]:
                quotas[key] += 1
                left -= 1
    return quotas


def random_total(share: float, population: int) -> int:
    """The size of the random share: at least ``share`` of the calls (rounded up)."""
    # The tolerance keeps 0.02 × 500 at 10, not 11 from a float just above 10.
    return min(population, math.ceil(share * population - 1e-9))


def draw(
    candidates: Iterable[Candidate],
    *,
    share: float,
    min_per_operator: int,
    min_per_stratum: int,
    seed: int,
) -> dict[uuid.UUID, list[str]]:
    """The chosen calls (in candidate order) with every reason each was chosen for."""
    ordered = sorted(candidates, key=_order)
    reasons: dict[uuid.UUID, list[str]] = {}

    def choose(calls: Iterable[Candidate], reason: str) -> None:
        for call in calls:
            reasons.setdefault(call.call_id, []).append(reason)

    for call in ordered:
        if call.flags:
            reasons[call.call_id] = list(call.flags)

    strata = _groups(ordered, lambda c: c.stratum)
    quotas = allocate(
        {key: len(calls) for key, calls in strata.items()}, random_total(share, len(ordered))
    )
    for key in sorted(strata):
        choose(_pick(strata[key], quotas[key], f"{seed}/{RANDOM}/{key}"), RANDOM)

    for key in sorted(strata):
        _top_up(strata[key], min_per_stratum, reasons, f"{seed}/{STRATUM}/{key}", STRATUM)

    operators = _groups((c for c in ordered if c.operator), lambda c: c.operator or "")
    for name in sorted(operators):
        _top_up(operators[name], min_per_operator, reasons, f"{seed}/{MINIMUM}/{name}", MINIMUM)

    return {c.call_id: reasons[c.call_id] for c in ordered if c.call_id in reasons}


def _groups(
    calls: Iterable[Candidate], key: Callable[[Candidate], str]
) -> dict[str, list[Candidate]]:
    groups: dict[str, list[Candidate]] = {}
    for call in calls:
        groups.setdefault(key(call), []).append(call)
    return groups


def _pick(calls: Sequence[Candidate], count: int, seed: str) -> list[Candidate]:
    if count <= 0:
        return []
    generator = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    chosen = generator.sample(range(len(calls)), min(count, len(calls)))
    return [calls[i] for i in sorted(chosen)]


def _top_up(
    calls: Sequence[Candidate],
    minimum: int,
    reasons: dict[uuid.UUID, list[str]],
    seed: str,
    reason: str,
) -> None:
    have = sum(1 for c in calls if c.call_id in reasons)
    if have >= minimum:
        return
    pool = [c for c in calls if c.call_id not in reasons]
    for call in _pick(pool, minimum - have, seed):
        reasons[call.call_id] = [reason]
