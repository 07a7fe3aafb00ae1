"""The wellbeing report over local days: per day the cases opened (traumatic calls and the
operators' own requests), the breaks offered, accepted and declined, the debriefs flagged,
held and cancelled, and the mean time from the flag to the debrief held. What became of a case
counts on the day it was opened, whenever it happened. Supervisors and trainers also get the
cases one by one with the operators' names and the card numbers (audited, as every read that
names cards); anyone else the counts only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.auth.roles import Role
from dispatch.core.actor import Actor
from dispatch.errors import Invalid
from dispatch.wellbeing.models import WellbeingCase, WellbeingDebrief, WellbeingOffer
from dispatch.wellbeing.schemas import (
    DayFigures,
    DebriefStatus,
    Figures,
    OfferStatus,
    ReportCase,
    Source,
    WellbeingReport,
)
from dispatch.wellbeing.service import full_names

MAX_DAYS = 366
# Who reads the cases one by one, with names (everyone else: the counts).
NAMING_ROLES = frozenset({Role.SUPERVISOR.value, Role.TRAINER.value})
Row = tuple[WellbeingCase, WellbeingOffer | None, WellbeingDebrief | None]


async def build(
    session: AsyncSession,
    actor: Actor,
    date_from: date,
    date_to: date,
    *,
    tz: ZoneInfo,
    now: datetime,
) -> WellbeingReport:
    """The report of the cases opened in ``date_from``..``date_to`` (local days, both in)."""
    if date_to < date_from:
        raise Invalid(f"date_to: {date_to} is before date_from {date_from}")
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise Invalid(f"a wellbeing report covers at most {MAX_DAYS} days")
    start = datetime.combine(date_from, time(0), tz)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tz)
    found = await session.execute(
        select(WellbeingCase, WellbeingOffer, WellbeingDebrief)
        .outerjoin(WellbeingOffer, WellbeingOffer.case_id == WellbeingCase.id)
        .outerjoin(WellbeingDebrief, WellbeingDebrief.case_id == WellbeingCase.id)
        .where(WellbeingCase.created_at >= start, WellbeingCase.created_at < end)
        .order_by(WellbeingCase.created_at, WellbeingCase.id)
    )
    rows: list[Row] = [(c, o, d) for c, o, d in found.all()]
    by_day: dict[date, list[Row]] = defaultdict(list)
    for row in rows:
        by_day[row[0].created_at.astimezone(tz).date()].append(row)
    days = [
        DayFigures(day=day, **figures(by_day.get(day, [])).model_dump())
        for day in (date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1))
    ]
    cases = None
    if actor.role in NAMING_ROLES:
        cases = await _cases(session, rows, tz)
        await audit.record(
            session, actor, "wellbeing.report.read", "wellbeing_report",
            f"{date_from}..{date_to}",
            {"cases": len(cases), "cards": [c.card_number for c in cases if c.card_number]},
            at=now,
        )  # fmt: skip
    return WellbeingReport(
        date_from=date_from, date_to=date_to, total=figures(rows), days=days, cases=cases
    )


def figures(rows: Iterable[Row]) -> Figures:
    """The counts of these cases and the mean minutes from a debrief's flag to it held."""
    out = Figures()
    waits: list[float] = []
    for case, offer, debrief in rows:
        if case.source == Source.CARD.value:
            out.traumatic_calls += 1
        else:
            out.self_requests += 1
        if offer is not None:
            out.breaks_offered += 1
            out.breaks_accepted += offer.status == OfferStatus.ACCEPTED.value
            out.breaks_declined += offer.status == OfferStatus.DECLINED.value
        if debrief is not None:
            out.debriefs_flagged += 1
            out.debriefs_cancelled += debrief.status == DebriefStatus.CANCELLED.value
            minutes = _minutes_to_debrief(debrief)
            if minutes is not None:
                out.debriefs_held += 1
                waits.append(minutes)
    out.mean_minutes_to_debrief = round(sum(waits) / len(waits), 1) if waits else None
    return out


def _minutes_to_debrief(debrief: WellbeingDebrief | None) -> float | None:
    if debrief is None or debrief.status != DebriefStatus.HELD.value or not debrief.closed_at:
        return None
    return round((debrief.closed_at - debrief.flagged_at).total_seconds() / 60, 1)


async def _cases(session: AsyncSession, rows: list[Row], tz: ZoneInfo) -> list[ReportCase]:
    names = await full_names(session)
    return [
        ReportCase(
            created_at=case.created_at.astimezone(tz),
            username=case.username,
            name=names.get(case.username, case.username),
            source=Source(case.source),
            reasons=list(case.reasons),
            card_number=case.card_number,
            offer=OfferStatus(offer.status) if offer else None,
            debrief=DebriefStatus(debrief.status) if debrief else None,
            minutes_to_debrief=_minutes_to_debrief(debrief),
        )
        for case, offer, debrief in rows
    ]
