"""Walking a seed with answers given as the API takes them: each checked against its question
first (``checked``), then walked (``walk``) or walked to its end (``finish``); ``found`` is the
determinant a walk reached."""

from __future__ import annotations

from collections.abc import Mapping

from dispatch.protocols import engine
from dispatch.protocols.definition import AnswerValue, Definition
from dispatch.protocols.engine import Walk, check_answer
from tests.protocols import seed_walks


def checked(definition: Definition, answers: Mapping[str, object]) -> dict[str, AnswerValue]:
    """The answers as the API stores them: each checked against its question."""
    return {node: check_answer(definition.node(node), value) for node, value in answers.items()}


def walk(definition: Definition, answers: Mapping[str, object]) -> Walk:
    return engine.walk(definition, checked(definition, answers))


def finish(definition: Definition, answers: Mapping[str, object]) -> Walk:
    return seed_walks.finish(definition, checked(definition, answers))


def found(state: Walk) -> tuple[str, int, tuple[str, ...]]:
    assert state.determinant is not None, f"no determinant for {dict(state.counted)}"
    return state.determinant.code, state.determinant.priority, state.determinant.services
