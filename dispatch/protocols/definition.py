"""A protocol as data (issue 24): the questions an operator asks, the instructions they give,
and the determinants that set the card's priority and services from the answers.

A definition is a directed acyclic graph of nodes walked from ``start``: a ``question`` has a
typed answer and branches (the first whose condition holds is taken), an ``instruction`` is
given and may run a timer (a metronome for CPR compressions with hand-over prompts, a stopwatch
for the time since onset, a counter for contractions), an ``end`` closes the walk. Determinants
are tried in their order (most severe first); the first whose condition holds proposes the
priority, the services, a risk level and whether a supervisor or a specialist must be involved.

Texts are given in every language the consoles speak to callers: Uzbek (Latin), Russian,
Karakalpak and English. A definition names the published guidance it follows. Own codes only:
no codes or text of proprietary protocol systems.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

LANGUAGES = ("uz", "ru", "kaa", "en")
CODE_PATTERN = r"^[a-z][a-z0-9_]{1,47}$"
NODE_PATTERN = r"^[a-z][a-z0-9_]{0,47}$"
DETERMINANT_PATTERN = r"^[A-Z]{2,8}-[0-9]{1,3}$"
INCIDENT_TYPE_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$"
SERVICE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_.-]{0,31}$"
MAX_NODES = 200

# Texts go onto cards as XML: no control characters XML 1.0 cannot carry.
WRITABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]*$"
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000, pattern=WRITABLE),
]
AnswerValue = bool | float | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(_Strict):
    """One text in each language a caller may speak with the operator."""

    uz: Text
    ru: Text
    kaa: Text
    en: Text


class Choice(_Strict):
    """One answer of a ``choice`` question."""

    code: Annotated[str, StringConstraints(pattern=NODE_PATTERN)]
    text: Texts


class Answer(_Strict):
    """What a question's answer is: yes/no, one of the choices, a number (within bounds, in a
    unit), or free text."""

    type: Literal["yes_no", "choice", "number", "text"]
    choices: tuple[Choice, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    unit: Annotated[str, StringConstraints(max_length=16)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.type == "choice":
            codes = [choice.code for choice in self.choices]
            if len(codes) < 2 or len(set(codes)) != len(codes):
                raise ValueError("a choice answer needs at least two choices with unique codes")
        elif self.choices:
            raise ValueError(f"a {self.type} answer has no choices")
        if self.type != "number" and (self.minimum is not None or self.maximum is not None):
            raise ValueError("only a number answer has bounds")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum is above maximum")
        return self


class Condition(_Strict):
    """A test on the answers: on one node (``equals``, ``one_of``, ``at_least``, ``at_most``,
    ``answered``), or ``all``/``any`` of other conditions."""

    node: Annotated[str, StringConstraints(pattern=NODE_PATTERN)] | None = None
    equals: AnswerValue | None = None
    one_of: tuple[str, ...] | None = None
    at_least: float | None = None
    at_most: float | None = None
    answered: bool | None = None
    all: tuple[Condition, ...] | None = None
    any: tuple[Condition, ...] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        tests = [self.equals, self.one_of, self.at_least, self.at_most, self.answered]
        combined = self.all is not None or self.any is not None
        if combined and (self.node is not None or any(t is not None for t in tests)):
            raise ValueError("a condition is either all/any of others or a test on one node")
        if self.all is not None and self.any is not None:
            raise ValueError("a condition has all or any, not both")
        if not combined and (self.node is None or not any(t is not None for t in tests)):
            raise ValueError("a condition on a node names the node and at least one test")
        return self

    def nodes(self) -> Iterator[str]:
        """The nodes this condition reads."""
        if self.node is not None:
            yield self.node
        for part in (*(self.all or ()), *(self.any or ())):
            yield from part.nodes()


class Branch(_Strict):
    """Where the walk goes next: the first branch whose ``when`` holds (none: always)."""

    when: Condition | None = None
    goto: Annotated[str, StringConstraints(pattern=NODE_PATTERN)]


class Timer(_Strict):
    """What runs while an instruction is given: a metronome (compressions per minute, a prompt
    to hand over every so many seconds), a stopwatch, or a counter the operator taps."""

    kind: Literal["metronome", "stopwatch", "counter"]
    rate_per_min: Annotated[int, Field(ge=20, le=200)] | None = None
    handover_every_s: Annotated[int, Field(ge=30, le=600)] | None = None
    label: Texts | None = None

    @model_validator(mode="after")
    def _metronome_has_rate(self) -> Self:
        if (self.kind == "metronome") != (self.rate_per_min is not None):
            raise ValueError("a metronome, and only a metronome, has rate_per_min")
        if self.kind != "metronome" and self.handover_every_s is not None:
            raise ValueError("only a metronome prompts a hand-over")
        return self


class Node(_Strict):
    """A step of the walk."""

    id: Annotated[str, StringConstraints(pattern=NODE_PATTERN)]
    kind: Literal["question", "instruction", "end"]
    text: Texts
    entry: bool = False  # an entry question (asked of every call) rather than a key question
    answer: Answer | None = None
    timer: Timer | None = None
    next: tuple[Branch, ...] = ()

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if (self.kind == "question") != (self.answer is not None):
            raise ValueError(f"node {self.id}: a question, and only a question, has an answer")
        if self.timer is not None and self.kind != "instruction":
            raise ValueError(f"node {self.id}: only an instruction has a timer")
        if self.kind == "end" and self.next:
            raise ValueError(f"node {self.id}: an end has no next")
        if self.kind != "end" and not self.next:
            raise ValueError(f"node {self.id}: a {self.kind} needs next")
        if self.next and self.next[-1].when is not None:
            raise ValueError(f"node {self.id}: the last branch must have no condition")
        return self


class Determinant(_Strict):
    """A finding from the answers: the priority and services it proposes, a risk level, and
    whether the call must be escalated before the card can be closed."""

    code: Annotated[str, StringConstraints(pattern=DETERMINANT_PATTERN)]
    title: Texts
    when: Condition
    priority: Annotated[int, Field(ge=1, le=5)]
    services: tuple[Annotated[str, StringConstraints(pattern=SERVICE_PATTERN)], ...] = ()
    risk: Literal["low", "moderate", "high"] | None = None
    escalation_required: bool = False


class Guidance(_Strict):
    """The published guidance a protocol follows."""

    title: Annotated[str, StringConstraints(min_length=3, max_length=300)]
    publisher: Annotated[str, StringConstraints(min_length=2, max_length=200)]
    year: Annotated[int, Field(ge=1950, le=2100)]
    url: Annotated[str, StringConstraints(pattern=r"^https://\S+$", max_length=500)] | None = None


class Definition(_Strict):
    """A whole protocol: what it is for, the guidance it follows, its graph and determinants."""

    code: Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
    title: Texts
    incident_types: tuple[Annotated[str, StringConstraints(pattern=INCIDENT_TYPE_PATTERN)], ...]
    guidance: Annotated[tuple[Guidance, ...], Field(min_length=1)]
    start: Annotated[str, StringConstraints(pattern=NODE_PATTERN)]
    nodes: Annotated[tuple[Node, ...], Field(min_length=2, max_length=MAX_NODES)]
    determinants: tuple[Determinant, ...] = ()

    @model_validator(mode="after")
    def _graph(self) -> Self:
        by_id = {node.id: node for node in self.nodes}
        if len(by_id) != len(self.nodes):
            raise ValueError("node ids must be unique")
        if self.start not in by_id:
            raise ValueError(f"start {self.start!r} is not a node")
        for node in self.nodes:
            for branch in node.next:
                if branch.goto not in by_id:
                    raise ValueError(f"node {node.id}: goto {branch.goto!r} is not a node")
                if branch.when is not None:
                    _check_condition(branch.when, by_id, f"node {node.id}")
        codes = [determinant.code for determinant in self.determinants]
        if len(set(codes)) != len(codes):
            raise ValueError("determinant codes must be unique")
        for determinant in self.determinants:
            _check_condition(determinant.when, by_id, f"determinant {determinant.code}")
        _check_acyclic_and_reachable(self.start, by_id)
        return self

    def node(self, node_id: str) -> Node:
        """The node ``node_id`` (KeyError for none)."""
        return next(node for node in self.nodes if node.id == node_id)


def _check_condition(condition: Condition, by_id: dict[str, Node], where: str) -> None:
    for node_id in condition.nodes():
        node = by_id.get(node_id)
        if node is None or node.answer is None:
            raise ValueError(f"{where}: condition reads {node_id!r}, which is not a question")
    if condition.node is not None:
        answer = by_id[condition.node].answer
        assert answer is not None
        if condition.one_of is not None and answer.type == "choice":
            unknown = set(condition.one_of) - {choice.code for choice in answer.choices}
            if unknown:
                raise ValueError(f"{where}: {sorted(unknown)} are not choices of {condition.node}")
        if (condition.at_least is not None or condition.at_most is not None) and (
            answer.type != "number"
        ):
            raise ValueError(f"{where}: at_least/at_most need a number question")
        if condition.equals is not None and not _fits(condition.equals, answer):
            raise ValueError(f"{where}: {condition.node} never answers {condition.equals!r}")
        if condition.one_of is not None and answer.type != "choice":
            raise ValueError(f"{where}: one_of needs a choice question")


def _fits(value: AnswerValue, answer: Answer) -> bool:
    """Whether a question with this answer can ever answer ``value``."""
    if answer.type == "yes_no":
        return isinstance(value, bool)
    if answer.type == "choice":
        return value in {choice.code for choice in answer.choices}
    if answer.type == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def _check_acyclic_and_reachable(start: str, by_id: dict[str, Node]) -> None:
    done: set[str] = set()
    on_path: set[str] = set()

    def visit(node_id: str) -> None:
        if node_id in on_path:
            raise ValueError(f"the walk can loop back to {node_id!r}: a protocol has no cycles")
        if node_id in done:
            return
        on_path.add(node_id)
        for branch in by_id[node_id].next:
            visit(branch.goto)
        on_path.remove(node_id)
        done.add(node_id)

    visit(start)
    unreachable = sorted(set(by_id) - done)
    if unreachable:
        raise ValueError(f"nodes {unreachable} cannot be reached from start")
