"""Analytics over HTTP: Erlang C staffing, the queues' KPIs over any period, the operators'
working time, the territory, the calls' figures and QA scores with every filter, each
downloadable as XLSX and CSV (every download audited)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Protocol, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.analytics import (
    call_figures,
    exports,
    kpis,
    qa_scores,
    territory,
    working_time,
)
from dispatch.analytics.periods import Grain
from dispatch.audit import service as audit
from dispatch.auth.roles import Role
from dispatch.cards.routing.api import ClassifierDep
from dispatch.core import spreadsheets
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles
from dispatch.errors import Invalid
from dispatch.feeds import followup
from dispatch.queues import erlang as staffing

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

Planner = Annotated[Principal, roles(Role.SUPERVISOR, Role.ANALYST, Role.ADMIN)]
MAX_AGENTS = 100_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Username = Annotated[str, Query(min_length=1, max_length=64)]
QueueName = Annotated[str, Query(min_length=1, max_length=64)]
_CSV: dict[int | str, dict[str, object]] = {
    200: {
        "description": "the table as CSV (RFC 4180, header first), as an attachment",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}
_WORKBOOK: dict[int | str, dict[str, object]] = {
    200: {
        "description": "the report as an XLSX workbook, as an attachment",
        "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
    }
}


class StaffingOut(BaseModel):
    """Erlang C figures; ``asa_seconds`` is null when the queue cannot keep up (too few agents)."""

    agents: int
    p_wait: float
    asa_seconds: float | None
    service_level: float
    occupancy: float


@router.get("/staffing", response_model=StaffingOut)
async def staffing_figures(
    _: Planner,
    calls_per_hour: Annotated[float, Query(ge=0, le=1_000_000)],
    handle_seconds: Annotated[float, Query(gt=0, le=86_400)],
    target_seconds: Annotated[float, Query(ge=0, le=3600)],
    agents: Annotated[int | None, Query(ge=0, le=MAX_AGENTS)] = None,
    service_level: Annotated[float | None, Query(gt=0, lt=1)] = None,
) -> StaffingOut:
    """Erlang C for ``agents``, or the fewest agents reaching ``service_level`` (give one)."""
    if (agents is None) == (service_level is None):
        raise Invalid("give exactly one of agents or service_level")
    try:
        if agents is not None:
            result = staffing.evaluate(
                calls_per_hour=calls_per_hour,
                handle_seconds=handle_seconds,
                target_seconds=target_seconds,
                agents=agents,
            )
        else:
            assert service_level is not None
            result = staffing.agents_for_service_level(
                calls_per_hour=calls_per_hour,
                handle_seconds=handle_seconds,
                target_seconds=target_seconds,
                service_level=service_level,
                max_agents=MAX_AGENTS,
            )
    except staffing.StaffingError as exc:
        raise Invalid(str(exc)) from exc
    return StaffingOut.model_validate(result.as_dict())


async def kpi_report(
    session: Session,
    settings: SettingsDep,
    _: Planner,
    date_from: date,
    date_to: date,
    grain: Grain = Grain.DAY,
    queue: Annotated[list[QueueName] | None, Query(max_length=100)] = None,
) -> kpis.KpiReport:
    """The KPI report asked for (``queue`` repeated for several; all queues when absent)."""
    return await kpis.build(
        session,
        date_from,
        date_to,
        grain=grain,
        queue_names=sorted(set(queue or ())),
        tz=settings.tz,
        shift_start_hour=settings.qa_shift_start_hour,
    )


async def working_report(
    session: Session,
    settings: SettingsDep,
    clock: ClockDep,
    _: Planner,
    date_from: date,
    date_to: date,
    operator: Username | None = None,
) -> working_time.WorkingTimeReport:
    """The working-time report asked for (one operator's, or everyone's)."""
    return await working_time.build(
        session,
        date_from,
        date_to,
        operator=operator,
        tz=settings.tz,
        shift_start_hour=settings.qa_shift_start_hour,
        now=clock.now(),
    )


async def territory_report(
    session: Session,
    settings: SettingsDep,
    _: Planner,
    date_from: date,
    date_to: date,
    region: Annotated[str | None, Query(min_length=1, max_length=16)] = None,
    incident_type: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    service: Annotated[str | None, Query(min_length=1, max_length=16)] = None,
) -> territory.TerritoryReport:
    """The territorial report asked for (one region's districts, or the country's)."""
    return await territory.build(
        session,
        date_from,
        date_to,
        region=region,
        incident_type=incident_type,
        service=service,
        tz=settings.tz,
    )


Code = Annotated[str | None, Query(min_length=1, max_length=64)]


def call_filter(
    region: Code = None,
    district: Code = None,
    queue: Code = None,
    channel: Code = None,
    language: Code = None,
    incident_type: Code = None,
    service: Code = None,
    operator: Code = None,
) -> call_figures.CallFilter:
    """The calls asked about; every filter given must hold."""
    return call_figures.CallFilter(
        region, district, queue, channel, language, incident_type, service, operator
    )


Chosen = Annotated[call_figures.CallFilter, Depends(call_filter)]


async def call_report(
    session: Session,
    settings: SettingsDep,
    clock: ClockDep,
    classifier: ClassifierDep,
    _: Planner,
    date_from: date,
    date_to: date,
    chosen: Chosen,
    grain: Grain = Grain.DAY,
) -> call_figures.CallReport:
    """The call report asked for."""
    return await call_figures.build(
        session,
        date_from,
        date_to,
        grain=grain,
        chosen=chosen,
        tz=settings.tz,
        shift_start_hour=settings.qa_shift_start_hour,
        callback_target_s=settings.callback_target_s,
        norms=call_figures.Norms(functools.partial(followup.deadlines, classifier), clock.now()),
    )


def score_source(request: Request) -> qa_scores.ScoreSource | None:
    """QA's scores, handed over by the app (``app.state.qa_scores``: QA sits above)."""
    source: qa_scores.ScoreSource | None = getattr(request.app.state, "qa_scores", None)
    return source


async def qa_report(
    session: Session,
    settings: SettingsDep,
    _: Planner,
    source: Annotated[qa_scores.ScoreSource | None, Depends(score_source)],
    date_from: date,
    date_to: date,
    chosen: Chosen,
    grain: Grain = Grain.DAY,
) -> qa_scores.QaReport:
    """The QA scores asked for."""
    return await qa_scores.build(
        session,
        date_from,
        date_to,
        grain=grain,
        chosen=chosen,
        scores=source,
        tz=settings.tz,
        shift_start_hour=settings.qa_shift_start_hour,
    )


KpiDep = Annotated[kpis.KpiReport, Depends(kpi_report)]
CallsDep = Annotated[call_figures.CallReport, Depends(call_report)]
QaDep = Annotated[qa_scores.QaReport, Depends(qa_report)]
TerritoryDep = Annotated[territory.TerritoryReport, Depends(territory_report)]
WorkingDep = Annotated[working_time.WorkingTimeReport, Depends(working_report)]


@router.get("/kpis", response_model=kpis.KpiReport)
async def kpi_figures(report: KpiDep) -> kpis.KpiReport:
    """The queues' KPIs over local days ``date_from``..``date_to`` (at most 366), by ``grain``
    (hour, shift, day, week, month, total), from the 15-minute counters."""
    return report


@router.get("/calls", response_model=call_figures.CallReport)
async def call_report_figures(report: CallsDep) -> call_figures.CallReport:
    """The calls' KPIs over local days ``date_from``..``date_to`` by ``grain``, filtered by
    region, district, queue, channel, language, incident type, service and operator; with the
    cards per service and how soon the services acknowledged and completed them."""
    return report


@router.get("/qa-scores", response_model=qa_scores.QaReport)
async def qa_score_figures(report: QaDep) -> qa_scores.QaReport:
    """QA scores of the calls of local days ``date_from``..``date_to`` by ``grain``, per
    operator and per queue, with the call report's filters: official evaluations, their newest
    revisions, as ``GET /qa/reports`` counts them."""
    return report


@router.get("/working-time", response_model=working_time.WorkingTimeReport)
async def working_figures(report: WorkingDep) -> working_time.WorkingTimeReport:
    """Operators' time signed in, available, on calls, in wrap-up and on each break reason,
    per shift and over the period, from the queue log."""
    return report


@router.get("/territory", response_model=territory.TerritoryReport)
async def territory_figures(report: TerritoryDep) -> territory.TerritoryReport:
    """Calls and incidents per district (calls by hour of the day, incidents by type), for a
    choropleth on the boundaries of ``GET /geo/districts``; drill down with ``GET /cards``."""
    return report


Table = TypeVar("Table", bound=StrEnum)


class Dated(Protocol):
    """A report of local days ``date_from``..``date_to``."""

    date_from: date
    date_to: date


@dataclass(frozen=True)
class Downloads:
    """Who takes a report away: each download is audited in the request's transaction."""

    session: AsyncSession
    who: Principal
    now: datetime

    async def workbook(
        self, name: str, report: Dated, tables: Mapping[Table, exports.Rows], rows: int
    ) -> Response:
        """The report as an XLSX workbook, a sheet per table."""
        await self._audited(name, report, "xlsx", rows)
        sheets = {table.value.capitalize(): content for table, content in tables.items()}
        filename = f"{name}-{report.date_from}-{report.date_to}.xlsx"
        return Response(
            spreadsheets.to_xlsx(sheets), media_type=XLSX, headers=_attachment(filename)
        )

    async def table(
        self, name: str, report: Dated, tables: Mapping[Table, exports.Rows], table: Table
    ) -> StreamingResponse:
        """One table of the report as CSV, streamed."""
        rows = tables[table]
        await self._audited(name, report, f"csv:{table}", len(rows) - 1)
        filename = f"{name}-{table}-{report.date_from}-{report.date_to}.csv"
        return StreamingResponse(
            spreadsheets.csv_lines(rows),
            media_type="text/csv; charset=utf-8",
            headers=_attachment(filename),
        )

    async def _audited(self, name: str, report: Dated, fmt: str, rows: int) -> None:
        """A report leaves the system: who took which, in what form."""
        await audit.record(
            self.session,
            self.who.actor,
            "analytics.export",
            "analytics_report",
            f"{name}:{report.date_from}..{report.date_to}",
            {"report": name, "format": fmt, "rows": rows},
            at=self.now,
        )


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


async def downloads(session: Session, who: Planner, clock: ClockDep) -> Downloads:
    """The request's download context."""
    return Downloads(session, who, clock.now())


Taker = Annotated[Downloads, Depends(downloads)]


@router.get("/kpis/export.xlsx", response_class=Response, responses=_WORKBOOK)
async def kpis_xlsx(report: KpiDep, take: Taker) -> Response:
    """The KPI report as a workbook: Periods and Queues."""
    return await take.workbook("kpis", report, exports.kpi_tables(report), len(report.rows))


@router.get("/kpis/export.csv", response_class=StreamingResponse, responses=_CSV)
async def kpis_csv(
    report: KpiDep, take: Taker, table: exports.KpiTable = exports.KpiTable.PERIODS
) -> StreamingResponse:
    """One table of the KPI report as CSV (``table``: periods, queues)."""
    return await take.table("kpis", report, exports.kpi_tables(report), table)


@router.get("/working-time/export.xlsx", response_class=Response, responses=_WORKBOOK)
async def working_xlsx(report: WorkingDep, take: Taker) -> Response:
    """The working-time report as a workbook: Operators and Shifts."""
    tables = exports.working_tables(report)
    return await take.workbook("working-time", report, tables, len(report.shifts))


@router.get("/working-time/export.csv", response_class=StreamingResponse, responses=_CSV)
async def working_csv(
    report: WorkingDep, take: Taker, table: exports.WorkingTable = exports.WorkingTable.SHIFTS
) -> StreamingResponse:
    """One table of the working-time report as CSV (``table``: operators, shifts)."""
    return await take.table("working-time", report, exports.working_tables(report), table)


@router.get("/territory/export.xlsx", response_class=Response, responses=_WORKBOOK)
async def territory_xlsx(report: TerritoryDep, take: Taker) -> Response:
    """The territorial report as a workbook: Districts and Types."""
    tables = exports.territory_tables(report)
    return await take.workbook("territory", report, tables, len(report.districts))


@router.get("/territory/export.csv", response_class=StreamingResponse, responses=_CSV)
async def territory_csv(
    report: TerritoryDep,
    take: Taker,
    table: exports.TerritoryTable = exports.TerritoryTable.DISTRICTS,
) -> StreamingResponse:
    """One table of the territorial report as CSV (``table``: districts, types)."""
    return await take.table("territory", report, exports.territory_tables(report), table)


@router.get("/calls/export.xlsx", response_class=Response, responses=_WORKBOOK)
async def calls_xlsx(report: CallsDep, take: Taker) -> Response:
    """The call report as a workbook: Periods and Services."""
    tables = exports.call_tables(report)
    return await take.workbook("calls", report, tables, report.total.offered)


@router.get("/calls/export.csv", response_class=StreamingResponse, responses=_CSV)
async def calls_csv(
    report: CallsDep, take: Taker, table: exports.CallTable = exports.CallTable.PERIODS
) -> StreamingResponse:
    """One table of the call report as CSV (``table``: periods, services)."""
    return await take.table("calls", report, exports.call_tables(report), table)


@router.get("/qa-scores/export.xlsx", response_class=Response, responses=_WORKBOOK)
async def qa_scores_xlsx(report: QaDep, take: Taker) -> Response:
    """The QA scores as a workbook: Periods, Operators and Queues."""
    tables = exports.qa_tables(report)
    return await take.workbook("qa-scores", report, tables, report.total.evaluations)


@router.get("/qa-scores/export.csv", response_class=StreamingResponse, responses=_CSV)
async def qa_scores_csv(
    report: QaDep, take: Taker, table: exports.QaTable = exports.QaTable.PERIODS
) -> StreamingResponse:
    """One table of the QA scores as CSV (``table``: periods, operators, queues)."""
    return await take.table("qa-scores", report, exports.qa_tables(report), table)
