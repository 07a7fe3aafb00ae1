"""Protocol compliance (issue 25): what the operator did with a protocol, from the walk recorded
on the card — the key questions of the walked path asked, its instructions given, the time from
the protocol's start to the first instruction — for scorecard items scored from the protocol and
for the QA report per protocol and per operator.

A walk's path is replayed from its version's definition with the answers given
(``protocols.engine.walk``): the questions on it (the one the walk stopped at included) are the
key questions the operator should have asked, the instructions on it those they should have
given. Entry questions count as key questions too.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.cards import protocol_runs
from dispatch.protocols import engine, service
from dispatch.protocols.definition import Definition
from dispatch.qa.schemas import AnswerValue, ProtocolSource

# Without a threshold on the item: the first instruction within two minutes of the start.
DEFAULT_WITHIN_S = 120

if TYPE_CHECKING:
    from dispatch.cards.models import ProtocolRun


@dataclass(frozen=True, slots=True)
class Compliance:
    """One walk measured against its path."""

    code: str
    version: int
    operator: str | None
    asked: int
    questions: int
    given: int
    instructions: int
    first_instruction_s: float | None

    @property
    def complete(self) -> bool:
        """Every key question asked and every instruction given."""
        return self.asked == self.questions and self.given == self.instructions


def measure(run: ProtocolRun, definition: Definition, operator: str | None = None) -> Compliance:
    """How the walk of ``run`` went against the path its answers lead along."""
    answers = {a["node"]: a["raw"] for a in run.answers}
    given = {g["node"]: datetime.fromisoformat(g["at"]) for g in run.given}
    walked = engine.walk(definition, answers, set(given))
    kinds = {node.id: node.kind for node in definition.nodes}
    questions = [n for n in walked.path if kinds[n] == "question"]
    instructions = [n for n in walked.path if kinds[n] == "instruction"]
    first = min((given[n] for n in instructions if n in given), default=None)
    return Compliance(
        code=run.protocol_code,
        version=run.protocol_version,
        operator=operator,
        asked=sum(1 for n in questions if n in answers),
        questions=len(questions),
        given=sum(1 for n in instructions if n in given),
        instructions=len(instructions),
        first_instruction_s=None
        if first is None
        else max(0.0, (first - run.started_at).total_seconds()),
    )


class _Definitions:
    """Definitions by version id, each read once."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.known: dict[uuid.UUID, Definition] = {}

    async def of(self, run: ProtocolRun) -> Definition:
        found = self.known.get(run.protocol_version_id)
        if found is None:
            version = await service.get_version(self.session, run.protocol_version_id)
            found = self.known[run.protocol_version_id] = service.definition_of(version)
        return found


async def of_card(session: AsyncSession, card_id: uuid.UUID) -> list[Compliance]:
    """The walks on a card, measured."""
    definitions = _Definitions(session)
    return [
        measure(run, await definitions.of(run), run.started_by)
        for run in await protocol_runs.runs_of(session, card_id)
    ]


def item_answer(
    source: ProtocolSource, within_s: int | None, walks: Sequence[Compliance]
) -> AnswerValue:
    """A scorecard item scored from the protocols walked on the call's card: ``na`` when no
    walk (or nothing on the path) applies, else ``yes`` only when every walk complied."""
    if source is ProtocolSource.KEY_QUESTIONS:
        applying = [w for w in walks if w.questions]
        ok = all(w.asked == w.questions for w in applying)
    elif source is ProtocolSource.INSTRUCTIONS:
        applying = [w for w in walks if w.instructions]
        ok = all(w.given == w.instructions for w in applying)
    else:
        limit = DEFAULT_WITHIN_S if within_s is None else within_s
        applying = [w for w in walks if w.instructions]
        ok = all(
            w.first_instruction_s is not None and w.first_instruction_s <= limit for w in applying
        )
    if not applying:
        return AnswerValue.NA
    return AnswerValue.YES if ok else AnswerValue.NO


class ProtocolRow(BaseModel):
    """Compliance with one protocol (or of one operator with it) over the period."""

    protocol: str
    operator: str | None = None
    walks: int
    complete: int
    key_questions_asked: float  # share of the key questions on the walked paths, 0..1
    instructions_given: float  # share of the instructions on the walked paths, 0..1
    median_first_instruction_s: float | None


def _row(protocol: str, operator: str | None, walks: Sequence[Compliance]) -> ProtocolRow:
    questions = sum(w.questions for w in walks)
    instructions = sum(w.instructions for w in walks)
    firsts = [w.first_instruction_s for w in walks if w.first_instruction_s is not None]
    return ProtocolRow(
        protocol=protocol,
        operator=operator,
        walks=len(walks),
        complete=sum(1 for w in walks if w.complete),
        key_questions_asked=round(sum(w.asked for w in walks) / questions, 3) if questions else 1.0,
        instructions_given=round(sum(w.given for w in walks) / instructions, 3)
        if instructions
        else 1.0,
        median_first_instruction_s=round(statistics.median(firsts), 1) if firsts else None,
    )


def rows(walks: Iterable[Compliance]) -> tuple[list[ProtocolRow], list[ProtocolRow]]:
    """Per protocol, and per protocol and operator."""
    by_protocol: defaultdict[str, list[Compliance]] = defaultdict(list)
    by_operator: defaultdict[tuple[str, str], list[Compliance]] = defaultdict(list)
    for walk in walks:
        by_protocol[walk.code].append(walk)
        by_operator[(walk.code, walk.operator or "")].append(walk)
    protocols = [_row(code, None, found) for code, found in sorted(by_protocol.items())]
    operators = [
        _row(code, operator or None, found)
        for (code, operator), found in sorted(by_operator.items())
    ]
    return protocols, operators


async def report(
    session: AsyncSession, start: datetime, end: datetime, *, operator: str | None = None
) -> tuple[list[ProtocolRow], list[ProtocolRow]]:
    """Compliance of the walks started in ``start``..``end`` (of one operator)."""
    definitions = _Definitions(session)
    walks = []
    for run in await protocol_runs.runs_between(session, start, end):
        if operator is not None and run.started_by != operator:
            continue
        walks.append(measure(run, await definitions.of(run), run.started_by))
    return rows(walks)
