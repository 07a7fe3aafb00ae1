"""Caller feedback: the survey report and its downloads (supervisors, analysts; audited)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse

from dispatch.audit import service as audit
from dispatch.auth.roles import Role
from dispatch.core import spreadsheets
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles
from dispatch.surveys import report as reports
from dispatch.surveys.schemas import SurveyReport

router = APIRouter(prefix="/api/v1/surveys", tags=["surveys"])

Reader = Annotated[Principal, roles(Role.SUPERVISOR, Role.ANALYST)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_WORKBOOK: dict[int | str, dict[str, object]] = {
    200: {
        "description": "the report as an XLSX workbook, as an attachment",
        "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
    }
}
_CSV: dict[int | str, dict[str, object]] = {
    200: {
        "description": "the table as CSV (RFC 4180, header first), as an attachment",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


async def survey_report(
    session: Session,
    _: Reader,
    settings: SettingsDep,
    date_from: Annotated[date, Query(alias="from")],
    date_to: Annotated[date, Query(alias="to")],
) -> SurveyReport:
    """The report of the surveys sent in the local days ``from``..``to`` (both included)."""
    return await reports.build(session, date_from, date_to, settings.tz)


ReportDep = Annotated[SurveyReport, Depends(survey_report)]


@router.get("/report", response_model=SurveyReport)
async def get_report(report: ReportDep) -> SurveyReport:
    """Sent, answered, response rate, mean score and distribution, per channel, outcome and
    region, with the comments (never the callers' numbers)."""
    return report


async def _taken(
    session: Session, who: Principal, clock: ClockDep, report: SurveyReport, fmt: str, rows: int
) -> None:
    await audit.record(
        session,
        who.actor,
        "surveys.export",
        "survey_report",
        f"{report.date_from}..{report.date_to}",
        {"format": fmt, "rows": rows},
        at=clock.now(),
    )


@router.get("/report/export.xlsx", response_class=Response, responses=_WORKBOOK)
async def export_xlsx(
    report: ReportDep, session: Session, who: Reader, clock: ClockDep
) -> Response:
    """The report as a workbook: Summary and Comments (the download is audited)."""
    tables = reports.tables(report)
    await _taken(session, who, clock, report, "xlsx", len(report.comments))
    name = f"surveys-{report.date_from}-{report.date_to}.xlsx"
    return Response(
        spreadsheets.to_xlsx({t.value.capitalize(): rows for t, rows in tables.items()}),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/report/export.csv", response_class=StreamingResponse, responses=_CSV)
async def export_csv(
    report: ReportDep,
    session: Session,
    who: Reader,
    clock: ClockDep,
    table: reports.Table = reports.Table.SUMMARY,
) -> StreamingResponse:
    """One table of the report (``summary`` or ``comments``) as CSV (the download is audited)."""
    rows = reports.tables(report)[table]
    await _taken(session, who, clock, report, f"csv:{table}", len(rows) - 1)
    name = f"surveys-{table}-{report.date_from}-{report.date_to}.csv"
    return StreamingResponse(
        spreadsheets.csv_lines(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
