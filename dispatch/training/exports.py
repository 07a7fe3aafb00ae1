"""The effectiveness report as an XLSX workbook (programmes and trainees) or one table as CSV."""

from __future__ import annotations

from enum import StrEnum
from zoneinfo import ZoneInfo

from dispatch.core import spreadsheets
from dispatch.training.effectiveness import Report


class Table(StrEnum):
    """The report's tables (sheets of the workbook; ``table`` of the CSV)."""

    PROGRAMMES = "programmes"
    TRAINEES = "trainees"


def tables(report: Report, language: str, tz: ZoneInfo) -> dict[str, spreadsheets.Table]:
    """Both tables as rows, the header first; titles in ``language``, times in ``tz``."""
    return {
        Table.PROGRAMMES: [
            ["programme_id", "title", "scorecard", "items", "sessions", "trainees",
             "before_evaluations", "before_yes", "before_no", "before_score",
             "after_evaluations", "after_yes", "after_no", "after_score", "effect",
             "tested", "passed", "pass_rate", "feedback", "mean_rating"],
            *[
                [str(p.programme_id), p.title.get(language, ""), p.scorecard, " ".join(p.items),
                 p.sessions, p.trainees, p.before.evaluations, p.before.yes, p.before.no,
                 p.before.score, p.after.evaluations, p.after.yes, p.after.no, p.after.score,
                 p.effect, p.tested, p.passed, p.pass_rate, p.feedback, p.mean_rating]
                for p in report.programmes
            ],
        ],
        Table.TRAINEES: [
            ["programme_id", "session_id", "starts_at", "username", "name",
             "before_evaluations", "before_yes", "before_no", "before_score",
             "after_evaluations", "after_yes", "after_no", "after_score", "effect",
             "after_complete", "test_score", "test_passed", "rating"],
            *[
                [str(t.programme_id), str(t.session_id), t.starts_at.astimezone(tz), t.username,
                 t.name,
                 t.before.evaluations, t.before.yes, t.before.no, t.before.score,
                 t.after.evaluations, t.after.yes, t.after.no, t.after.score, t.effect,
                 t.after_complete, t.test_score, t.test_passed, t.rating]
                for t in report.trainees
            ],
        ],
    }  # fmt: skip


def to_xlsx(report: Report, language: str, tz: ZoneInfo) -> bytes:
    """The workbook: sheets programmes and trainees."""
    return spreadsheets.to_xlsx(dict(tables(report, language, tz)))


def to_csv(report: Report, table: Table, language: str, tz: ZoneInfo) -> str:
    """One table as CSV."""
    return spreadsheets.to_csv(tables(report, language, tz)[table])
