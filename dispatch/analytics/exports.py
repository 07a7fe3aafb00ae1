"""The analytics reports as tables, for the XLSX and CSV downloads.

Times are the centre's local wall time; durations in seconds; a service level is a percent
(empty when nothing was answered). Codes stay in their columns (queue names, usernames), a
name column beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from dispatch.analytics.call_figures import CallFigures, CallReport
from dispatch.analytics.forecasting import ForecastReport
from dispatch.analytics.kpis import KpiReport
from dispatch.analytics.qa_scores import QaReport, ScoreFigures
from dispatch.analytics.territory import HOURS, TerritoryReport
from dispatch.analytics.working_time import WorkingTime, WorkingTimeReport
from dispatch.core.spreadsheets import Cell
from dispatch.queues.schemas import PeriodOut

Rows = list[list[Cell]]


class KpiTable(StrEnum):
    """The KPI report's tables."""

    PERIODS = "periods"
    QUEUES = "queues"


class CallTable(StrEnum):
    """The call report's tables."""

    PERIODS = "periods"
    SERVICES = "services"


class TerritoryTable(StrEnum):
    """The territorial report's tables."""

    DISTRICTS = "districts"
    TYPES = "types"


class WorkingTable(StrEnum):
    """The working-time report's tables."""

    OPERATORS = "operators"
    SHIFTS = "shifts"


_FIGURES = (
    "entered", "answered", "abandoned", "completed", "transferred", "ring_no_answer",
    "abandon_percent", "asa_s", "longest_answered_wait_s", "avg_abandon_wait_s", "avg_talk_s",
    "avg_wrap_up_s", "avg_handle_s",
)  # fmt: skip
_LEVELS = ("answered_within", "abandoned_within", "percent", "percent_with_abandons")


def kpi_tables(report: KpiReport) -> dict[KpiTable, Rows]:
    """Per grain and per queue; a column per service-level target and variant."""
    seconds = [level.seconds for level in report.total.service_level]
    levels = [f"sl_{s}s_{variant}" for s in seconds for variant in _LEVELS]
    return {
        KpiTable.PERIODS: [
            ["start", *_FIGURES, *levels],
            *[[row.start, *_figures(row, seconds)] for row in report.rows],
        ],
        KpiTable.QUEUES: [
            ["queue", "queue_title", *_FIGURES, *levels],
            *[[q.queue, q.title, *_figures(q.figures, seconds)] for q in report.by_queue],
        ],
    }


def _figures(
    row: PeriodOut | CallFigures, seconds: Sequence[int], names: Sequence[str] = _FIGURES
) -> list[Cell]:
    """``names`` of ``row``, then each service-level target's variants (empty where the row
    has no such target)."""
    values: list[Cell] = [getattr(row, name) for name in names]
    by_seconds = {level.seconds: level for level in row.service_level}
    for target in seconds:
        level = by_seconds.get(target)
        values += [getattr(level, name) if level else None for name in _LEVELS]
    return values


_TIMES = ("signed_in_s", "available_s", "talking_s", "wrap_up_s", "on_break_s")
_COUNTS = ("answered", "completed", "missed_offers", "declined")


def working_tables(report: WorkingTimeReport) -> dict[WorkingTable, Rows]:
    """Per operator and per operator and shift; a column per break reason."""
    reasons = sorted({r for row in report.operators for r in row.breaks})
    breaks = [f"break_{reason}_s" for reason in reasons]
    return {
        WorkingTable.OPERATORS: [
            ["operator", "operator_name", *_TIMES, *breaks, *_COUNTS],
            *[
                [row.operator, row.operator_name, *_working(row, reasons)]
                for row in report.operators
            ],
        ],
        WorkingTable.SHIFTS: [
            ["operator", "operator_name", "shift_date", "shift", *_TIMES, *breaks, *_COUNTS],
            *[
                [row.operator, row.operator_name, row.shift_date, row.shift,
                 *_working(row, reasons)]
                for row in report.shifts
            ],
        ],
    }  # fmt: skip


def _working(row: WorkingTime, reasons: Sequence[str]) -> list[Cell]:
    return [
        *[getattr(row, name) for name in _TIMES],
        *[row.breaks.get(reason, 0.0) for reason in reasons],
        *[getattr(row, name) for name in _COUNTS],
    ]


NAME_LANGUAGES = ("uz", "ru", "en")


def territory_tables(report: TerritoryReport) -> dict[TerritoryTable, Rows]:
    """Per district (names in each language, calls by hour) and per district and type."""
    hours = [f"calls_{hour:02d}h" for hour in range(HOURS)]
    names = [f"name_{language}" for language in NAME_LANGUAGES]
    districts: Rows = [["district", "region", *names, "calls", "incidents", *hours]]
    types: Rows = [["district", "region", "incident_type", "incidents"]]
    for d in report.districts:
        row: list[Cell] = [d.code, d.region]
        row += [d.names.get(language) for language in NAME_LANGUAGES]
        row += [d.calls, d.incidents, *d.calls_by_hour]
        districts.append(row)
        types += [[d.code, d.region, kind, count] for kind, count in d.incidents_by_type.items()]
    return {TerritoryTable.DISTRICTS: districts, TerritoryTable.TYPES: types}


_CALL_FIGURES = (
    "offered", "answered", "abandoned", "dropped", "abandon_percent", "asa_s",
    "longest_answered_wait_s", "avg_abandon_wait_s", "avg_talk_s", "cards",
)  # fmt: skip
_SERVICE_FIGURES = (
    "cards", "acknowledged", "avg_acknowledge_s", "p90_acknowledge_s", "completed",
    "avg_complete_s", "refused", "late_acknowledged", "late_completed", "followed_up",
)  # fmt: skip


def call_tables(report: CallReport) -> dict[CallTable, Rows]:
    """Per grain (with the service levels), and per grain and service."""
    seconds = [level.seconds for level in report.total.service_level]
    levels = [f"sl_{s}s_{variant}" for s in seconds for variant in _LEVELS]
    periods: Rows = [["start", *_CALL_FIGURES, *levels]]
    services: Rows = [["start", "service", *_SERVICE_FIGURES]]
    for row in report.rows or [report.total]:
        periods.append([row.start, *_figures(row, seconds, _CALL_FIGURES)])
        for part in row.services:
            services.append(
                [row.start, part.service, *[getattr(part, n) for n in _SERVICE_FIGURES]]
            )
    return {CallTable.PERIODS: periods, CallTable.SERVICES: services}


class QaTable(StrEnum):
    """The QA scores' tables."""

    PERIODS = "periods"
    OPERATORS = "operators"
    QUEUES = "queues"


_SCORES = ("evaluations", "mean_score", "min_score", "max_score", "critical_failures")


def qa_tables(report: QaReport) -> dict[QaTable, Rows]:
    """Per grain (the whole period when none), per operator and per queue; a column per
    compliance level."""
    levels = sorted(report.total.levels)
    columns = [*_SCORES, *[f"level_{level}" for level in levels]]

    def scores(row: ScoreFigures) -> list[Cell]:
        return [*[getattr(row, n) for n in _SCORES], *[row.levels.get(k, 0) for k in levels]]

    periods: Rows = [["start", *columns]]
    periods += [[row.start, *scores(row)] for row in report.rows]
    if not report.rows:
        periods.append([report.date_from, *scores(report.total)])
    return {
        QaTable.PERIODS: periods,
        QaTable.OPERATORS: [
            ["operator", "operator_name", *columns],
            *[[row.operator, row.operator_name, *scores(row)] for row in report.operators],
        ],
        QaTable.QUEUES: [
            ["queue", *columns],
            *[[row.queue, *scores(row)] for row in report.queues],
        ],
    }


class ForecastTable(StrEnum):
    """The forecast's tables."""

    INTERVALS = "intervals"
    HISTORY = "history"


def forecast_tables(report: ForecastReport) -> dict[ForecastTable, Rows]:
    """Per half-hour (calls, needed, rostered, gap) and the history used or left out."""
    intervals: Rows = [["start", "calls", "needed", "rostered", "gap"]]
    intervals += [[r.start, r.calls, r.needed, r.rostered, r.gap] for r in report.intervals]
    history: Rows = [["day", "used", "reason"]]
    history += [[d, True, ""] for d in report.history_days]
    history += [[d.day, False, d.reason] for d in report.left_out]
    return {ForecastTable.INTERVALS: intervals, ForecastTable.HISTORY: history}
