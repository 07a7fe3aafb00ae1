"""Evaluations: a specialist scores a call; a change is a new revision, the old ones stay."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.calls import service as calls
from dispatch.calls.lifecycle import CallStatus
from dispatch.core.actor import Actor
from dispatch.errors import Conflict, Invalid, NotFound, PermissionDenied
from dispatch.qa import names, plans, protocol_compliance, scorecards, scoring, sources
from dispatch.qa.models import Calibration, Evaluation, EvaluationRevision, Scorecard
from dispatch.qa.schemas import (
    AnswerIn,
    AnswerValue,
    EvaluationCreate,
    EvaluationOut,
    EvaluationRevise,
    RevisionOut,
    ScorecardDefinition,
    SectionScoreOut,
)

OVER = frozenset({CallStatus.ENDED.value, CallStatus.ABANDONED.value, CallStatus.DROPPED.value})


@dataclass(frozen=True)
class Current:
    """An evaluation, its newest revision and the scorecard version it was made on."""

    evaluation: Evaluation
    revision: EvaluationRevision
    scorecard: Scorecard


async def create_evaluation(
    session: AsyncSession, actor: Actor, data: EvaluationCreate, *, now: datetime
) -> EvaluationOut:
    """Score a call; a call in no plan is scored too, marked ``in_plan: false``."""
    call = await calls.get_call(session, data.call_id)
    if call.status not in OVER:
        raise Conflict(f"call {call.id} is {call.status}; score it once it is over")
    calibration = None
    if data.calibration_id is not None:
        calibration = await _calibration(session, actor, data)
        card = await scorecards.get_by_id(session, calibration.scorecard_id, share=True)
    else:
        # FOR SHARE: a concurrent edit of this (so far unused) version waits for the score.
        card = await scorecards.get_version(
            session, data.scorecard, data.scorecard_version, share=True
        )
    await _check_first(session, actor, call.id, data.calibration_id)
    definition = scorecards.definition(card)
    answers = await with_protocol_items(session, definition, call.id, data.answers)
    result = scoring.score(definition, _values(answers))
    chosen_by = await plans.plans_of_call(session, call.id)
    evaluation = Evaluation(
        id=uuid.uuid4(),
        call_id=call.id,
        scorecard_id=card.id,
        evaluator=actor.username,
        operator=call.operator,
        call_at=call.created_at,
        # A calibration score is practice, not the call's official evaluation in a plan.
        plan_id=chosen_by[0] if chosen_by and calibration is None else None,
        in_plan=bool(chosen_by) and calibration is None,
        calibration_id=calibration.id if calibration else None,
        revision=1,
        score=result.score,
        level=result.level,
        created_at=now,
        updated_at=now,
    )
    session.add(evaluation)
    try:
        await session.flush()
    except IntegrityError as exc:  # the same specialist's second submit, side by side
        raise Conflict(f"you already evaluated call {call.id}; reload to see it") from exc
    revision = _revision(evaluation, 1, answers, data.comment, None, result, actor, now)
    session.add(revision)
    await session.flush()
    await audit.record(
        session,
        actor,
        "qa.evaluation.create",
        "qa_evaluation",
        str(evaluation.id),
        {
            "call_id": str(call.id),
            "scorecard": f"{card.key}@{card.version}",
            "score": result.score,
            "level": result.level,
            "in_plan": evaluation.in_plan,
        },
        at=now,
    )
    return to_out(Current(evaluation, revision, card))


async def revise(
    session: AsyncSession,
    actor: Actor,
    evaluation_id: uuid.UUID,
    data: EvaluationRevise,
    *,
    now: datetime,
) -> EvaluationOut:
    """A new revision of the specialist's own evaluation, on the same scorecard version."""
    evaluation = await session.scalar(
        select(Evaluation).where(Evaluation.id == evaluation_id).with_for_update(key_share=True)
    )
    if evaluation is None:
        raise NotFound(f"no evaluation with id {evaluation_id}")
    if evaluation.evaluator != actor.username:
        raise PermissionDenied(
            f"evaluation {evaluation_id} is {evaluation.evaluator}'s; only they revise it"
        )
    card = await scorecards.get_by_id(session, evaluation.scorecard_id)
    definition = scorecards.definition(card)
    answers = await with_protocol_items(session, definition, evaluation.call_id, data.answers)
    result = scoring.score(definition, _values(answers))
    number = evaluation.revision + 1
    revision = _revision(evaluation, number, answers, data.comment, data.reason, result, actor, now)
    session.add(revision)
    evaluation.revision = number
    evaluation.score = result.score
    evaluation.level = result.level
    evaluation.updated_at = now
    await session.flush()
    await audit.record(
        session,
        actor,
        "qa.evaluation.revise",
        "qa_evaluation",
        str(evaluation.id),
        {"revision": number, "score": result.score, "level": result.level},
        at=now,
    )
    return to_out(Current(evaluation, revision, card))


async def get_evaluation(session: AsyncSession, evaluation_id: uuid.UUID) -> EvaluationOut:
    """An evaluation with every revision, oldest first."""
    found = await current(session, evaluation_id=evaluation_id)
    if not found:
        raise NotFound(f"no evaluation with id {evaluation_id}")
    rows = await session.scalars(
        select(EvaluationRevision)
        .where(EvaluationRevision.evaluation_id == evaluation_id)
        .order_by(EvaluationRevision.revision)
    )
    out = to_out(found[0])
    out.revisions = [_revision_out(r) for r in rows]
    return out


async def current(
    session: AsyncSession,
    *,
    evaluation_id: uuid.UUID | None = None,
    call_id: uuid.UUID | None = None,
    operator: str | None = None,
    evaluator: str | None = None,
    plan_id: uuid.UUID | None = None,
    calibration_id: uuid.UUID | None = None,
    official: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Current]:
    """Evaluations with their newest revisions, matching every filter given, by call time."""
    query = _current_query()
    conditions = {
        Evaluation.id: evaluation_id,
        Evaluation.call_id: call_id,
        Evaluation.operator: operator,
        Evaluation.evaluator: evaluator,
        Evaluation.plan_id: plan_id,
        Evaluation.calibration_id: calibration_id,
    }
    for column, value in conditions.items():
        if value is not None:
            query = query.where(column == value)
    if official is not None:
        query = query.where(
            Evaluation.calibration_id.is_(None)
            if official
            else Evaluation.calibration_id.is_not(None)
        )
    if since is not None:
        query = query.where(Evaluation.call_at >= since)
    if until is not None:
        query = query.where(Evaluation.call_at < until)
    query = query.order_by(Evaluation.call_at, Evaluation.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    rows = (await session.execute(query)).all()
    return [Current(e, r, s) for e, r, s in rows]


def _current_query() -> Select[Evaluation, EvaluationRevision, Scorecard]:
    return (
        select(Evaluation, EvaluationRevision, Scorecard)
        .join(
            EvaluationRevision,
            and_(
                EvaluationRevision.evaluation_id == Evaluation.id,
                EvaluationRevision.revision == Evaluation.revision,
            ),
        )
        .join(Scorecard, Scorecard.id == Evaluation.scorecard_id)
    )


async def named(session: AsyncSession, found: list[EvaluationOut]) -> list[EvaluationOut]:
    """The evaluations with the specialist's and the operator's full names beside them."""
    people = await names.load(session, "en")
    for out in found:
        out.evaluator_name = people.person(out.evaluator)
        out.operator_name = people.person(out.operator)
    return found


def to_out(found: Current) -> EvaluationOut:
    """The evaluation with its newest revision's result."""
    e, r, s = found.evaluation, found.revision, found.scorecard
    latest = _revision_out(r)
    return EvaluationOut(
        id=e.id,
        call_id=e.call_id,
        scorecard=s.key,
        scorecard_version=s.version,
        evaluator=e.evaluator,
        operator=e.operator,
        call_at=e.call_at,
        in_plan=e.in_plan,
        plan_id=e.plan_id,
        calibration_id=e.calibration_id,
        revision=e.revision,
        score=latest.score,
        raw_score=latest.raw_score,
        level=latest.level,
        critical_failures=latest.critical_failures,
        deviations=latest.deviations,
        sections=latest.sections,
        answers=latest.answers,
        comment=latest.comment,
        created_at=e.created_at,
        updated_at=e.updated_at,
    )


def _revision_out(row: EvaluationRevision) -> RevisionOut:
    return RevisionOut(
        revision=row.revision,
        answers={k: AnswerIn.model_validate(v) for k, v in row.answers.items()},
        comment=row.comment,
        score=row.score,
        raw_score=row.raw_score,
        level=row.level,
        critical_failures=row.critical_failures,
        deviations=row.deviations,
        sections=[SectionScoreOut.model_validate(s) for s in row.sections],
        reason=row.reason,
        created_at=row.created_at,
        created_by=row.created_by,
    )


async def with_protocol_items(
    session: AsyncSession,
    definition: ScorecardDefinition,
    call_id: uuid.UUID,
    answers: Mapping[str, AnswerIn],
) -> dict[str, AnswerIn]:
    """The specialist's answers with the items scored from the protocols walked on the call's
    card (issue 25); a hand-given answer to such an item is refused (422)."""
    sourced = [item for section in definition.sections for item in section.items if item.source]
    if not sourced:
        return dict(answers)
    by_hand = [item.key for item in sourced if item.key in answers]
    if by_hand:
        raise Invalid(
            f"answers: {', '.join(by_hand)} are scored from the recorded protocol, not by hand"
        )
    card_id = await sources.card_id_for_call(session, call_id)
    walks = await protocol_compliance.of_card(session, card_id) if card_id else []
    scored = {
        item.key: AnswerIn(
            answer=protocol_compliance.item_answer(item.source, item.within_s, walks),
            comment="scored from the recorded protocol",
        )
        for item in sourced
        if item.source is not None
    }
    return {**answers, **scored}


def _values(answers: Mapping[str, AnswerIn]) -> dict[str, AnswerValue]:
    return {key: answer.answer for key, answer in answers.items()}


def _revision(
    evaluation: Evaluation,
    number: int,
    answers: Mapping[str, AnswerIn],
    comment: str | None,
    reason: str | None,
    result: scoring.Result,
    actor: Actor,
    now: datetime,
) -> EvaluationRevision:
    return EvaluationRevision(
        evaluation_id=evaluation.id,
        revision=number,
        answers={k: v.model_dump(mode="json") for k, v in answers.items()},
        comment=comment,
        score=result.score,
        raw_score=result.raw_score,
        level=result.level,
        critical_failures=result.critical_failures,
        deviations=result.deviations,
        sections=[{"key": s.key, "weight": s.weight, "score": s.score} for s in result.sections],
        reason=reason,
        created_at=now,
        created_by=actor.username,
    )


async def _calibration(session: AsyncSession, actor: Actor, data: EvaluationCreate) -> Calibration:
    calibration = await session.get(Calibration, data.calibration_id)
    if calibration is None:
        raise NotFound(f"no calibration session with id {data.calibration_id}")
    if str(data.call_id) not in calibration.call_ids:
        raise Invalid(f"call {data.call_id} is not one of calibration {calibration.id}'s calls")
    if calibration.evaluators and actor.username not in calibration.evaluators:
        raise PermissionDenied(
            f"calibration {calibration.id} is for {', '.join(calibration.evaluators)}"
        )
    card = await scorecards.get_by_id(session, calibration.scorecard_id)
    asked = (data.scorecard, data.scorecard_version)
    if asked[0] != card.key or asked[1] not in (None, card.version):
        raise Invalid(
            f"calibration {calibration.id} scores on scorecard {card.key!r} version "
            f"{card.version}, not {data.scorecard!r}"
        )
    return calibration


async def _check_first(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, calibration_id: uuid.UUID | None
) -> None:
    query = select(Evaluation.id).where(
        Evaluation.call_id == call_id, Evaluation.evaluator == actor.username
    )
    if calibration_id is None:
        query = query.where(Evaluation.calibration_id.is_(None))
    else:
        query = query.where(Evaluation.calibration_id == calibration_id)
    earlier = await session.scalar(query)
    if earlier is not None:
        raise Conflict(
            f"you already evaluated call {call_id} (evaluation {earlier}); change it with "
            f"PUT /api/v1/qa/evaluations/{earlier}, which keeps the earlier revision"
        )
