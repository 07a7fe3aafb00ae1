"""The protocol format and the walk (issue 24), pure: branching, determinants, typed answers, and
definitions refused for what would make a walk wrong (cycles, dead nodes, dangling branches)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from dispatch.protocols import engine
from dispatch.protocols.definition import AnswerValue, Definition
from tests.protocols.sample import sample, texts


def definition(data: dict[str, Any] | None = None) -> Definition:
    return Definition.model_validate(data or sample())


def test_the_walk_branches_on_the_answers_and_stops_where_an_answer_is_missing() -> None:
    walked = engine.walk(definition(), {})
    assert (walked.path, walked.current, walked.finished) == (("awake",), "awake", False)
    walked = engine.walk(definition(), {"awake": False, "age": 40.0})
    assert walked.path == ("awake", "age", "breathing")
    assert walked.determinant is not None
    assert walked.determinant.code == "TA-2"
    walked = engine.walk(definition(), {"awake": False, "age": 40.0, "breathing": "none"})
    assert walked.current == "push"
    assert walked.determinant is not None
    assert (walked.determinant.code, walked.determinant.priority) == ("TA-1", 1)
    done = engine.walk(definition(), {"awake": False, "age": 40.0, "breathing": "none"}, {"push"})
    assert (done.current, done.finished, done.path[-1]) == (None, True, "done")


def test_an_infant_gets_its_own_instruction_first() -> None:
    walked = engine.walk(definition(), {"awake": False, "age": 0.5})
    assert walked.current == "infant"
    walked = engine.walk(definition(), {"awake": False, "age": 0.5}, {"infant"})
    assert walked.current == "breathing"


def test_a_corrected_answer_leaves_the_branch_it_no_longer_takes_uncounted() -> None:
    answers: dict[str, AnswerValue] = {"awake": True, "age": 40.0, "breathing": "none"}
    walked = engine.walk(definition(), answers)
    assert walked.finished
    assert walked.path == ("awake", "done")
    assert walked.determinant is None  # the breathing answer is off the walk
    assert set(walked.counted) == {"awake"}


@pytest.mark.parametrize(
    ("node", "value", "expected"),
    [
        ("awake", True, True),
        ("age", 3, 3.0),
        ("breathing", "gasping", "gasping"),
    ],
)
def test_answers_of_the_right_type_are_taken(node: str, value: object, expected: object) -> None:
    assert engine.check_answer(definition().node(node), value) == expected


@pytest.mark.parametrize(
    ("node", "value", "says"),
    [
        ("awake", "yes", "true or false"),
        ("age", 131, "at most 130"),
        ("age", -1, "at least 0"),
        ("age", True, "a number"),
        ("age", float("nan"), "a number"),
        ("breathing", "maybe", "one of normal, gasping, none"),
        ("push", True, "not a question"),
    ],
)
def test_answers_that_do_not_fit_are_refused_saying_what_fits(
    node: str, value: object, says: str
) -> None:
    with pytest.raises(engine.BadAnswer, match=says):
        engine.check_answer(definition().node(node), value)


def _broken(change: str) -> dict[str, Any]:
    data = copy.deepcopy(sample())
    nodes = data["nodes"]
    if change == "cycle":
        nodes[4]["next"] = [{"goto": "awake"}]
    elif change == "dangling":
        nodes[2]["next"] = [{"goto": "nowhere"}]
    elif change == "unreachable":
        nodes.append({"id": "lost", "kind": "end", "text": texts("Lost")})
    elif change == "condition_on_instruction":
        data["determinants"][1]["when"] = {"node": "push", "equals": True}
    elif change == "missing_language":
        del nodes[0]["text"]["kaa"]
    elif change == "no_guidance":
        data["guidance"] = []
    elif change == "conditional_last_branch":
        nodes[0]["next"] = [{"when": {"node": "awake", "equals": True}, "goto": "done"}]
    elif change == "unknown_choice":
        nodes[3]["next"][0]["when"] = {"node": "breathing", "one_of": ["snoring"]}
    elif change == "metronome_without_rate":
        del nodes[4]["timer"]["rate_per_min"]
    elif change == "equals_not_a_choice":
        nodes[3]["next"][0]["when"] = {"node": "breathing", "equals": "snoring"}
    elif change == "equals_wrong_type":
        nodes[0]["next"][0]["when"] = {"node": "awake", "equals": "yes"}
    elif change == "duplicate_node":
        nodes.append(copy.deepcopy(nodes[0]))
    return data


@pytest.mark.parametrize(
    "change",
    [
        "cycle",
        "dangling",
        "unreachable",
        "condition_on_instruction",
        "missing_language",
        "no_guidance",
        "conditional_last_branch",
        "unknown_choice",
        "metronome_without_rate",
        "duplicate_node",
        "equals_not_a_choice",
        "equals_wrong_type",
    ],
)
def test_a_definition_that_would_walk_wrong_is_refused(change: str) -> None:
    with pytest.raises(ValidationError):
        Definition.model_validate(_broken(change))
