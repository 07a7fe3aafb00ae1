"""Agreement between evaluators (pure): Cohen's kappa per pair, its mean, score spread.

Cohen's kappa for two raters over the same n calls: κ = (pₒ − pₑ) / (1 − pₑ), with pₒ the
share of calls they answered alike and pₑ = Σ_c (n_c¹/n)(n_c²/n) the agreement expected by
chance from each rater's own answer frequencies. When both gave one and the same answer to
every call, pₑ = 1 and κ is undefined (None): they agree, but there is nothing to measure.
With more than two raters the item's kappa is the mean over pairs (Light's kappa).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    """How far apart scores of one call are."""

    mean: float | None
    min: float | None
    max: float | None
    range: float | None
    stdev: float | None


def observed_agreement(first: Sequence[str], second: Sequence[str]) -> float | None:
    """The share of calls two raters answered alike (None without calls)."""
    _check(first, second)
    if not first:
        return None
    return sum(a == b for a, b in zip(first, second, strict=True)) / len(first)


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters' answers to the same calls, in the same order."""
    observed = observed_agreement(first, second)
    if observed is None:
        return None
    n = len(first)
    a, b = Counter(first), Counter(second)
    expected = sum(a[c] * b[c] for c in a.keys() | b.keys()) / (n * n)
    if expected >= 1:
        return None
    return (observed - expected) / (1 - expected)


def mean_or_none(values: Sequence[float | None]) -> float | None:
    """The mean of the defined values (None when there are none)."""
    defined = [v for v in values if v is not None]
    return statistics.fmean(defined) if defined else None


def spread(scores: Sequence[float]) -> Spread:
    """Mean, min, max, range and (sample) standard deviation of some scores."""
    if not scores:
        return Spread(None, None, None, None, None)
    return Spread(
        mean=statistics.fmean(scores),
        min=min(scores),
        max=max(scores),
        range=max(scores) - min(scores),
        stdev=statistics.stdev(scores) if len(scores) > 1 else 0.0,
    )


def _check(first: Sequence[str], second: Sequence[str]) -> None:
    if len(first) != len(second):
        raise ValueError("both raters must answer the same calls")
