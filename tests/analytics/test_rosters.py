"""Shift rosters over HTTP: planned one by one or imported (a bad row refuses the whole file,
nothing stored), who is missing or late against the queues' floor, surge days, and the
forecast against the roster with its audited downloads."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.analytics import forecast
from dispatch.core.database import unit_of_work
from dispatch.queues import queue_log
from dispatch.queues.states import QueueEvent as E
from tests.fixtures.api import Api

pytestmark = pytest.mark.asyncio
# Most of this is the same on both backends; the refusal storing nothing and the forecast's
# queries run on PostgreSQL too.
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

TZ = ZoneInfo("Asia/Tashkent")
ROSTERS = "/api/v1/rosters"
IMPORT = "/api/v1/roster-imports"
FORECAST = "/api/v1/analytics/forecast"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = "username,date,start,end,queues,skills,note\r\n"


def as_csv(*lines: str) -> bytes:
    return (HEADER + "\r\n".join(lines) + "\r\n").encode()


async def stored(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(
            (await connection.execute(text("SELECT count(*) FROM analytics_roster"))).scalar_one()
        )


async def audited(engine: AsyncEngine, action: str) -> list[tuple[str, str, Any]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT actor, target_id, detail FROM audit_log WHERE action = :a ORDER BY id"),
            {"a": action},
        )
        return [tuple(row) for row in rows.all()]


@SQLITE
async def test_a_roster_file_is_imported_whole_and_listed(api: Api, engine: AsyncEngine) -> None:
    content = as_csv(
        "operator1,2026-03-02,08:00,20:00,voice-uz,lang:uz,day shift",
        "operator2,2026-03-02,20:00,08:00+1,voice-ru sms,lang:ru;channel:sms,",
        "",
        "operator1,2026-03-03,08:00,20:00,,,",
    )
    response = await api.post(
        IMPORT, user="supervisor1", content=content, headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 3
    listed = await api.get(f"{ROSTERS}?date_from=2026-03-02&date_to=2026-03-02", user="analyst1")
    assert listed.status_code == 200
    night = next(e for e in listed.json() if e["username"] == "operator2")
    assert night["starts_at"] == "2026-03-02T20:00:00+05:00"
    assert night["ends_at"] == "2026-03-03T08:00:00+05:00"
    assert night["queues"] == ["sms", "voice-ru"]
    assert night["skills"] == ["channel:sms", "lang:ru"]
    assert night["full_name"] == "Aleksandr Pak"
    assert len(listed.json()) == 2  # 03-03's shift is not on 03-02
    assert await stored(engine) == 3
    [(actor, _, detail)] = await audited(engine, "roster.import")
    assert actor == "supervisor1"
    assert (json.loads(detail) if isinstance(detail, str) else detail)["count"] == 3


@SQLITE
async def test_an_xlsx_roster_with_date_and_time_cells(api: Api, engine: AsyncEngine) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Username", "Date", "Start", "End", "Queues", "Skills"])
    sheet.append(["operator1", date(2026, 3, 9), time(8, 0), time(20, 0), "voice-uz", "lang:uz"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = await api.post(
        IMPORT, user="supervisor1", content=buffer.getvalue(), headers={"Content-Type": XLSX}
    )
    assert response.status_code == 201, response.text
    [entry] = response.json()["entries"]
    assert entry["starts_at"] == "2026-03-09T08:00:00+05:00"
    assert await stored(engine) == 1


@pytest.mark.parametrize(
    ("bad_line", "code"),
    [
        ("operator2,2026-02-30,08:00,20:00,,,", "bad_date"),
        ("operator2,9999-12-31,20:00,08:00+1,,,", "bad_date"),
        ("nobody,2026-03-02,08:00,20:00,,,", "unknown_user"),
        ("qa1,2026-03-02,08:00,20:00,,,", "unknown_user"),
        ("operator2,2026-03-02,20:00,08:00,,,", "end_before_start"),
        ("operator1,2026-03-02,19:00,23:00,,,", "overlap"),
        ("operator2,2026-03-02,08:00,20:00,voice-xx,,", "unknown_queue"),
        ("operator2,2026-03-02,8h,20:00,,,", "bad_time"),
    ],
)
@SQLITE
async def test_one_bad_row_refuses_the_file_and_nothing_is_imported(
    api: Api, engine: AsyncEngine, bad_line: str, code: str
) -> None:
    content = as_csv(
        "operator1,2026-03-02,08:00,20:00,voice-uz,lang:uz,",
        "operator2,2026-03-03,08:00,20:00,,,",
        bad_line,
    )
    response = await api.post(
        IMPORT, user="supervisor1", content=content, headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "roster_rows_refused"
    assert body["detail_code"] == "roster_rows_refused"
    assert [(e["line"], e["code"]) for e in body["problems"]] == [(4, code)]
    assert "line 4" in body["detail"]
    assert await stored(engine) == 0
    assert await audited(engine, "roster.import") == []


async def test_a_shift_overlapping_one_already_planned_is_refused(
    api: Api, engine: AsyncEngine
) -> None:
    first = await api.post(
        ROSTERS,
        user="supervisor1",
        json={
            "username": "operator1",
            "starts_at": "2026-03-02T08:00:00+05:00",
            "ends_at": "2026-03-02T20:00:00+05:00",
            "queues": ["voice-uz"],
        },
    )
    assert first.status_code == 201, first.text
    content = as_csv("operator2,2026-03-02,08:00,20:00,,,", "operator1,2026-03-02,12:00,14:00,,,")
    again = await api.post(
        IMPORT, user="supervisor1", content=content, headers={"Content-Type": "text/csv"}
    )
    assert again.status_code == 422
    assert [(e["line"], e["code"]) for e in again.json()["problems"]] == [(3, "overlap")]
    assert "already planned" in again.json()["problems"][0]["reason"]
    assert await stored(engine) == 1
    gone = await api.request("DELETE", f"{ROSTERS}/{first.json()['id']}", user="supervisor1")
    assert gone.status_code == 204
    assert await stored(engine) == 0
    assert [a for a, _, _ in await audited(engine, "roster.delete")] == ["supervisor1"]
    missing = await api.request("DELETE", f"{ROSTERS}/{uuid.uuid4()}", user="supervisor1")
    assert missing.status_code == 404


@SQLITE
async def test_unreadable_files_and_other_roles_are_refused(api: Api, engine: AsyncEngine) -> None:
    headers = {"Content-Type": "text/csv"}
    no_column = await api.post(
        IMPORT, user="supervisor1", content=b"username,date\r\nx,y\r\n", headers=headers
    )
    assert no_column.status_code == 422
    assert "start" in no_column.json()["detail"]
    not_xlsx = await api.post(
        IMPORT, user="supervisor1", content=b"PK nonsense", headers={"Content-Type": XLSX}
    )
    assert not_xlsx.status_code == 422
    wrong_type = await api.post(
        IMPORT, user="supervisor1", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert wrong_type.status_code == 415
    analyst = await api.post(
        IMPORT,
        user="analyst1",
        content=as_csv("operator1,2026-03-02,08:00,20:00,,,"),
        headers=headers,
    )
    assert analyst.status_code == 403
    assert await stored(engine) == 0


@SQLITE
async def test_who_is_missing_or_late_now(api: Api) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)

    async def plan(user: str, minutes_ago: int, skills: tuple[str, ...] = ()) -> None:
        made = await api.post(
            ROSTERS,
            user="supervisor1",
            json={
                "username": user,
                "starts_at": (now - timedelta(minutes=minutes_ago)).isoformat(),
                "ends_at": (now + timedelta(hours=8)).isoformat(),
                "queues": ["voice-uz"],
                "skills": list(skills),
            },
        )
        assert made.status_code == 201, made.text

    # Signs in now: late by about 40 minutes, and without the sign language planned for.
    await plan("operator1", 40, ("lang:uz", "sign_language"))
    await plan("operator2", 30)  # never signs in: missing
    await plan("supervisor1", 3)  # not due yet
    signed = await api.post(
        "/api/v1/operators/me/state", user="operator1", json={"state": "available"}
    )
    assert signed.status_code == 200, signed.text

    report = await api.get("/api/v1/roster-presence", user="supervisor1")
    assert report.status_code == 200, report.text
    rows = {r["entry"]["username"]: r for r in report.json()["rows"]}
    assert [r["entry"]["username"] for r in report.json()["rows"]] == [
        "operator2",
        "operator1",
        "supervisor1",
    ]
    assert rows["operator2"]["presence"] == "missing"
    assert rows["operator2"]["state"] == "signed_out"
    assert rows["operator2"]["late_minutes"] in (30, 31)
    assert rows["operator1"]["presence"] == "late"
    assert rows["operator1"]["state"] == "available"
    assert rows["operator1"]["late_minutes"] in (40, 41)
    assert rows["operator1"]["signed_in_at"] is not None
    assert rows["operator1"]["lacking"] == ["sign_language"]
    assert rows["supervisor1"]["presence"] == "expected"

    # With an hour's grace the operator who came 40 minutes late counts as present.
    lenient = await api.get("/api/v1/roster-presence?late_after_minutes=60", user="analyst1")
    assert {r["entry"]["username"]: r["presence"] for r in lenient.json()["rows"]}[
        "operator1"
    ] == "present"


# --------------------------------------------------------------------------- the forecast

DAY = date(2025, 6, 18)  # a Wednesday; Qurbon hayiti (a Friday, 2025-06-06) in its history
SURGE = DAY - timedelta(weeks=2)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(UTC)


async def write_history(api: Api) -> None:
    """Five weeks before DAY: at 09:05 four calls on Wednesdays and two on other days, at 14:10
    one call a day; the surge Wednesday ten and the holiday twenty at 09:05. Each call talks
    200 s and wraps up 40 s."""
    runtime = api.runtime
    first = DAY - timedelta(weeks=5)
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        for offset in range((DAY - first).days):
            day = first + timedelta(days=offset)
            morning = 4 if day.weekday() == 2 else 2
            morning = {SURGE: 10, date(2025, 6, 6): 20}.get(day, morning)
            for hour, minute, count in ((9, 5, morning), (14, 10, 1)):
                for n in range(count):
                    at = local(day, hour, minute) + timedelta(seconds=n)
                    call = uuid.uuid4()
                    q = "voice-uz"
                    await queue_log.write(session, E.ENTER, at=at, queue=q, call_id=call)
                    await queue_log.write(
                        session, E.CONNECT, at=at + timedelta(seconds=5), queue=q,
                        call_id=call, operator="operator1", wait_s=5,
                    )  # fmt: skip
                    await queue_log.write(
                        session, E.COMPLETE, at=at + timedelta(seconds=205), queue=q,
                        call_id=call, operator="operator1", wait_s=5, talk_s=200, reason="ended",
                    )  # fmt: skip
                    await queue_log.write(
                        session, E.WRAP_UP, at=at + timedelta(seconds=245), queue=q,
                        call_id=call, operator="operator1", wrap_s=40,
                    )  # fmt: skip


async def test_the_forecast_against_the_roster(api: Api, engine: AsyncEngine) -> None:
    await write_history(api)
    marked = await api.post(
        "/api/v1/analytics/surge-days",
        user="analyst1",
        json={"day": SURGE.isoformat(), "note": "earthquake"},
    )
    assert marked.status_code == 201, marked.text
    twice = await api.post(
        "/api/v1/analytics/surge-days",
        user="supervisor1",
        json={"day": SURGE.isoformat(), "note": "x"},
    )
    assert twice.status_code == 409
    planned = await api.post(
        IMPORT,
        user="supervisor1",
        content=as_csv(
            f"operator1,{DAY},08:00,20:00,voice-uz,,", f"operator2,{DAY},09:00,10:00,,,"
        ),
        headers={"Content-Type": "text/csv"},
    )
    assert planned.status_code == 201, planned.text

    response = await api.get(
        f"{FORECAST}?date={DAY}&weeks=4&holdout_weeks=1&queue=voice-uz", user="supervisor1"
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["history_days"] == [str(DAY - timedelta(weeks=k)) for k in (4, 3, 1)]
    assert {"day": str(SURGE), "reason": "surge: earthquake"} in report["left_out"]
    assert report["handle_seconds"] == 240.0
    assert report["handle_from_history"] is True
    assert (report["target_seconds"], report["target_percent"]) == (10, 90)
    rows = report["intervals"]
    assert len(rows) == 48
    assert rows[18]["start"] == "2025-06-18T09:00:00+05:00"
    assert (rows[18]["calls"], rows[28]["calls"], rows[3]["calls"]) == (4.0, 1.0, 0.0)
    assert report["total_calls"] == 5.0
    target = forecast.Target(10, 90)
    assert rows[18]["needed"] == forecast.needed(4.0, 240.0, target) == 3
    assert rows[28]["needed"] == forecast.needed(1.0, 240.0, target)
    assert (rows[18]["rostered"], rows[28]["rostered"], rows[3]["rostered"]) == (2, 1, 0)
    assert rows[18]["gap"] == 2 - 3
    assert report["short_intervals"] == sum(1 for r in rows if r["gap"] < 0)
    # The held-back week is forecast exactly: the pattern has no noise, the holiday and the
    # surge are left out of every day's history.
    assert report["error"]["wape"] == 0.0
    assert report["error"]["daily_mape"] == 0.0
    assert len(report["error"]["days"]) == 7

    # The surge counted again: Wednesdays' 09:00 would be (10 + 4 + 4 + 4) / 4.
    unmarked = await api.request("DELETE", f"/api/v1/analytics/surge-days/{SURGE}", user="analyst1")
    assert unmarked.status_code == 204
    again = (
        await api.get(f"{FORECAST}?date={DAY}&weeks=4&holdout_weeks=1", user="analyst1")
    ).json()
    assert again["intervals"][18]["calls"] == 5.5

    csv_answer = await api.get(
        f"{FORECAST}/export.csv?date={DAY}&weeks=4&holdout_weeks=1", user="analyst1"
    )
    assert csv_answer.status_code == 200
    table = list(csv.reader(io.StringIO(csv_answer.text)))
    assert table[0] == ["start", "calls", "needed", "rostered", "gap"]
    assert table[19][1] == "5.5"
    xlsx_answer = await api.get(f"{FORECAST}/export.xlsx?date={DAY}", user="supervisor1")
    assert xlsx_answer.status_code == 200
    book = load_workbook(io.BytesIO(xlsx_answer.content))
    assert book.sheetnames == ["Intervals", "History"]
    exports = await audited(engine, "analytics.export")
    assert [(a, t) for a, t, _ in exports] == [
        ("analyst1", f"forecast:{DAY}..{DAY}"),
        ("supervisor1", f"forecast:{DAY}..{DAY}"),
    ]


@SQLITE
async def test_bad_forecast_questions(api: Api) -> None:
    assert (await api.get(f"{FORECAST}?date=2025-13-01", user="analyst1")).status_code == 422
    assert (await api.get(f"{FORECAST}?weeks=0", user="analyst1")).status_code == 422
    assert (await api.get(f"{FORECAST}?date=0001-01-01", user="analyst1")).status_code == 422
    far = await api.get(f"{ROSTERS}?date_from=9999-12-31&date_to=9999-12-31", user="analyst1")
    assert far.status_code == 422
    unknown = await api.get(f"{FORECAST}?queue=nowhere", user="analyst1")
    assert unknown.status_code == 404
    tomorrow = await api.get(FORECAST, user="supervisor1")
    assert tomorrow.status_code == 200
    assert tomorrow.json()["date_from"] == str(datetime.now(TZ).date() + timedelta(days=1))
    assert (await api.get(FORECAST, user="operator1")).status_code == 403
