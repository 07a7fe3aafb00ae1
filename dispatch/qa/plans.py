"""Sampling plans: the period's calls, flagged and drawn (``sampling``), stored with the seed."""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.core.actor import Actor
from dispatch.errors import Invalid, NotFound
from dispatch.qa import names, sampling, sources
from dispatch.qa.models import Evaluation, Plan, PlanCall
from dispatch.qa.schemas import MAX_SEED, PlanCallOut, PlanCreate, PlanOut, StratumOut

MAX_DAYS = 92


def period(date_from: date, date_to: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the local days ``date_from`` to ``date_to``."""
    start = datetime.combine(date_from, time(0), tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


async def create_plan(
    session: AsyncSession,
    actor: Actor,
    data: PlanCreate,
    *,
    now: datetime,
    tz: ZoneInfo,
    long_handle_s: float,
    language: str = "en",
) -> PlanOut:
    """Draw and store a plan for the period; the answer lists its calls (names in
    ``language``)."""
    today = now.astimezone(tz).date()
    if data.date_to < data.date_from:
        raise Invalid(f"date_to ({data.date_to}) is before date_from ({data.date_from})")
    if (data.date_to - data.date_from).days >= MAX_DAYS:
        raise Invalid(f"a plan covers at most {MAX_DAYS} days; split the period")
    if data.date_from > today:
        raise Invalid(f"date_from ({data.date_from}) is in the future (today is {today})")
    start, end = period(data.date_from, data.date_to, tz)
    facts = await sources.calls_in_period(session, start, end)
    exhausted = await sources.callbacks_exhausted(session, [c.id for c in facts])
    takeovers = await sources.taken_over(session, start, end)
    candidates = [
        sampling.Candidate(
            call_id=c.id,
            at=c.created_at,
            operator=c.operator,
            channel=c.channel,
            incident_type=c.incident_type,
            flags=_flags(c, exhausted, takeovers, long_handle_s),
        )
        for c in facts
    ]
    seed = data.seed if data.seed is not None else secrets.randbelow(MAX_SEED + 1)
    chosen = sampling.draw(
        candidates,
        share=data.share,
        min_per_operator=data.min_per_operator,
        min_per_stratum=data.min_per_stratum,
        seed=seed,
    )
    plan = Plan(
        id=uuid.uuid4(),
        date_from=data.date_from,
        date_to=data.date_to,
        share=data.share,
        min_per_operator=data.min_per_operator,
        min_per_stratum=data.min_per_stratum,
        seed=seed,
        long_handle_s=long_handle_s,
        population=len(candidates),
        strata=dict(sorted(Counter(c.stratum for c in candidates).items())),
        note=data.note,
        created_at=now,
        created_by=actor.username,
    )
    session.add(plan)
    await session.flush()
    by_id = {c.call_id: c for c in candidates}
    for call_id, reasons in chosen.items():
        c = by_id[call_id]
        session.add(
            PlanCall(
                plan_id=plan.id,
                call_id=call_id,
                call_at=c.at,
                operator=c.operator,
                channel=c.channel,
                incident_type=c.incident_type,
                stratum=c.stratum,
                reasons=reasons,
            )
        )
    await session.flush()
    await audit.record(
        session,
        actor,
        "qa.plan.create",
        "qa_plan",
        str(plan.id),
        {"population": plan.population, "chosen": len(chosen), "seed": seed},
        at=now,
    )
    return await get_plan(session, plan.id, language=language)


def _flags(
    call: sources.CallFacts,
    exhausted: set[uuid.UUID],
    takeovers: set[uuid.UUID],
    long_handle_s: float,
) -> tuple[str, ...]:
    flags = []
    if sources.abandoned(call):
        flags.append(sampling.FLAG_ABANDONED)
    if call.id in exhausted:
        flags.append(sampling.FLAG_CALLBACK_EXHAUSTED)
    if call.id in takeovers:
        flags.append(sampling.FLAG_TAKEOVER)
    if call.talk_seconds is not None and call.talk_seconds > long_handle_s:
        flags.append(sampling.FLAG_LONG_HANDLE)
    return tuple(flags)


async def get_plan(session: AsyncSession, plan_id: uuid.UUID, *, language: str = "en") -> PlanOut:
    """A plan with its calls, each with how many official evaluations it has; people's full
    names and incident type, channel and stratum names in ``language`` beside the codes."""
    plan = await session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"no sampling plan with id {plan_id}")
    rows = list(
        (
            await session.scalars(
                select(PlanCall)
                .where(PlanCall.plan_id == plan_id)
                .order_by(PlanCall.call_at, PlanCall.call_id)
            )
        ).all()
    )
    counted = await session.execute(
        select(Evaluation.call_id, func.count())
        .join(PlanCall, PlanCall.call_id == Evaluation.call_id)
        .where(PlanCall.plan_id == plan_id, Evaluation.calibration_id.is_(None))
        .group_by(Evaluation.call_id)
    )
    counts: dict[uuid.UUID, int] = {row[0]: row[1] for row in counted}
    named = await names.load(session, language)
    out = _summary(plan, rows, named)
    out.calls = [
        PlanCallOut(
            call_id=r.call_id,
            call_at=r.call_at,
            operator=r.operator,
            operator_name=named.person(r.operator),
            channel=r.channel,
            channel_name=named.channel(r.channel),
            incident_type=r.incident_type,
            incident_type_name=named.incident_type(r.incident_type),
            stratum=r.stratum,
            stratum_name=named.stratum(r.stratum),
            reasons=r.reasons,
            evaluations=counts.get(r.call_id, 0),
        )
        for r in rows
    ]
    return out


async def list_plans(
    session: AsyncSession, *, limit: int, offset: int, language: str = "en"
) -> list[PlanOut]:
    """Plans newest first, with their summaries (not their calls), names in ``language``."""
    plans = list(
        (
            await session.scalars(
                select(Plan).order_by(Plan.created_at.desc(), Plan.id).limit(limit).offset(offset)
            )
        ).all()
    )
    rows = (
        await session.scalars(select(PlanCall).where(PlanCall.plan_id.in_([p.id for p in plans])))
    ).all()
    by_plan: dict[uuid.UUID, list[PlanCall]] = {}
    for row in rows:
        by_plan.setdefault(row.plan_id, []).append(row)
    named = await names.load(session, language)
    return [_summary(p, by_plan.get(p.id, []), named) for p in plans]


async def plans_of_call(session: AsyncSession, call_id: uuid.UUID) -> list[uuid.UUID]:
    """The plans that chose the call, newest first."""
    rows = await session.scalars(
        select(Plan.id)
        .join(PlanCall, PlanCall.plan_id == Plan.id)
        .where(PlanCall.call_id == call_id)
        .order_by(Plan.created_at.desc(), Plan.id)
    )
    return list(rows.all())


def _summary(plan: Plan, rows: list[PlanCall], named: names.Names) -> PlanOut:
    reasons = Counter(reason for r in rows for reason in r.reasons)
    chosen = Counter(r.stratum for r in rows)
    drawn = Counter(r.stratum for r in rows if sampling.RANDOM in r.reasons)
    operators = dict(sorted(Counter(r.operator for r in rows if r.operator).items()))
    return PlanOut(
        id=plan.id,
        date_from=plan.date_from,
        date_to=plan.date_to,
        share=plan.share,
        min_per_operator=plan.min_per_operator,
        min_per_stratum=plan.min_per_stratum,
        seed=plan.seed,
        long_handle_s=plan.long_handle_s,
        population=plan.population,
        chosen=len(rows),
        reasons=dict(sorted(reasons.items())),
        strata=[
            StratumOut(
                stratum=key,
                stratum_name=named.stratum(key),
                population=size,
                chosen=chosen[key],
                random=drawn[key],
            )
            for key, size in sorted(plan.strata.items())
        ],
        operators=operators,
        operator_names=named.people_of(operators),
        note=plan.note,
        created_at=plan.created_at,
        created_by=plan.created_by,
        created_by_name=named.person(plan.created_by),
    )
