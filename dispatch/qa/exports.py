"""The QA report as an XLSX workbook (one sheet per table) or one table as CSV.

Codes stay in their columns (usernames, item keys), each followed by its name column
(``operator_name``, ``section_title``, ...) in the report's language."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from dispatch.core import spreadsheets
from dispatch.qa.reports import EvaluationRow, Report


class Table(StrEnum):
    """The report's tables (sheets of the workbook; ``table`` of the CSV)."""

    OPERATORS = "operators"
    SHIFTS = "shifts"
    WEEKS = "weeks"
    ERRORS = "errors"
    EVALUATIONS = "evaluations"


def tables(report: Report, rows: Sequence[EvaluationRow]) -> dict[Table, list[list[Any]]]:
    """Every table as rows, the header first."""
    levels = sorted({name for r in report.operators for name in r.levels})
    return {
        Table.OPERATORS: [
            ["operator", "operator_name", "evaluations", "mean_score", "min_score", "max_score",
             "critical_failures", *levels],
            *[
                [r.operator, r.operator_name, r.evaluations, r.mean_score, r.min_score, r.max_score,
                 r.critical_failures, *[r.levels.get(name, 0) for name in levels]]
                for r in report.operators
            ],
        ],
        Table.SHIFTS: [
            ["operator", "operator_name", "shift_date", "shift", "evaluations", "mean_score",
             "critical_failures"],
            *[
                [r.operator, r.operator_name, r.shift_date, r.shift, r.evaluations, r.mean_score,
                 r.critical_failures]
                for r in report.shifts
            ],
        ],
        Table.WEEKS: [
            ["week", "week_start", "evaluations", "mean_score", "critical_failures", *levels],
            *[
                [r.week, r.week_start, r.evaluations, r.mean_score, r.critical_failures,
                 *[r.levels.get(name, 0) for name in levels]]
                for r in report.weeks
            ],
        ],
        Table.ERRORS: [
            ["scorecard", "section", "section_title", "item", "text", "deviation", "count",
             "applicable", "share", "operators"],
            *[
                [r.scorecard, r.section, r.section_title, r.item, r.text, r.deviation, r.count,
                 r.applicable, r.share, r.operators]
                for r in report.errors
            ],
        ],
        Table.EVALUATIONS: [
            ["evaluation_id", "call_id", "call_at", "operator", "operator_name", "shift_date",
             "shift", "evaluator", "evaluator_name", "scorecard", "scorecard_version",
             "revision", "score", "raw_score", "level", "critical_failures", "in_plan"],
            *[
                [str(r.evaluation_id), str(r.call_id), r.call_at, r.operator, r.operator_name,
                 r.shift_date, r.shift, r.evaluator, r.evaluator_name, r.scorecard,
                 r.scorecard_version, r.revision, r.score, r.raw_score, r.level,
                 r.critical_failures, r.in_plan]
                for r in rows
            ],
        ],
    }  # fmt: skip


def to_xlsx(report: Report, rows: Sequence[EvaluationRow]) -> bytes:
    """The workbook: one sheet per table, numbers as numbers, times without their zone."""
    # Excel has no time zones: local (Tashkent) wall time, as the report is.
    return spreadsheets.to_xlsx(
        {name.value.capitalize(): table for name, table in tables(report, rows).items()}
    )


def to_csv(report: Report, rows: Sequence[EvaluationRow], table: Table) -> str:
    """One table as CSV (RFC 4180, header first, ISO dates)."""
    return spreadsheets.to_csv(tables(report, rows)[table])
