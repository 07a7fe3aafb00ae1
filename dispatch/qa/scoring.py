"""Scoring an evaluation (pure): section scores, the weighted score, the compliance level.

- An item answered ``yes`` earns its points; ``no`` is a deviation of the item's class and
  earns ``points × (1 − deviation weight)``; ``na`` leaves the item out of its section.
- A section scores 100 × earned / possible over its applicable items (none: left out).
- The score is the mean of the section scores weighted by the sections' weights (0-100).
- A missed critical item fails the evaluation: score 0 and the lowest level; ``raw_score``
  keeps what it would have been.
- The level is the first (highest) whose ``min_score`` the score reaches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dispatch.errors import Invalid
from dispatch.qa.schemas import AnswerValue, Deviation, ScorecardDefinition


@dataclass(frozen=True)
class SectionScore:
    """One section's weight and score (None: nothing in it applied)."""

    key: str
    weight: float
    score: float | None


@dataclass(frozen=True)
class Result:
    """What an evaluation's answers come to."""

    score: float
    raw_score: float
    level: str
    critical_failures: list[str]
    deviations: dict[str, int]
    sections: list[SectionScore]


def check_answers(definition: ScorecardDefinition, answers: Mapping[str, object]) -> None:
    """Every item answered, nothing else (422 naming the items)."""
    keys = definition.item_keys()
    unknown = [key for key in answers if key not in keys]
    if unknown:
        raise Invalid(f"answers: no item {', '.join(sorted(unknown))} on this scorecard")
    missing = [key for key in keys if key not in answers]
    if missing:
        raise Invalid(f"answers: every item needs an answer; missing {', '.join(missing)}")


def score(definition: ScorecardDefinition, answers: Mapping[str, AnswerValue]) -> Result:
    """Score the answers (every item answered: see :func:`check_answers`)."""
    check_answers(definition, answers)
    weights = definition.deviation_weights
    deviations = {d.value: 0 for d in Deviation}
    failures: list[str] = []
    sections: list[SectionScore] = []
    for section in definition.sections:
        possible = earned = 0.0
        for item in section.items:
            answer = answers[item.key]
            if answer is AnswerValue.NA:
                continue
            possible += item.points
            if answer is AnswerValue.YES:
                earned += item.points
                continue
            deviations[item.deviation.value] += 1
            earned += item.points * (1 - weights[item.deviation])
            if item.deviation is Deviation.CRITICAL:
                failures.append(item.key)
        value = round(100 * earned / possible, 2) if possible else None
        sections.append(SectionScore(section.key, section.weight, value))
    counted = [s for s in sections if s.score is not None]
    if not counted:
        raise Invalid("answers: every item is n/a; there is nothing to score")
    total_weight = sum(s.weight for s in counted)
    raw = round(sum(s.weight * (s.score or 0.0) for s in counted) / total_weight, 2)
    final = 0.0 if failures else raw
    return Result(
        score=final,
        raw_score=raw,
        level=definition.levels[-1].level if failures else level_for(definition, final),
        critical_failures=failures,
        deviations=deviations,
        sections=sections,
    )


def level_for(definition: ScorecardDefinition, value: float) -> str:
    """The highest level whose ``min_score`` ``value`` reaches."""
    for level in definition.levels:
        if value >= level.min_score:
            return level.level
    return definition.levels[-1].level  # pragma: no cover - the lowest level starts at 0
