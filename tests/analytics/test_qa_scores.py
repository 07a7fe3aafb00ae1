"""QA scores in the period reports: official evaluations (newest revisions) of calls written as
they would be stored, scored through QA's API, checked against hand-computed figures per day,
operator and queue, with every call filter; the same means as QA's own report; the downloads."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dispatch.calls.models import Call
from dispatch.cards.models import CardRow
from dispatch.feeds.models import ServiceProgress
from tests.analytics.test_call_report import local
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint
from tests.qa.conftest import check, evaluate

pytestmark = pytest.mark.asyncio

DAY = date(2025, 3, 10)
URL = "/api/v1/analytics/qa-scores"
TWO_DAYS = f"date_from={DAY}&date_to={DAY + timedelta(days=1)}"
URGUT, CHILONZOR = ("UZ-SA", "UZ-SA-urgut"), ("UZ-TK", "UZ-TK-chilonzor")


@dataclass(frozen=True)
class Scored:
    """A call and how its evaluation went (None: a calibration's, not official)."""

    name: str
    at: Any
    operator: str
    queue: str
    language: str
    incident_type: str
    place: tuple[str, str]
    misses: dict[str, str] | None
    official: bool = True


# Scores on the default scorecard (tests/qa): every item yes 100 (high); all key questions
# missed 92.5 (compliant); answers not recorded 97.5 (high); the address not verified 0
# (critical, non-compliant).
CALLS = [
    Scored("e1", local(10), "operator1", "voice-uz", "uz", "medical.stroke", URGUT, None),
    Scored("e2", local(10, 30), "operator2", "voice-ru", "ru", "fire.residential", CHILONZOR,
           {"all_key_questions": "no"}),
    Scored("e3", local(21), "operator1", "voice-uz", "uz", "fire.residential", URGUT,
           {"address_verified": "no"}),
    Scored("e4", local(9, day=DAY + timedelta(days=1)), "operator2", "voice-uz", "uz",
           "medical.stroke", URGUT, {"answers_recorded": "no"}),
    Scored("e5", local(11), "operator1", "voice-uz", "uz", "medical.stroke", URGUT,
           {"no_delay": "no"}, official=False),
    Scored("e6", local(9, day=DAY + timedelta(days=2)), "operator1", "voice-uz", "uz",
           "medical.stroke", URGUT, None),
]  # fmt: skip


async def scored(api: Api, engine: AsyncEngine) -> dict[str, uuid.UUID]:
    """The calls with their cards, then their evaluations."""
    ids = await stored(engine)
    calibration = check(
        await api.post(
            "/api/v1/qa/calibrations",
            user="qa1",
            json={"title": "c", "call_ids": [str(ids["e5"])], "scorecard": "ace"},
        ),
        201,
    )
    for spec in CALLS:
        extra = {} if spec.official else {"calibration_id": calibration["id"]}
        await evaluate(api, ids[spec.name], spec.misses, **extra)
    return ids


async def stored(engine: AsyncEngine) -> dict[str, uuid.UUID]:
    """The calls with their cards (the first routed to the ambulance); their ids by name."""
    ids: dict[str, uuid.UUID] = {}
    async with AsyncSession(engine) as session:
        for n, spec in enumerate(CALLS):
            ids[spec.name] = call_id = uuid.uuid4()
            session.add(
                Call(
                    id=call_id, channel="voice", caller_number=f"+99891{n:07d}",
                    language=spec.language, status="ended", queue=spec.queue,
                    operator=spec.operator, answered_at=spec.at + timedelta(seconds=5),
                    ended_at=spec.at + timedelta(seconds=95), talk_seconds=90,
                    created_at=spec.at, created_by="gateway1",
                )
            )  # fmt: skip
            await session.flush()
            card_id = uuid.uuid4()
            place = {"region": {"code": spec.place[0]}, "district": {"code": spec.place[1]}}
            session.add(
                CardRow(
                    id=card_id, number=f"QS-{n:08d}", version=1, status="closed",
                    call_id=call_id, incident_type=spec.incident_type, priority=2,
                    operator_id=spec.operator, created_at=spec.at, updated_at=spec.at,
                    document={"incident": {"type": spec.incident_type}, "location": place},
                )
            )  # fmt: skip
            await session.flush()
            if spec.name == "e1":
                session.add(
                    ServiceProgress(
                        card_id=card_id, service_code="103", number=f"QS-{n:08d}",
                        status="completed", routed_at=spec.at, status_at=spec.at,
                        handed_off=False, incident_type=spec.incident_type, priority=2,
                    )
                )  # fmt: skip
        await session.commit()
    return ids


def brief(figures: dict[str, Any]) -> tuple[Any, ...]:
    return (
        figures["evaluations"], figures["mean_score"], figures["min_score"],
        figures["max_score"], figures["critical_failures"], figures["levels"],
    )  # fmt: skip


async def test_the_scores_match_the_hand_count(api: Api, engine: AsyncEngine) -> None:
    await scored(api, engine)
    response = await api.get(f"{URL}?{TWO_DAYS}", user="analyst1")
    assert response.status_code == 200, response.text
    report = response.json()
    # e1 100, e2 92.5, e3 0, e4 97.5; e5 is a calibration's, e6 after the period.
    assert brief(report["total"]) == (
        4, 72.5, 0, 100, 1, {"compliant": 1, "high": 2, "non_compliant": 1}
    )  # fmt: skip
    assert [(r["start"], r["evaluations"], r["mean_score"]) for r in report["rows"]] == [
        ("2025-03-10T00:00:00+05:00", 3, 64.17),  # (100 + 92.5 + 0) / 3
        ("2025-03-11T00:00:00+05:00", 1, 97.5),
    ]
    assert [(o["operator"], o["operator_name"], *brief(o)[:5]) for o in report["operators"]] == [
        ("operator1", "Dilnoza Karimova", 2, 50, 0, 100, 1),
        ("operator2", "Aleksandr Pak", 2, 95, 92.5, 97.5, 0),
    ]
    assert [(q["queue"], q["evaluations"], q["mean_score"]) for q in report["queues"]] == [
        ("voice-ru", 1, 92.5),
        ("voice-uz", 3, 65.83),  # (100 + 0 + 97.5) / 3
    ]
    shifts = (await api.get(f"{URL}?{TWO_DAYS}&grain=shift", user="supervisor1")).json()
    assert [(r["start"], r["evaluations"]) for r in shifts["rows"]] == [
        ("2025-03-10T08:00:00+05:00", 2),
        ("2025-03-10T20:00:00+05:00", 1),
        ("2025-03-11T08:00:00+05:00", 1),
    ]
    qa = check(await api.get(f"/api/v1/qa/reports?{TWO_DAYS}", user="supervisor1"), 200)
    assert (qa["evaluations"], qa["mean_score"]) == (4, report["total"]["mean_score"])
    assert [(o["operator"], o["mean_score"]) for o in qa["operators"]] == [
        (o["operator"], o["mean_score"]) for o in report["operators"]
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # backend-neutral checks
@pytest.mark.parametrize(
    ("query", "evaluations", "mean"),
    [
        ("region=UZ-SA", 3, 65.83),
        ("district=UZ-TK-chilonzor", 1, 92.5),
        ("queue=voice-ru", 1, 92.5),
        ("language=ru", 1, 92.5),
        ("incident_type=fire.residential", 2, 46.25),
        ("service=103", 1, 100),
        ("operator=operator2", 2, 95),
        ("channel=sms", 0, None),
        ("region=UZ-SA&operator=operator2", 1, 97.5),
    ],
)
async def test_every_filter_narrows_the_scores(
    api: Api, engine: AsyncEngine, query: str, evaluations: int, mean: float | None
) -> None:
    await scored(api, engine)
    response = await api.get(f"{URL}?{TWO_DAYS}&grain=total&{query}", user="analyst1")
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["total"]["evaluations"], report["total"]["mean_score"]) == (evaluations, mean)
    assert report["rows"] == []
    assert sum(o["evaluations"] for o in report["operators"]) == evaluations
    assert report["filters"] == dict(part.split("=") for part in query.split("&"))


async def test_the_downloads_and_their_audit(api: Api, engine: AsyncEngine) -> None:
    await scored(api, engine)
    book = await api.get(f"{URL}/export.xlsx?{TWO_DAYS}", user="analyst1")
    assert book.status_code == 200, book.text
    assert "qa-scores-2025-03-10-2025-03-11.xlsx" in book.headers["content-disposition"]
    sheets = load_workbook(io.BytesIO(book.content))
    assert sheets.sheetnames == ["Periods", "Operators", "Queues"]
    operators = [tuple(r) for r in sheets["Operators"].iter_rows(values_only=True)]
    assert operators[0] == (
        "operator", "operator_name", "evaluations", "mean_score", "min_score", "max_score",
        "critical_failures", "level_compliant", "level_high", "level_non_compliant",
    )  # fmt: skip
    assert operators[1] == ("operator1", "Dilnoza Karimova", 2, 50, 0, 100, 1, 0, 1, 1)
    sheet = await api.get(f"{URL}/export.csv?{TWO_DAYS}&table=queues", user="admin")
    assert sheet.status_code == 200, sheet.text
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert [(r["queue"], r["evaluations"], r["mean_score"]) for r in rows] == [
        ("voice-ru", "1", "92.5"),
        ("voice-uz", "3", "65.83"),
    ]
    async with engine.connect() as connection:
        audited = (
            await connection.execute(
                text(
                    "SELECT actor, detail FROM audit_log WHERE action = 'analytics.export' "
                    "ORDER BY id"
                )
            )
        ).all()
    assert [row[0] for row in audited] == ["analyst1", "admin"]
    assert all("qa-scores" in str(row[1]) for row in audited)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # backend-neutral checks
@pytest.mark.parametrize(
    ("query", "status", "fragment"),
    [
        ("region=UZ-XX", 404, "UZ-XX"),
        ("queue=q9", 404, "q9"),
        ("grain=decade", 422, "grain"),
        ("operator=", 422, "operator"),
    ],
)
async def test_bad_questions_change_nothing(
    api: Api, engine: AsyncEngine, query: str, status: int, fragment: str
) -> None:
    await scored(api, engine)
    before = await fingerprint(engine)
    response = await api.get(f"{URL}?{TWO_DAYS}&{query}", user="analyst1")
    assert response.status_code == status, response.text
    assert fragment in response.text
    assert await fingerprint(engine) == before
    refused = await api.get(f"{URL}?{TWO_DAYS}", user="operator1")
    assert refused.status_code == 403
