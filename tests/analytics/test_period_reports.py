"""The queues' KPIs over any period and the operators' working time, checked against figures
computed by hand from a generated history of queue-log lines (written by the ACD's own writer,
which keeps the 15-minute counters), their XLSX and CSV downloads, and bad questions."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.database import unit_of_work
from dispatch.queues import queue_log
from dispatch.queues.states import QueueEvent as E
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint
from tests.fixtures.processes import dispatch_env, run_cli

pytestmark = pytest.mark.asyncio

TZ = ZoneInfo("Asia/Tashkent")
DAY = date(2025, 3, 10)  # a Monday in the past: nothing else of the tests' falls on it
KPIS = "/api/v1/analytics/kpis"
WORKING = "/api/v1/analytics/working-time"
ONE_DAY = f"date_from={DAY}&date_to={DAY}"


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A Tashkent wall-clock time as an aware UTC instant."""
    return datetime.combine(day, time(hour, minute, second), tzinfo=TZ).astimezone(UTC)


Line = tuple[datetime, E, str | None, str | None, dict[str, Any]]


def history() -> list[Line]:
    """(at, event, queue, operator, data), in the order the ACD would write them."""
    a, c, d = DAY, DAY, DAY + timedelta(days=1)
    return [
        (local(a, 8), E.SIGN_IN, None, "operator1", {}),
        (local(a, 9), E.RING_NO_ANSWER, "voice-uz", "operator1", {"ring_s": 15}),
        # A: answered after 8 s, 120 s of talk, 30 s of wrap-up
        (local(a, 10), E.ENTER, "voice-uz", None, {}),
        (local(a, 10, 0, 8), E.CONNECT, "voice-uz", "operator1", {"wait_s": 8}),
        (local(a, 10, 2, 8), E.COMPLETE, "voice-uz", "operator1",
         {"wait_s": 8, "talk_s": 120, "reason": "ended"}),
        (local(a, 10, 2, 38), E.WRAP_UP, "voice-uz", "operator1", {"wrap_s": 30}),
        # B: abandoned after 30 s
        (local(a, 10, 5), E.ENTER, "voice-uz", None, {}),
        (local(a, 10, 5, 30), E.ABANDON, "voice-uz", None, {"wait_s": 30, "reason": "abandoned"}),
        # E (Russian): abandoned after 5 s, an early abandon for both targets
        (local(a, 10, 30), E.ENTER, "voice-ru", None, {}),
        (local(a, 10, 30, 5), E.ABANDON, "voice-ru", None, {"wait_s": 5, "reason": "abandoned"}),
        # C: answered after 25 s by operator2, who signed in before the day and signs out later
        (local(c, 11, 10), E.ENTER, "voice-uz", None, {}),
        (local(c, 11, 10, 25), E.CONNECT, "voice-uz", "operator2", {"wait_s": 25}),
        (local(c, 11, 11, 25), E.COMPLETE, "voice-uz", "operator2",
         {"wait_s": 25, "talk_s": 60, "reason": "ended"}),
        (local(c, 11, 11, 45), E.WRAP_UP, "voice-uz", "operator2", {"wrap_s": 20}),
        (local(c, 12), E.SIGN_OUT, None, "operator2", {"reason": "shift over"}),
        (local(a, 13), E.PAUSE, None, "operator1", {"reason": "lunch"}),
        (local(a, 13, 30), E.UNPAUSE, None, "operator1", {}),
        # F: a call across the 20:00 shift change
        (local(a, 19, 49, 50), E.ENTER, "voice-uz", None, {}),
        (local(a, 19, 50), E.CONNECT, "voice-uz", "operator1", {"wait_s": 10}),
        (local(a, 20, 10), E.COMPLETE, "voice-uz", "operator1",
         {"wait_s": 10, "talk_s": 1200, "reason": "ended"}),
        (local(a, 20, 10, 30), E.WRAP_UP, "voice-uz", "operator1", {"wrap_s": 30}),
        (local(a, 20, 15), E.SIGN_OUT, None, "operator1", {"reason": "shift over"}),
        # D, the next day: answered after 5 s
        (local(d, 9), E.ENTER, "voice-uz", None, {}),
        (local(d, 9, 0, 5), E.CONNECT, "voice-uz", "operator3", {"wait_s": 5}),
        (local(d, 9, 1, 45), E.COMPLETE, "voice-uz", "operator3",
         {"wait_s": 5, "talk_s": 100, "reason": "ended"}),
    ]  # fmt: skip


async def written(api: Api) -> None:
    """The history, through the ACD's queue-log writer (which keeps the counters)."""
    runtime = api.runtime
    calls: dict[tuple[str | None, datetime], uuid.UUID] = {}
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        for at, event, queue, operator, data in history():
            call_id = None
            if queue is not None:
                call_id = calls.setdefault((queue, at), uuid.uuid4())
            await queue_log.write(
                session, event, at=at, queue=queue, call_id=call_id, operator=operator, **data
            )


def levels(period: dict[str, Any]) -> dict[int, tuple[Any, ...]]:
    return {
        level["seconds"]: (
            level["answered_within"],
            level["abandoned_within"],
            level["percent"],
            level["percent_with_abandons"],
        )
        for level in period["service_level"]
    }


async def test_kpis_by_hour_match_the_hand_count(api: Api) -> None:
    await written(api)
    response = await api.get(f"{KPIS}?{ONE_DAY}&grain=hour&queue=voice-uz", user="analyst1")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["queues"] == ["voice-uz"]
    assert report["timezone"] == "Asia/Tashkent"
    starts = [row["start"] for row in report["rows"]]
    assert starts == [
        "2025-03-10T09:00:00+05:00",  # the ring-out
        "2025-03-10T10:00:00+05:00",
        "2025-03-10T11:00:00+05:00",
        "2025-03-10T19:00:00+05:00",
        "2025-03-10T20:00:00+05:00",
    ]
    nine, ten, eleven, seven_pm, eight_pm = report["rows"]
    assert nine["ring_no_answer"] == 1
    assert nine["answered"] == 0
    assert (ten["entered"], ten["answered"], ten["abandoned"], ten["completed"]) == (2, 1, 1, 1)
    assert ten["asa_s"] == 8
    assert ten["abandon_percent"] == 50
    assert levels(ten) == {10: (1, 0, 100, 50), 20: (1, 0, 100, 50)}
    assert (eleven["answered"], eleven["asa_s"], eleven["avg_talk_s"]) == (1, 25, 60)
    assert levels(eleven) == {10: (0, 0, 0, 0), 20: (0, 0, 0, 0)}
    assert (seven_pm["entered"], seven_pm["answered"], seven_pm["completed"]) == (1, 1, 0)
    assert (eight_pm["completed"], eight_pm["avg_talk_s"], eight_pm["avg_wrap_up_s"]) == (
        1,
        1200,
        30,
    )
    total = report["total"]
    assert (total["entered"], total["answered"], total["abandoned"]) == (4, 3, 1)
    assert total["asa_s"] == round((8 + 25 + 10) / 3, 3)
    assert total["avg_talk_s"] == round((120 + 60 + 1200) / 3, 3)
    assert total["avg_wrap_up_s"] == round((30 + 20 + 30) / 3, 3)
    assert total["longest_answered_wait_s"] == 25
    assert levels(total) == {10: (2, 0, 66.67, 50), 20: (2, 0, 66.67, 50)}


async def test_kpis_by_day_shift_and_queue_for_all_queues(api: Api) -> None:
    await written(api)
    two_days = f"date_from={DAY}&date_to={DAY + timedelta(days=1)}"
    report = (await api.get(f"{KPIS}?{two_days}", user="supervisor1")).json()
    assert {"voice-uz", "voice-ru"} <= set(report["queues"])
    first, second = report["rows"]
    assert (first["start"], first["entered"], first["abandoned"]) == (
        "2025-03-10T00:00:00+05:00",
        5,
        2,
    )
    assert levels(first)[10] == (2, 1, 66.67, 60)  # E's 5 s abandon counts as met
    assert (second["start"], second["answered"], second["asa_s"]) == (
        "2025-03-11T00:00:00+05:00",
        1,
        5,
    )
    by_queue = {q["queue"]: q for q in report["by_queue"]}
    assert by_queue["voice-ru"]["figures"]["abandoned"] == 1
    assert by_queue["voice-uz"]["figures"]["answered"] == 4
    assert by_queue["voice-uz"]["title"]
    shifts = (await api.get(f"{KPIS}?{ONE_DAY}&grain=shift", user="admin")).json()["rows"]
    assert [(r["start"], r["entered"]) for r in shifts] == [
        ("2025-03-10T08:00:00+05:00", 5),
        ("2025-03-10T20:00:00+05:00", 0),  # F's talk ended after 20:00: completed there
    ]
    assert shifts[1]["completed"] == 1
    month = (await api.get(f"{KPIS}?{two_days}&grain=month", user="admin")).json()
    assert [r["start"] for r in month["rows"]] == ["2025-03-01T00:00:00+05:00"]
    assert month["rows"][0]["entered"] == month["total"]["entered"] == 6
    total = (await api.get(f"{KPIS}?{two_days}&grain=total", user="admin")).json()
    assert total["rows"] == []
    assert total["total"]["answered"] == 4


async def test_kpis_read_the_rollup_and_agree_after_a_rebuild(
    api: Api, engine: AsyncEngine, database_url: str
) -> None:
    await written(api)
    before = (await api.get(f"{KPIS}?{ONE_DAY}&grain=hour", user="analyst1")).json()
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE queue_stats SET answered = 99"))
    spoiled = (await api.get(f"{KPIS}?{ONE_DAY}&grain=hour", user="analyst1")).json()
    assert spoiled["total"]["answered"] != before["total"]["answered"]
    env = dispatch_env(DISPATCH_DATABASE_URL=database_url)
    done = await asyncio.to_thread(run_cli, ["analytics", "rebuild"], env)
    assert done.returncode == 0, done.stderr
    assert "rebuilt from" in done.stderr
    assert (await api.get(f"{KPIS}?{ONE_DAY}&grain=hour", user="analyst1")).json() == before


async def test_working_time_per_shift_matches_the_hand_count(api: Api) -> None:
    await written(api)
    response = await api.get(f"{WORKING}?{ONE_DAY}", user="supervisor1")
    assert response.status_code == 200, response.text
    report = response.json()
    shifts = {(r["operator"], r["shift_date"], r["shift"]): r for r in report["shifts"]}
    day = shifts[("operator1", "2025-03-10", "day")]
    # 08:00-20:00 signed in; talking 120 s (A) + 600 s (F until 20:00); 30 s wrap-up; lunch.
    assert day["signed_in_s"] == 12 * 3600
    assert (day["talking_s"], day["wrap_up_s"], day["on_break_s"]) == (720, 30, 1800)
    assert day["breaks"] == {"lunch": 1800}
    assert day["available_s"] == 12 * 3600 - 720 - 30 - 1800
    assert (day["answered"], day["completed"], day["missed_offers"]) == (2, 1, 1)
    assert day["operator_name"] == "Dilnoza Karimova"
    night = shifts[("operator1", "2025-03-10", "night")]
    assert (night["signed_in_s"], night["talking_s"], night["wrap_up_s"]) == (900, 600, 30)
    assert (night["available_s"], night["completed"], night["answered"]) == (270, 1, 0)
    # operator2 signed in before the day (no sign-in seen): from midnight until 12:00.
    early = shifts[("operator2", "2025-03-09", "night")]
    assert early["signed_in_s"] == early["available_s"] == 8 * 3600
    late = shifts[("operator2", "2025-03-10", "day")]
    assert late["signed_in_s"] == 4 * 3600
    assert (late["talking_s"], late["wrap_up_s"]) == (60, 20)
    assert "operator3" not in {r["operator"] for r in report["operators"]}
    totals = {r["operator"]: r for r in report["operators"]}
    assert totals["operator1"]["signed_in_s"] == 12 * 3600 + 900
    assert totals["operator1"]["breaks"] == {"lunch": 1800}
    one = (await api.get(f"{WORKING}?{ONE_DAY}&operator=operator2", user="analyst1")).json()
    assert [r["operator"] for r in one["operators"]] == ["operator2"]


async def test_a_title_no_workbook_can_hold_or_a_formula_downloads_as_text(api: Api) -> None:
    # Found by the fuzzer: a queue whose title held a bell character made the KPI workbook fail
    # (openpyxl refuses it: 500); a title starting with "=" would have become a live formula.
    queue = {"name": "voice-x", "channels": ["voice"], "languages": ["tg"], "match_rank": 5}
    created = await api.post(
        "/api/v1/queues", user="admin", json={**queue, "title": "=1+1 Tez\x07yordam"}
    )
    assert created.status_code == 201, created.text
    book = await api.get(f"{KPIS}/export.xlsx?{ONE_DAY}", user="admin")
    assert book.status_code == 200, book.text
    rows = list(load_workbook(io.BytesIO(book.content))["Queues"].iter_rows(min_row=2))
    (title,) = [row[1] for row in rows if row[0].value == "voice-x"]
    assert (title.value, title.data_type) == ("=1+1 Tez\ufffdyordam", "s")
    table = await api.get(f"{KPIS}/export.csv?{ONE_DAY}&table=queues", user="admin")
    assert table.status_code == 200, table.text
    (line,) = [r for r in csv.DictReader(io.StringIO(table.text)) if r["queue"] == "voice-x"]
    assert line["queue_title"] == "'=1+1 Tez\ufffdyordam"


async def test_downloads_carry_the_same_figures_and_are_audited(
    api: Api, engine: AsyncEngine
) -> None:
    await written(api)
    response = await api.get(f"{KPIS}/export.xlsx?{ONE_DAY}&grain=hour", user="analyst1")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "kpis-2025-03-10-2025-03-10.xlsx" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Periods", "Queues"]
    periods = [tuple(row) for row in book["Periods"].iter_rows(values_only=True)]
    header = periods[0]
    assert header[:4] == ("start", "entered", "answered", "abandoned")
    assert "sl_20s_percent_with_abandons" in header
    ten = dict(zip(header, periods[2], strict=True))
    assert ten["start"] == datetime(2025, 3, 10, 10)
    assert (ten["entered"], ten["answered"], ten["asa_s"], ten["sl_10s_percent"]) == (3, 1, 8, 100)

    sheet = await api.get(f"{WORKING}/export.csv?{ONE_DAY}&table=shifts", user="supervisor1")
    assert sheet.status_code == 200, sheet.text
    assert sheet.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    day = next(r for r in rows if r["operator"] == "operator1" and r["shift"] == "day")
    assert (day["signed_in_s"], day["break_lunch_s"], day["missed_offers"]) == (
        "43200.0",
        "1800.0",
        "1",
    )
    workbook = await api.get(f"{WORKING}/export.xlsx?{ONE_DAY}", user="admin")
    assert load_workbook(io.BytesIO(workbook.content)).sheetnames == ["Operators", "Shifts"]
    queues = await api.get(f"{KPIS}/export.csv?{ONE_DAY}&table=queues", user="admin")
    assert next(csv.DictReader(io.StringIO(queues.text)))["queue"]
    async with engine.connect() as connection:
        audited = (
            await connection.execute(
                text(
                    "SELECT actor, target_id, detail FROM audit_log "
                    "WHERE action = 'analytics.export' ORDER BY id"
                )
            )
        ).all()
    assert [(row[0], row[1]) for row in audited] == [
        ("analyst1", "kpis:2025-03-10..2025-03-10"),
        ("supervisor1", "working-time:2025-03-10..2025-03-10"),
        ("admin", "working-time:2025-03-10..2025-03-10"),
        ("admin", "kpis:2025-03-10..2025-03-10"),
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # backend-neutral checks
@pytest.mark.parametrize(
    ("url", "status", "fragment"),
    [
        (f"{KPIS}?date_from=2025-03-10&date_to=2025-03-09", 422, "before date_from"),
        (f"{KPIS}?date_from=2024-01-01&date_to=2025-03-09", 422, "at most 366 days"),
        (f"{KPIS}?{ONE_DAY}&grain=fortnight", 422, "grain"),
        (f"{KPIS}?{ONE_DAY}&queue=no-such-queue", 404, "no-such-queue"),
        (f"{KPIS}?date_from=2025-03-10", 422, "date_to"),
        (f"{WORKING}?date_from=2025-13-01&date_to=2025-03-10", 422, "date_from"),
        (f"{WORKING}/export.csv?{ONE_DAY}&table=weeks", 422, "table"),
    ],
)
async def test_bad_questions_are_explained_and_change_nothing(
    api: Api, engine: AsyncEngine, url: str, status: int, fragment: str
) -> None:
    before = await fingerprint(engine)
    response = await api.get(url, user="analyst1")
    assert response.status_code == status, response.text
    assert fragment in response.text
    assert await fingerprint(engine) == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # backend-neutral checks
@pytest.mark.parametrize("user", ["operator1", "qa1", None])
async def test_only_analysts_supervisors_and_admins_read_them(api: Api, user: str | None) -> None:
    for url in (f"{KPIS}?{ONE_DAY}", f"{WORKING}/export.csv?{ONE_DAY}"):
        response = await api.get(url, user=user)
        assert response.status_code == (401 if user is None else 403), response.text
