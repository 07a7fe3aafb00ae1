"""Reports over official evaluations (newest revisions): per operator, per operator and
shift, trends by ISO week, and the most frequent errors (deviations), by the calls' time."""

from __future__ import annotations

import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.core.actor import Actor
from dispatch.errors import Invalid
from dispatch.qa import evaluations, names, plans, protocol_compliance, scorecards
from dispatch.qa.evaluations import Current
from dispatch.qa.protocol_compliance import ProtocolRow

MAX_DAYS = 366
DAY, NIGHT = "day", "night"


class OperatorRow(BaseModel):
    """One operator's evaluations in the period."""

    operator: str | None
    operator_name: str | None = None
    evaluations: int
    mean_score: float
    min_score: float
    max_score: float
    critical_failures: int
    levels: dict[str, int]


class ShiftRow(BaseModel):
    """One operator on one shift (12 hours: day from the shift start hour, then night)."""

    operator: str | None
    operator_name: str | None = None
    shift_date: date
    shift: str
    evaluations: int
    mean_score: float
    critical_failures: int


class WeekRow(BaseModel):
    """One ISO week: the trend."""

    week: str
    week_start: date
    evaluations: int
    mean_score: float
    critical_failures: int
    levels: dict[str, int]


class ErrorRow(BaseModel):
    """An item missed (answered no) in the period, most frequent first."""

    scorecard: str
    section: str
    section_title: str = ""
    item: str
    text: str
    deviation: str
    count: int
    applicable: int
    share: float
    operators: int


class EvaluationRow(BaseModel):
    """One evaluation, for the exports."""

    evaluation_id: uuid.UUID
    call_id: uuid.UUID
    call_at: datetime
    operator: str | None
    operator_name: str | None
    shift_date: date
    shift: str
    evaluator: str
    evaluator_name: str
    scorecard: str
    scorecard_version: int
    revision: int
    score: float
    raw_score: float
    level: str
    critical_failures: str
    in_plan: bool


class Report(BaseModel):
    """The QA report of a period."""

    date_from: date
    date_to: date
    evaluations: int
    mean_score: float | None
    operators: list[OperatorRow]
    shifts: list[ShiftRow]
    weeks: list[WeekRow]
    errors: list[ErrorRow]
    # Protocol compliance of the walks started in the period (issue 25), whether evaluated or not.
    protocols: list[ProtocolRow] = []
    protocol_operators: list[ProtocolRow] = []


def shift_of(at: datetime, tz: ZoneInfo, start_hour: int) -> tuple[date, str]:
    """The shift a moment falls in: (the day it began, day or night)."""
    local = at.astimezone(tz)
    if start_hour <= local.hour < start_hour + 12:
        return local.date(), DAY
    if local.hour >= start_hour + 12:
        return local.date(), NIGHT
    return local.date() - timedelta(days=1), NIGHT


async def build(
    session: AsyncSession,
    date_from: date,
    date_to: date,
    *,
    tz: ZoneInfo,
    shift_start_hour: int,
    language: str = "en",
    operator: str | None = None,
) -> tuple[Report, list[EvaluationRow]]:
    """The report of the calls of ``date_from``..``date_to`` (local days) and its rows;
    people's full names and the scorecard's texts in ``language`` beside the codes."""
    if date_to < date_from:
        raise Invalid(f"date_to ({date_to}) is before date_from ({date_from})")
    if (date_to - date_from).days >= MAX_DAYS:
        raise Invalid(f"a report covers at most {MAX_DAYS} days")
    start, end = plans.period(date_from, date_to, tz)
    found = await evaluations.current(
        session, official=True, since=start, until=end, operator=operator
    )
    named = await names.load(session, language)
    rows = [_row(f, tz, shift_start_hour, named) for f in found]
    protocols, protocol_operators = await protocol_compliance.report(
        session, start, end, operator=operator
    )
    report = Report(
        date_from=date_from,
        date_to=date_to,
        evaluations=len(found),
        mean_score=_mean(f.revision.score for f in found) if found else None,
        operators=_operators(found, named),
        shifts=_shifts(found, rows, named),
        weeks=_weeks(found, tz),
        errors=_errors(found, language),
        protocols=protocols,
        protocol_operators=protocol_operators,
    )
    return report, rows


def _row(f: Current, tz: ZoneInfo, start_hour: int, named: names.Names) -> EvaluationRow:
    shift_date, shift = shift_of(f.evaluation.call_at, tz, start_hour)
    return EvaluationRow(
        evaluation_id=f.evaluation.id,
        call_id=f.evaluation.call_id,
        call_at=f.evaluation.call_at.astimezone(tz),
        operator=f.evaluation.operator,
        operator_name=named.person(f.evaluation.operator),
        shift_date=shift_date,
        shift=shift,
        evaluator=f.evaluation.evaluator,
        evaluator_name=named.person(f.evaluation.evaluator) or f.evaluation.evaluator,
        scorecard=f.scorecard.key,
        scorecard_version=f.scorecard.version,
        revision=f.revision.revision,
        score=f.revision.score,
        raw_score=f.revision.raw_score,
        level=f.revision.level,
        critical_failures=" ".join(f.revision.critical_failures),
        in_plan=f.evaluation.in_plan,
    )


def _mean(values: Iterable[float]) -> float:
    return round(statistics.fmean(values), 2)


def _operators(found: Sequence[Current], named: names.Names) -> list[OperatorRow]:
    groups: dict[str | None, list[Current]] = defaultdict(list)
    for f in found:
        groups[f.evaluation.operator].append(f)
    out = []
    for name in sorted(groups, key=lambda n: (n is None, n or "")):
        items = groups[name]
        scores = [f.revision.score for f in items]
        out.append(
            OperatorRow(
                operator=name,
                operator_name=named.person(name),
                evaluations=len(items),
                mean_score=_mean(scores),
                min_score=min(scores),
                max_score=max(scores),
                critical_failures=sum(1 for f in items if f.revision.critical_failures),
                levels=dict(sorted(Counter(f.revision.level for f in items).items())),
            )
        )
    return out


def _shifts(
    found: Sequence[Current], rows: Sequence[EvaluationRow], named: names.Names
) -> list[ShiftRow]:
    groups: dict[tuple[str | None, date, str], list[Current]] = defaultdict(list)
    for f, row in zip(found, rows, strict=True):
        groups[(row.operator, row.shift_date, row.shift)].append(f)
    return [
        ShiftRow(
            operator=key[0],
            operator_name=named.person(key[0]),
            shift_date=key[1],
            shift=key[2],
            evaluations=len(items),
            mean_score=_mean(f.revision.score for f in items),
            critical_failures=sum(1 for f in items if f.revision.critical_failures),
        )
        for key, items in sorted(
            groups.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or "", kv[0][1], kv[0][2])
        )
    ]


def _weeks(found: Sequence[Current], tz: ZoneInfo) -> list[WeekRow]:
    groups: dict[date, list[Current]] = defaultdict(list)
    for f in found:
        day = f.evaluation.call_at.astimezone(tz).date()
        groups[day - timedelta(days=day.weekday())].append(f)
    out = []
    for monday in sorted(groups):
        items = groups[monday]
        year, week, _ = monday.isocalendar()
        out.append(
            WeekRow(
                week=f"{year}-W{week:02d}",
                week_start=monday,
                evaluations=len(items),
                mean_score=_mean(f.revision.score for f in items),
                critical_failures=sum(1 for f in items if f.revision.critical_failures),
                levels=dict(sorted(Counter(f.revision.level for f in items).items())),
            )
        )
    return out


def _errors(found: Sequence[Current], language: str) -> list[ErrorRow]:
    missed: Counter[tuple[str, str]] = Counter()
    applicable: Counter[tuple[str, str]] = Counter()
    who: dict[tuple[str, str], set[str | None]] = defaultdict(set)
    # Texts and sections from the newest version seen of each scorecard.
    newest: dict[str, Current] = {}
    for f in found:
        key = f.scorecard.key
        if key not in newest or newest[key].scorecard.version < f.scorecard.version:
            newest[key] = f
        for name, answer in f.revision.answers.items():
            if answer["answer"] == "na":
                continue
            applicable[(key, name)] += 1
            if answer["answer"] == "no":
                missed[(key, name)] += 1
                who[(key, name)].add(f.evaluation.operator)
    described: dict[tuple[str, str], tuple[str, str, str, str]] = {}
    for key, f in newest.items():
        for section in scorecards.definition(f.scorecard).sections:
            title = names.text(section.title, language)
            for item in section.items:
                text = names.text(item.text, language)
                described[(key, item.key)] = (section.key, text, item.deviation.value, title)
    out = [
        ErrorRow(
            scorecard=ref[0],
            section=described.get(ref, ("", "", "", ""))[0],
            section_title=described.get(ref, ("", "", "", ""))[3],
            item=ref[1],
            text=described.get(ref, ("", ref[1], "", ""))[1],
            deviation=described.get(ref, ("", "", "", ""))[2],
            count=count,
            applicable=applicable[ref],
            share=round(count / applicable[ref], 4),
            operators=len(who[ref]),
        )
        for ref, count in missed.items()
    ]
    return sorted(out, key=lambda r: (-r.count, -r.share, r.scorecard, r.item))


async def record_export(
    session: AsyncSession,
    actor: Actor,
    fmt: str,
    date_from: date,
    date_to: date,
    rows: int,
    *,
    now: datetime,
) -> None:
    """An export of personal evaluation data leaves the system: audit it."""
    await audit.record(
        session,
        actor,
        "qa.report.export",
        "qa_report",
        f"{date_from}..{date_to}",
        {"format": fmt, "evaluations": rows},
        at=now,
    )
