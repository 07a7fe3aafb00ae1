"""What the seeded protocols' tests share: the seeds, loading one, every walk through a
definition (each answer a question can take), and walking one to its end."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import yaml
from pydantic import BaseModel

from dispatch.protocols import definition as protocol_definition
from dispatch.protocols.definition import (
    AnswerValue,
    Condition,
    Definition,
    Node,
    Texts,
    Timer,
)
from dispatch.protocols.engine import Walk, check_answer, walk

SEEDS = Path(protocol_definition.__file__).with_name("seeds")
CLASSIFIER = Path(protocol_definition.__file__).parents[1] / "cards" / "routing" / "classifier.yaml"
# The first set (issue 24); every seed file, these and later ones, is checked below.
FIRST_SET = ("cardiac_arrest", "choking", "severe_bleeding", "childbirth", "suicide_risk_screen")
CODES = tuple(sorted(path.stem for path in SEEDS.glob("*.yaml")))
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
MAX_WALKS = 50_000


def load(code: str) -> Definition:
    return Definition.model_validate(yaml.safe_load((SEEDS / f"{code}.yaml").read_text("utf-8")))


def texts_in(model: BaseModel) -> Iterator[Texts]:
    """Every Texts anywhere in ``model``."""
    if isinstance(model, Texts):
        yield model
        return
    for name in type(model).model_fields:
        value = getattr(model, name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, BaseModel):
                yield from texts_in(item)


def conditions_in(definition: Definition) -> Iterator[Condition]:
    """Every condition of the branches and determinants, parts of all/any included."""
    stack = [branch.when for node in definition.nodes for branch in node.next if branch.when]
    stack += [determinant.when for determinant in definition.determinants]
    while stack:
        condition = stack.pop()
        yield condition
        stack.extend((*(condition.all or ()), *(condition.any or ())))


def candidates(definition: Definition, node: Node) -> list[AnswerValue]:
    """Answers that take the walk down every branch of ``node``: each choice, yes and no, the
    bounds of a number and each side of every threshold a condition puts on it."""
    answer = node.answer
    assert answer is not None
    if answer.type == "yes_no":
        values: list[object] = [True, False]
    elif answer.type == "choice":
        values = [choice.code for choice in answer.choices]
    elif answer.type == "number":
        points = {bound for bound in (answer.minimum, answer.maximum) if bound is not None}
        for condition in conditions_in(definition):
            if condition.node == node.id:
                for limit in (condition.at_least, condition.at_most):
                    if limit is not None:
                        points |= {limit - 0.5, limit, limit + 0.5}
        low = answer.minimum if answer.minimum is not None else float("-inf")
        high = answer.maximum if answer.maximum is not None else float("inf")
        values = [point for point in sorted(points) if low <= point <= high]
    else:
        values = ["the caller's own words"]
    return [check_answer(node, value) for value in values]


def every_walk(definition: Definition) -> tuple[list[Walk], set[str]]:
    """Every finished walk (each question answered every way, each instruction given), and the
    determinants met on the way (a walk's finding changes as it goes)."""
    finished: list[Walk] = []
    met: set[str] = set()
    pending: list[tuple[dict[str, AnswerValue], frozenset[str]]] = [({}, frozenset())]
    steps = 0
    while pending:
        steps += 1
        assert steps < MAX_WALKS, f"{definition.code}: too many walks to try"
        answers, given = pending.pop()
        state = walk(definition, answers, given)
        if state.determinant is not None:
            met.add(state.determinant.code)
        if state.finished:
            finished.append(state)
            continue
        assert state.current is not None
        node = definition.node(state.current)
        if node.kind == "instruction":
            pending.append((answers, given | {node.id}))
        else:
            pending.extend(
                ({**answers, node.id: value}, given) for value in candidates(definition, node)
            )
    return finished, met


def finish(
    definition: Definition, answers: Mapping[str, AnswerValue], *, stop_at: str | None = None
) -> Walk:
    """The walk for ``answers`` with every instruction on the way given (up to ``stop_at``)."""
    given: set[str] = set()
    while True:
        state = walk(definition, answers, frozenset(given))
        if state.finished or state.current == stop_at:
            return state
        assert state.current is not None
        node = definition.node(state.current)
        assert node.kind == "instruction", f"{node.id} is not answered"
        given.add(node.id)


def timer_on(definition: Definition, state: Walk, node_id: str) -> Timer:
    assert node_id in state.path, f"{node_id} is not on {state.path}"
    timer = definition.node(node_id).timer
    assert timer is not None
    return timer


# ------------------------------------------------------------------ every seed
