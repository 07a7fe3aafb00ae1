"""Calibration sessions: several specialists score the same calls; the report shows how far
their scores spread and how well they agree item by item (``agreement``)."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.auth import service as auth
from dispatch.auth.roles import Role
from dispatch.calls import service as calls
from dispatch.core.actor import Actor
from dispatch.errors import Invalid, NotFound
from dispatch.qa import agreement, evaluations, names, scorecards
from dispatch.qa.models import Calibration, Scorecard
from dispatch.qa.schemas import (
    CalibrationCreate,
    CalibrationOut,
    CallSpread,
    ItemAgreement,
    PairKappa,
)


async def create_calibration(
    session: AsyncSession,
    actor: Actor,
    data: CalibrationCreate,
    *,
    now: datetime,
    language: str = "en",
) -> CalibrationOut:
    """A calibration session on existing calls, for QA specialists."""
    card = await scorecards.get_version(session, data.scorecard, data.scorecard_version)
    ids = [str(c) for c in data.call_ids]
    if len(set(ids)) != len(ids):
        raise Invalid("call_ids: a call is listed twice")
    for call_id in data.call_ids:
        try:
            await calls.get_call(session, call_id)
        except NotFound as exc:
            raise Invalid(f"call_ids: no call with id {call_id}") from exc
    for name in data.evaluators:
        try:
            user = await auth.get_user(session, name)
        except NotFound as exc:
            raise Invalid(f"evaluators: there is no account {name!r}") from exc
        if user.role != Role.QA.value:
            raise Invalid(f"evaluators: {name} is a {user.role}, not a QA specialist")
    row = Calibration(
        id=uuid.uuid4(),
        title=data.title,
        scorecard_id=card.id,
        call_ids=ids,
        evaluators=sorted(set(data.evaluators)),
        kappa_threshold=data.kappa_threshold,
        created_at=now,
        created_by=actor.username,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor,
        "qa.calibration.create",
        "qa_calibration",
        str(row.id),
        {"calls": len(ids), "scorecard": f"{card.key}@{card.version}"},
        at=now,
    )
    return await report(session, row, card, await names.load(session, language))


async def get_calibration(
    session: AsyncSession, calibration_id: uuid.UUID, *, language: str = "en"
) -> CalibrationOut:
    """A calibration session with its report as it stands now, names in ``language``."""
    row = await session.get(Calibration, calibration_id)
    if row is None:
        raise NotFound(f"no calibration session with id {calibration_id}")
    card = await scorecards.get_by_id(session, row.scorecard_id)
    return await report(session, row, card, await names.load(session, language))


async def list_calibrations(
    session: AsyncSession, *, limit: int, language: str = "en"
) -> list[CalibrationOut]:
    """Calibration sessions, newest first, each with its report, names in ``language``."""
    rows = await session.scalars(
        select(Calibration).order_by(Calibration.created_at.desc(), Calibration.id).limit(limit)
    )
    named = await names.load(session, language)
    return [
        await report(session, row, await scorecards.get_by_id(session, row.scorecard_id), named)
        for row in rows.all()
    ]


async def report(
    session: AsyncSession, row: Calibration, card: Scorecard, named: names.Names
) -> CalibrationOut:
    """Spread of scores per call, kappa per item and pair, flagged items; full names and
    item and section titles beside the usernames and keys."""
    found = await evaluations.current(session, calibration_id=row.id)
    if row.evaluators:
        found = [f for f in found if f.evaluation.evaluator in row.evaluators]
    people = sorted({f.evaluation.evaluator for f in found})
    answers: dict[str, dict[str, dict[str, str]]] = {p: {} for p in people}
    scores: dict[str, dict[str, float]] = {c: {} for c in row.call_ids}
    levels: dict[str, dict[str, str]] = {c: {} for c in row.call_ids}
    for f in found:
        call, who = str(f.evaluation.call_id), f.evaluation.evaluator
        answers[who][call] = {k: v["answer"] for k, v in f.revision.answers.items()}
        scores[call][who] = f.revision.score
        levels[call][who] = f.revision.level

    spreads = []
    for call in row.call_ids:
        s = agreement.spread(list(scores[call].values()))
        spreads.append(
            CallSpread(
                call_id=uuid.UUID(call),
                scores=scores[call],
                levels=levels[call],
                mean=_round(s.mean),
                min=s.min,
                max=s.max,
                range=_round(s.range),
                stdev=_round(s.stdev),
            )
        )
    items = []
    definition = scorecards.definition(card)
    for section in definition.sections:
        for item in section.items:
            pairs = _pairs(people, row.call_ids, answers, item.key, named)
            mean_kappa = agreement.mean_or_none([p.kappa for p in pairs])
            items.append(
                ItemAgreement(
                    item=item.key,
                    item_title=names.text(item.text, named.language),
                    section=section.key,
                    section_title=names.text(section.title, named.language),
                    deviation=item.deviation.value,
                    pairs=pairs,
                    mean_kappa=_round(mean_kappa),
                    agreement=_round(agreement.mean_or_none([p.agreement for p in pairs])),
                    flagged=mean_kappa is not None and mean_kappa < row.kappa_threshold,
                )
            )
    means = {
        p: round(
            agreement.spread([scores[c][p] for c in row.call_ids if p in scores[c]]).mean or 0, 2
        )
        for p in people
    }
    ranges = [s.range for s in spreads if s.range is not None and len(s.scores) > 1]
    return CalibrationOut(
        id=row.id,
        title=row.title,
        scorecard=card.key,
        scorecard_version=card.version,
        call_ids=[uuid.UUID(c) for c in row.call_ids],
        evaluators=row.evaluators,
        kappa_threshold=row.kappa_threshold,
        created_at=row.created_at,
        created_by=row.created_by,
        participants=people,
        participant_names=named.people_of([*people, *row.evaluators]),
        created_by_name=named.person(row.created_by),
        calls=spreads,
        items=items,
        evaluator_means=means,
        mean_range=_round(agreement.mean_or_none(ranges)),
        flagged_items=[i.item for i in items if i.flagged],
    )


def _pairs(
    people: list[str],
    call_ids: list[str],
    answers: dict[str, dict[str, dict[str, str]]],
    item: str,
    named: names.Names,
) -> list[PairKappa]:
    pairs = []
    for first, second in itertools.combinations(people, 2):
        common = [c for c in call_ids if c in answers[first] and c in answers[second]]
        if not common:
            continue
        a = [answers[first][c][item] for c in common]
        b = [answers[second][c][item] for c in common]
        pairs.append(
            PairKappa(
                evaluators=(first, second),
                evaluator_names=(named.person(first) or first, named.person(second) or second),
                calls=len(common),
                agreement=_round(agreement.observed_agreement(a, b)),
                kappa=_round(agreement.cohen_kappa(a, b)),
            )
        )
    return pairs


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
