"""QA's scores for the period reports of analytics (issue 27): the official evaluations of the
calls made in a period, newest revisions, chosen as QA's own reports choose them
(``evaluations.current``), as analytics' plain ``QaScore`` values. Analytics sits below QA and
cannot call it: the app hands this function to analytics' QA report (``app.state.qa_scores``,
an ``analytics.qa_scores.ScoreSource``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.analytics.facts import QaScore
from dispatch.qa import evaluations


async def official_scores(
    session: AsyncSession, start: datetime, end: datetime, *, operator: str | None
) -> list[QaScore]:
    """The official evaluations of the calls made in [start, end) (of ``operator``'s calls
    only, when given), by the call's time."""
    found = await evaluations.current(
        session, official=True, since=start, until=end, operator=operator
    )
    return [
        QaScore(
            call_id=f.evaluation.call_id,
            call_at=f.evaluation.call_at,
            operator=f.evaluation.operator,
            score=f.revision.score,
            level=f.revision.level,
            critical=bool(f.revision.critical_failures),
        )
        for f in found
    ]
