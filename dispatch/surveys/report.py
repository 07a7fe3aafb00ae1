"""The survey report over local days and its XLSX/CSV tables: figures over the surveys sent in
the period (an answer or opt-out counts with its survey, whenever it came)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.core.spreadsheets import Cell
from dispatch.errors import Invalid
from dispatch.surveys.models import Survey
from dispatch.surveys.schemas import Comment, Figures, GroupFigures, SurveyReport
from dispatch.surveys.service import SurveyStatus

MAX_DAYS = 366
SCORES = ("1", "2", "3", "4", "5")
Rows = list[list[Cell]]


class Table(StrEnum):
    """The report's tables, a sheet each in the workbook."""

    SUMMARY = "summary"
    COMMENTS = "comments"


async def build(
    session: AsyncSession, date_from: date, date_to: date, tz: ZoneInfo
) -> SurveyReport:
    """The report of the surveys sent in ``date_from``..``date_to`` (local days, both in)."""
    if date_to < date_from:
        raise Invalid(f"to: {date_to} is before from {date_from}")
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise Invalid(f"a survey report covers at most {MAX_DAYS} days")
    start = datetime.combine(date_from, time(0), tz)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tz)
    rows = list(
        (
            await session.scalars(
                select(Survey)
                .where(Survey.sent_at >= start, Survey.sent_at < end)
                .order_by(Survey.sent_at)
            )
        ).all()
    )
    answered = sorted(
        (s for s in rows if s.status == SurveyStatus.ANSWERED.value and s.comment),
        key=lambda s: s.answered_at or s.sent_at or s.created_at,
    )
    return SurveyReport(
        date_from=date_from,
        date_to=date_to,
        total=figures(rows),
        channels=_groups(rows, lambda s: s.channel),
        outcomes=_groups(rows, lambda s: s.outcome),
        regions=_groups(rows, lambda s: s.region),
        comments=[
            Comment(
                answered_at=(s.answered_at or s.created_at).astimezone(tz),
                card_number=s.card_number,
                score=s.score or 0,
                comment=s.comment or "",
                channel=s.channel,
                outcome=s.outcome,
                region=s.region,
                language=s.language,
            )
            for s in answered
        ],
    )


def figures(rows: Iterable[Survey]) -> Figures:
    """Sent, answered, opted out, the response rate, the mean score and its distribution."""
    surveys = list(rows)
    scores = [s.score for s in surveys if s.status == SurveyStatus.ANSWERED.value and s.score]
    count = Counter(scores)
    sent = len(surveys)
    return Figures(
        sent=sent,
        answered=len(scores),
        opted_out=sum(1 for s in surveys if s.status == SurveyStatus.OPTED_OUT.value),
        response_rate=round(len(scores) / sent, 4) if sent else None,
        mean_score=round(sum(scores) / len(scores), 2) if scores else None,
        distribution={key: count[int(key)] for key in SCORES},
    )


def _groups(rows: list[Survey], key: Callable[[Survey], str | None]) -> list[GroupFigures]:
    grouped: dict[str, list[Survey]] = defaultdict(list)
    for row in rows:
        grouped[key(row) or "none"].append(row)
    return [
        GroupFigures(key=name, **figures(members).model_dump())
        for name, members in sorted(grouped.items())
    ]


def tables(report: SurveyReport) -> Mapping[Table, Rows]:
    """The report as tables: every group's figures, and the comments."""
    header: list[Cell] = [
        "group", "key", "sent", "answered", "opted_out", "response_rate", "mean_score",
        *(f"score_{score}" for score in SCORES),
    ]  # fmt: skip
    summary: Rows = [header]
    groups = [("total", [GroupFigures(key="all", **report.total.model_dump())])]
    groups += [("channel", report.channels), ("outcome", report.outcomes)]
    groups += [("region", report.regions)]
    for group, members in groups:
        for item in members:
            summary.append(
                [
                    group, item.key, item.sent, item.answered, item.opted_out,
                    item.response_rate, item.mean_score,
                    *(item.distribution.get(score, 0) for score in SCORES),
                ]
            )  # fmt: skip
    comments: Rows = [
        ["answered_at", "card", "score", "comment", "channel", "outcome", "region", "language"]
    ]
    for c in report.comments:
        comments.append(
            [
                c.answered_at,
                c.card_number,
                c.score,
                c.comment,
                c.channel,
                c.outcome,
                c.region,
                c.language,
            ]
        )
    return {Table.SUMMARY: summary, Table.COMMENTS: comments}
