"""Walking a protocol (pure, no I/O): where the walk stands for the answers given so far, and
which determinant the answers meet.

The walk is replayed from ``start`` on every step: a question answered goes on along its first
branch whose condition holds, an instruction marked as given goes on, the first question not
answered or instruction not given is where the operator is. An answer to a question the walk no
longer passes (the caller corrected an earlier answer) is kept but does not count.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass

from dispatch.protocols.definition import AnswerValue, Condition, Definition, Determinant, Node

TEXT_MAX = 2000
# Characters XML 1.0 cannot carry (C0 controls but tab, newline and carriage return).
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class BadAnswer(ValueError):
    """An answer that does not fit its question."""


@dataclass(frozen=True, slots=True)
class Walk:
    """Where a walk stands: the nodes passed, the current one (None once at an end), and the
    determinant the counted answers meet."""

    path: tuple[str, ...]
    current: str | None
    finished: bool
    determinant: Determinant | None
    counted: Mapping[str, AnswerValue]


def check_answer(node: Node, value: object) -> AnswerValue:
    """``value`` as the answer of question ``node``; BadAnswer naming what fits."""
    answer = node.answer
    if answer is None:
        raise BadAnswer(f"{node.id} is not a question")
    if answer.type == "yes_no":
        if not isinstance(value, bool):
            raise BadAnswer(f"{node.id} takes true or false")
        return value
    if answer.type == "choice":
        codes = [choice.code for choice in answer.choices]
        if value not in codes:
            raise BadAnswer(f"{node.id} takes one of {', '.join(codes)}")
        return str(value)
    if answer.type == "number":
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise BadAnswer(f"{node.id} takes a number")
        if answer.minimum is not None and value < answer.minimum:
            raise BadAnswer(f"{node.id} takes at least {answer.minimum:g}")
        if answer.maximum is not None and value > answer.maximum:
            raise BadAnswer(f"{node.id} takes at most {answer.maximum:g}")
        return float(value)
    if not isinstance(value, str) or not value.strip() or len(value) > TEXT_MAX:
        raise BadAnswer(f"{node.id} takes a text of 1 to {TEXT_MAX} characters")
    if _UNWRITABLE.search(value):
        raise BadAnswer(f"{node.id}: the text holds control characters a card cannot carry")
    return value.strip()


def holds(condition: Condition, answers: Mapping[str, AnswerValue]) -> bool:
    """Whether ``condition`` holds for ``answers`` (a test on an unanswered node fails, except
    ``answered: false``)."""
    if condition.all is not None:
        return all(holds(part, answers) for part in condition.all)
    if condition.any is not None:
        return any(holds(part, answers) for part in condition.any)
    assert condition.node is not None
    given = condition.node in answers
    if condition.answered is not None and condition.answered != given:
        return False
    if not given:
        return condition.answered is False
    value = answers[condition.node]
    if condition.equals is not None and value != condition.equals:
        return False
    if condition.one_of is not None and value not in condition.one_of:
        return False
    if condition.at_least is not None and not (
        isinstance(value, float) and value >= condition.at_least
    ):
        return False
    return condition.at_most is None or (isinstance(value, float) and value <= condition.at_most)


def walk(
    definition: Definition, answers: Mapping[str, AnswerValue], given: Set[str] = frozenset()
) -> Walk:
    """Replay the walk for ``answers`` and the instructions ``given``."""
    by_id = {node.id: node for node in definition.nodes}
    path: list[str] = []
    counted: dict[str, AnswerValue] = {}
    position: str | None = definition.start
    finished = False
    while position is not None:
        node = by_id[position]
        path.append(node.id)
        if node.kind == "end":
            finished = True
            break
        if node.kind == "question":
            if node.id not in answers:
                break
            counted[node.id] = answers[node.id]
        elif node.id not in given:
            break
        position = next(b.goto for b in node.next if b.when is None or holds(b.when, counted))
    current = None if finished else path[-1]
    met = next((d for d in definition.determinants if holds(d.when, counted)), None)
    return Walk(tuple(path), current, finished, met, counted)
