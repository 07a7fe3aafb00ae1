"""Schedules: a programme due again every N calendar months for the operators and supervisors
of the roles and ACD skills named, counted from the day (in Tashkent) of the last held session
of it (or of an earlier edition) they attended; suggested for a session when they fall due by
its day plus the lead days, invited with ``source: schedule``. The clock stands at Sunday
22 November 2026, 09:00 in Tashkent; every due date below is worked out by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.clock import ManualClock
from dispatch.core.settings import Settings
from dispatch.training.schedules import add_months
from tests.fixtures.api import Api, running_api
from tests.qa.conftest import check
from tests.training.helpers import TEXTS, programme, put

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)  # 09:00 in Tashkent
PROGRAMMES = "/api/v1/training/programmes"
SESSIONS = "/api/v1/training/sessions"
SCHEDULES = "/api/v1/training/schedules"


@pytest_asyncio.fixture
async def api(settings: Settings) -> AsyncIterator[Api]:
    """The app on a clock standing at ``NOW``."""
    async with running_api(settings, clock=ManualClock(NOW)) as client:
        yield client


@pytest.mark.parametrize(
    ("day", "months", "due"),
    [
        (date(2026, 1, 31), 12, date(2027, 1, 31)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # February is shorter
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # a leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),  # across the year
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 6, 1), 6, date(2025, 12, 1)),
        (date(2025, 6, 1), 120, date(2035, 6, 1)),
    ],
)
def test_a_due_date_is_whole_calendar_months_later(day: date, months: int, due: date) -> None:
    assert add_months(day, months) == due


async def _programme(api: Api, title: str) -> str:
    body = programme(title={**TEXTS, "en": title})
    return str(check(await api.post(PROGRAMMES, user="trainer1", json=body), 201)["id"])


async def _session(api: Api, programme_id: str, starts: str) -> str:
    body = {"programme_id": programme_id, "starts_at": starts, "minutes": 60}
    return str(check(await api.post(SESSIONS, user="trainer1", json=body), 201)["id"])


async def _held(api: Api, programme_id: str, starts: str, attended: dict[str, bool]) -> None:
    session_id = await _session(api, programme_id, starts)
    invite = {"usernames": list(attended)}
    check(await api.post(f"{SESSIONS}/{session_id}/trainees", user="trainer1", json=invite), 200)
    came = {"attended": attended}
    check(await put(api, f"{SESSIONS}/{session_id}/attendance", user="trainer1", json=came), 200)


async def _suggested(api: Api, programme_id: str, session_id: str) -> list[tuple[Any, ...]]:
    url = f"{PROGRAMMES}/{programme_id}/suggested-trainees?session_id={session_id}"
    return [
        (s["username"], s["source"], s["last_attended"], s["due_on"], s["invited"])
        for s in check(await api.get(url, user="trainer1"), 200)
    ]


@pytest.mark.parametrize(
    "database_url",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
    indirect=True,
)
@pytest.mark.asyncio
async def test_a_schedule_suggests_whoever_falls_due_by_the_session(api: Api) -> None:
    refresher = await _programme(api, "Refresher 2026")
    earlier = await _programme(api, "Refresher 2025")
    # operator2 attended the earlier edition at 00:30 on 1 June 2025 in Tashkent (still
    # 31 May in UTC); operator1 the refresher on 31 January 2026; supervisor1 did not come.
    await _held(api, earlier, "2025-06-01T00:30:00+05:00", {"operator2": True})
    await _held(
        api, refresher, "2026-01-31T10:00:00+05:00", {"operator1": True, "supervisor1": False}
    )
    body = {
        "programme_id": refresher, "roles": ["operator"], "interval_months": 12,
        "lead_days": 30, "counts_also": [earlier], "note": "Annual refresher",
    }  # fmt: skip
    made = check(await api.post(SCHEDULES, user="trainer1", json=body), 201)
    assert (made["active"], made["in_scope"], made["due"], made["next_session"]) == (
        True, 2, 1, None,
    )  # fmt: skip
    # Today 22 November + 30 days = 22 December: operator2 fell due on 1 June 2026 (1 June
    # 2025 + 12 months); operator1 falls due on 31 January 2027, after it.
    due = check(await api.get(f"{SCHEDULES}/{made['id']}/due", user="admin"), 200)
    assert [(d["username"], d["last_attended"], d["due_on"], d["overdue"]) for d in due] == [
        ("operator2", "2025-06-01", "2026-06-01", True)
    ]
    # A session on 31 December takes those due by 30 January; on 1 January, by 31 January.
    on_31st = await _session(api, refresher, "2026-12-31T10:00:00+05:00")
    on_1st = await _session(api, refresher, "2027-01-01T10:00:00+05:00")
    assert await _suggested(api, refresher, on_31st) == [
        ("operator2", "schedule", "2025-06-01", "2026-06-01", False)
    ]
    assert await _suggested(api, refresher, on_1st) == [
        ("operator2", "schedule", "2025-06-01", "2026-06-01", False),
        ("operator1", "schedule", "2026-01-31", "2027-01-31", False),
    ]
    # Invited to the 31st, operator2 comes from the schedule and leaves the 1st's suggestions.
    invite = {"usernames": ["operator2"]}
    invited = check(
        await api.post(f"{SESSIONS}/{on_31st}/trainees", user="trainer1", json=invite), 200
    )
    [trainee] = invited["trainees"]
    assert (trainee["source"], trainee["schedule_id"]) == ("schedule", made["id"])
    assert await _suggested(api, refresher, on_31st) == [
        ("operator2", "schedule", "2025-06-01", "2026-06-01", True)
    ]
    assert [s[0] for s in await _suggested(api, refresher, on_1st)] == ["operator1"]
    due = check(await api.get(f"{SCHEDULES}/{made['id']}/due", user="trainer1"), 200)
    assert due[0]["invited_to"] == on_31st
    # supervisor1 is outside the schedule's roles: invited by hand.
    hand = {"usernames": ["supervisor1"]}
    by_hand = check(
        await api.post(f"{SESSIONS}/{on_1st}/trainees", user="trainer1", json=hand), 200
    )
    assert [(t["source"], t["schedule_id"]) for t in by_hand["trainees"]] == [("hand", None)]
    listed = check(await api.get(SCHEDULES, user="supervisor1"), 200)
    assert [(s["id"], s["next_session"][:19]) for s in listed] == [
        (made["id"], "2026-12-31T05:00:00")
    ]

    # A skill's schedule: only operator2 holds sign_language; every 6 months, no lead.
    skill = {"programme_id": refresher, "skills": ["sign_language"], "interval_months": 6,
             "lead_days": 0}  # fmt: skip
    signers = check(await api.post(SCHEDULES, user="supervisor1", json=skill), 201)
    assert (signers["in_scope"], signers["due"], signers["counts_also"]) == (1, 1, [])

    # Ended, the operators' schedule suggests nobody; operator1 is in no other scope.
    ended = check(await api.post(f"{SCHEDULES}/{made['id']}/end", user="admin"), 200)
    assert (ended["active"], ended["ended_by"], ended["due"]) == (False, "admin", 0)
    assert await _suggested(api, refresher, on_1st) == []
    assert check(await api.get(f"{SCHEDULES}/{made['id']}/due", user="trainer1"), 200) == []
    assert [s["id"] for s in check(await api.get(SCHEDULES, user="trainer1"), 200)] == [
        signers["id"]
    ]
    everything = check(await api.get(f"{SCHEDULES}?ended=true", user="trainer1"), 200)
    assert {s["id"] for s in everything} == {made["id"], signers["id"]}
    again = check(await api.post(f"{SCHEDULES}/{made['id']}/end", user="trainer1"), 409)
    assert "ended" in again["detail"]
    assert again["detail_code"] == "training_schedule_ended"  # said in the page's language
    check(await put(api, f"{SCHEDULES}/{made['id']}", user="trainer1", json=body), 409)


@SQLITE
@pytest.mark.asyncio
async def test_a_schedule_is_changed_audited_and_survives_a_restart(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with running_api(settings, clock=ManualClock(NOW)) as api:
        refresher = await _programme(api, "Refresher")
        body = {"programme_id": refresher, "roles": ["supervisor"], "interval_months": 24}
        made = check(await api.post(SCHEDULES, user="trainer1", json=body), 201)
        assert (made["lead_days"], made["in_scope"], made["due"]) == (30, 1, 1)
        changed = {**body, "roles": ["operator", "supervisor"], "lead_days": 14}
        check(await put(api, f"{SCHEDULES}/{made['id']}", user="supervisor1", json=changed), 200)
    async with running_api(settings, clock=ManualClock(NOW)) as api:
        kept = check(await api.get(f"{SCHEDULES}/{made['id']}", user="trainer1"), 200)
        assert (kept["roles"], kept["lead_days"], kept["in_scope"], kept["updated_by"]) == (
            ["operator", "supervisor"], 14, 3, "supervisor1",
        )  # fmt: skip
    async with engine.connect() as connection:
        actions = (
            await connection.execute(
                text(
                    "SELECT action FROM audit_log WHERE action LIKE 'training.schedule.%' "
                    "ORDER BY id"
                )
            )
        ).scalars()
        assert list(actions) == ["training.schedule.create", "training.schedule.update"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"roles": []}, "names the roles or the skills"),
        ({"roles": ["qa"]}, "roles.0"),
        ({"roles": ["operator", "operator"]}, "named twice"),
        ({"skills": ["lang:{call}"]}, "skills.0"),
        ({"skills": ["driving"]}, "skills.0"),
        ({"interval_months": 0}, "interval_months"),
        ({"interval_months": 121}, "interval_months"),
        ({"lead_days": -1}, "lead_days"),
        ({"programme_id": "00000000-0000-4000-8000-000000000000"}, "programme_id: no training"),
        ({"counts_also": ["00000000-0000-4000-8000-000000000000"]}, "counts_also: no training"),
        ({"counts_also": "self"}, "the programme itself always counts"),
        ({"every": 12}, "every"),
    ],
)
@SQLITE
@pytest.mark.asyncio
async def test_a_bad_schedule_is_refused_and_changes_nothing(
    api: Api, engine: AsyncEngine, change: dict[str, Any], says: str
) -> None:
    refresher = await _programme(api, "Refresher")
    body = {"programme_id": refresher, "roles": ["operator"], "interval_months": 12, **change}
    if body.get("counts_also") == "self":
        body["counts_also"] = [refresher]
    refused = check(await api.post(SCHEDULES, user="trainer1", json=body), 422)
    assert says in refused["detail"]
    if says.endswith(": no training"):
        assert refused["detail_code"] == "training_programme_unknown"
    assert check(await api.get(f"{SCHEDULES}?ended=true", user="trainer1"), 200) == []
    async with engine.connect() as connection:
        audited = await connection.scalar(
            text("SELECT count(*) FROM audit_log WHERE action LIKE 'training.schedule.%'")
        )
    assert audited == 0


@SQLITE
@pytest.mark.asyncio
async def test_only_trainers_supervisors_and_admins_keep_schedules(api: Api) -> None:
    refresher = await _programme(api, "Refresher")
    body = {"programme_id": refresher, "roles": ["operator"], "interval_months": 12}
    for user in ("operator1", "qa1", "analyst1"):
        check(await api.post(SCHEDULES, user=user, json=body), 403)
    made = check(await api.post(SCHEDULES, user="admin", json=body), 201)
    check(await api.post(f"{SCHEDULES}/{made['id']}/end", user="operator1"), 403)
    check(await api.get(f"{SCHEDULES}/00000000-0000-4000-8000-000000000000", user="admin"), 404)
    assert [s["active"] for s in check(await api.get(SCHEDULES, user="trainer1"), 200)] == [True]
