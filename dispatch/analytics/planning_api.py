"""Shift rosters, who is missing or late, surge days and the forecast against the roster.

Supervisors plan (create, import, delete shifts); supervisors, analysts and admins read.
The forecast and its XLSX/CSV downloads (audited like every analytics download) are for
supervisors, analysts and admins.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime, BaseModel, Field

from dispatch.analytics import exports, forecasting, periods, roster_rows, rosters
from dispatch.analytics.api import _CSV, _WORKBOOK, Taker
from dispatch.auth.roles import Role
from dispatch.core.http import read_limited_body
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles
from dispatch.errors import Invalid, UnsupportedMediaType

router = APIRouter(prefix="/api/v1", tags=["rosters"])

Planner = Annotated[Principal, roles(Role.SUPERVISOR)]
Reader = Annotated[Principal, roles(Role.SUPERVISOR, Role.ANALYST, Role.ADMIN)]
Marker = Annotated[Principal, roles(Role.SUPERVISOR, Role.ANALYST)]
MAX_FILE = 2 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Name = Annotated[str, Field(min_length=1, max_length=64)]


class EntryIn(BaseModel):
    """A shift to plan (minutes count; seconds are dropped)."""

    username: Name
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    queues: list[Name] = Field(default_factory=list, max_length=50)
    skills: list[Name] = Field(default_factory=list, max_length=50)
    note: Annotated[str | None, Field(max_length=500)] = None


class ImportOut(BaseModel):
    """What an import stored."""

    imported: int
    entries: list[rosters.EntryOut]


class SurgeIn(BaseModel):
    """A day to leave out of the forecast."""

    day: date
    note: Annotated[str, Field(min_length=1, max_length=500)]


def _known_days(*days: date) -> None:
    """Refuse a day no roster or history can hold (and past the calendar's arithmetic)."""
    for day in days:
        if not roster_rows.FIRST_DAY <= day <= roster_rows.LAST_DAY:
            raise Invalid(
                f"{day} is outside {roster_rows.FIRST_DAY}..{roster_rows.LAST_DAY}",
            )


@router.get("/rosters", response_model=list[rosters.EntryOut])
async def list_entries(
    session: Session,
    settings: SettingsDep,
    _: Reader,
    date_from: date,
    date_to: date,
    username: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> list[rosters.EntryOut]:
    """The shifts overlapping the local days ``date_from``..``date_to`` (at most 366)."""
    _known_days(date_from, date_to)
    start, end = periods.bounds(date_from, date_to, settings.tz)
    names = await rosters.names(session)
    rows = await rosters.entries(session, start, end, username=username)
    return [rosters.EntryOut.of(row, names, settings.tz) for row in rows]


@router.post("/rosters", response_model=rosters.EntryOut, status_code=status.HTTP_201_CREATED)
async def create_entry(
    body: EntryIn,
    session: Session,
    settings: SettingsDep,
    who: Planner,
    clock: ClockDep,
) -> rosters.EntryOut:
    """Plan one shift; refused like an imported row (``problems``: line 1, code, reason)."""
    tz = settings.tz
    for moment in (body.starts_at, body.ends_at):
        if not roster_rows.FIRST_DAY <= moment.date() <= roster_rows.LAST_DAY:
            raise rosters.RowsRefused(
                [roster_rows.Problem(1, "bad_date", f"{moment.date()} is not a day of a roster")]
            )
    start, end = body.starts_at.astimezone(tz), body.ends_at.astimezone(tz)
    days = (end.date() - start.date()).days
    if days not in (0, 1) or end <= start:
        raise rosters.RowsRefused(
            [
                roster_rows.Problem(
                    1,
                    "end_before_start",
                    "the end must be after the start, within 24 hours",
                )
            ]
        )
    row = {
        "username": body.username,
        "date": start.date().isoformat(),
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}" + ("+1" if days else ""),
        "queues": " ".join(body.queues),
        "skills": " ".join(body.skills),
        "note": body.note,
    }
    stored = await rosters.store(
        session, who.actor, [(1, row)], tz=tz, now=clock.now(), source="entry"
    )
    return rosters.EntryOut.of(stored[0], await rosters.names(session), tz)


@router.post(
    "/roster-imports",
    response_model=ImportOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def import_entries(
    request: Request,
    session: Session,
    settings: SettingsDep,
    who: Planner,
    clock: ClockDep,
) -> ImportOut:
    """Import a roster file (the body: CSV or XLSX; columns username, date, start, end, queues,
    skills, note). Every row is checked first; one bad row refuses the file (422
    ``roster_rows_refused`` with ``problems``: each row's line, code and reason), nothing stored."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("text/csv", XLSX):
        raise UnsupportedMediaType(f"send the roster as text/csv or {XLSX}, not {kind or 'none'}")
    content = await read_limited_body(request, MAX_FILE)
    try:
        rows = (
            roster_rows.read_csv(content) if kind == "text/csv" else roster_rows.read_xlsx(content)
        )
    except roster_rows.Unreadable as exc:
        raise Invalid(str(exc)) from exc
    source = "csv" if kind == "text/csv" else "xlsx"
    stored = await rosters.store(
        session, who.actor, rows, tz=settings.tz, now=clock.now(), source=source
    )
    names = await rosters.names(session)
    return ImportOut(
        imported=len(stored),
        entries=[rosters.EntryOut.of(r, names, settings.tz) for r in stored],
    )


@router.delete("/rosters/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_entry(
    entry_id: uuid.UUID, session: Session, who: Planner, clock: ClockDep
) -> Response:
    """Take a planned shift away (audited)."""
    await rosters.remove(session, who.actor, entry_id, now=clock.now())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/roster-presence", response_model=rosters.PresenceReport)
async def presence(
    session: Session,
    settings: SettingsDep,
    _: Reader,
    clock: ClockDep,
    late_after_minutes: Annotated[int, Query(ge=0, le=240)] = 10,
) -> rosters.PresenceReport:
    """Each shift planned for now against the floor: missing, late, not due yet, present."""
    return await rosters.presence(
        session,
        now=clock.now(),
        tz=settings.tz,
        late_after=timedelta(minutes=late_after_minutes),
    )


@router.get("/analytics/surge-days", response_model=list[rosters.SurgeDayOut])
async def list_surges(
    session: Session, _: Reader, date_from: date, date_to: date
) -> list[rosters.SurgeDayOut]:
    """The days marked as surges in ``date_from``..``date_to``."""
    rows = await rosters.surge_days(session, date_from, date_to)
    return [rosters.SurgeDayOut.model_validate(r, from_attributes=True) for r in rows]


@router.post(
    "/analytics/surge-days",
    response_model=rosters.SurgeDayOut,
    status_code=status.HTTP_201_CREATED,
)
async def mark_surge(
    body: SurgeIn, session: Session, who: Marker, clock: ClockDep
) -> rosters.SurgeDayOut:
    """Mark a day as a surge: the forecast leaves it out of its history."""
    row = await rosters.mark_surge(session, who.actor, body.day, body.note, now=clock.now())
    return rosters.SurgeDayOut.model_validate(row, from_attributes=True)


@router.delete("/analytics/surge-days/{day}", status_code=status.HTTP_204_NO_CONTENT)
async def unmark_surge(day: date, session: Session, who: Marker, clock: ClockDep) -> Response:
    """Take a day's surge mark away."""
    await rosters.unmark_surge(session, who.actor, day, now=clock.now())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def forecast_report(
    session: Session,
    settings: SettingsDep,
    clock: ClockDep,
    _: Reader,
    date_: Annotated[date | None, Query(alias="date")] = None,
    weeks: Annotated[int, Query(ge=1, le=26)] = 8,
    holdout_weeks: Annotated[int, Query(ge=1, le=8)] = 2,
    queue: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> forecasting.ForecastReport:
    """The forecast asked for (tomorrow when no date is given)."""
    tz = settings.tz
    day = date_ or (
        datetime.combine(clock.now().astimezone(tz).date(), time(0), tz).date() + timedelta(days=1)
    )
    _known_days(day)
    return await forecasting.build(
        session, day, tz=tz, weeks=weeks, holdout_weeks=holdout_weeks, queue=queue
    )


ForecastDep = Annotated[forecasting.ForecastReport, Depends(forecast_report)]


@router.get("/analytics/forecast", response_model=forecasting.ForecastReport)
async def forecast(report: ForecastDep) -> forecasting.ForecastReport:
    """Calls per half-hour of a local day forecast from the past ``weeks`` weeks (same weekday;
    holidays and surge days left out), its error on the ``holdout_weeks`` held back, the
    operators Erlang C needs for the queue's target, the roster and the gaps."""
    return report


@router.get("/analytics/forecast/export.xlsx", response_class=Response, responses=_WORKBOOK)
async def forecast_xlsx(report: ForecastDep, take: Taker) -> Response:
    """The forecast as a workbook: Intervals and History."""
    tables = exports.forecast_tables(report)
    return await take.workbook("forecast", report, tables, len(report.intervals))


@router.get("/analytics/forecast/export.csv", response_class=StreamingResponse, responses=_CSV)
async def forecast_csv(
    report: ForecastDep,
    take: Taker,
    table: exports.ForecastTable = exports.ForecastTable.INTERVALS,
) -> StreamingResponse:
    """One table of the forecast as CSV (``table``: intervals, history)."""
    return await take.table("forecast", report, exports.forecast_tables(report), table)
