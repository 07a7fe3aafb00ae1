"""The survey report: figures hand-computed from six surveys, the comments, the downloads."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.audit.models import AuditEntry
from dispatch.core.database import unit_of_work
from dispatch.surveys.models import Survey
from tests.fixtures.api import Api
from tests.surveys.conftest import closed_card

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
# 2026-03-10 in Tashkent (+05:00): 05:00 UTC is 10:00 local.
DAY = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
EVE = datetime(2026, 3, 9, 18, 59, tzinfo=UTC)
# channel, outcome, region, status, score, comment, sent
ROWS = [
    ("voice", "dispatched", "1726", "answered", 5, "tez keldi", DAY),
    ("voice", "dispatched", "1726", "answered", 4, None, DAY),
    ("voice", "advice_given", "1703", "answered", 2, "uzoq kutdim", DAY),
    ("sms", "advice_given", None, "sent", None, None, DAY),
    ("sms", "referred", "1703", "opted_out", None, None, DAY),
    # the day before, in UTC still the 9th: 18:59 UTC is 23:59 local on the 9th
    ("voice", "dispatched", "1726", "answered", 1, "outside", EVE),
]  # fmt: skip


async def _seed(api: Api) -> None:
    card = await closed_card(api, number=None)  # no number: the app asks nobody
    async with unit_of_work(api.runtime.sessions, api.runtime.bus) as session:
        for index, (channel, outcome, region, status, score, comment, sent) in enumerate(ROWS):
            cards = await closed_card(api, number=None) if index else card
            session.add(
                Survey(
                    id=uuid.uuid4(), card_id=uuid.UUID(cards["id"]), card_number=cards["number"],
                    call_id=uuid.UUID(cards["call_id"]), number=f"+99890000000{index}",
                    channel=channel, outcome=outcome, incident_type="medical.illness",
                    region=region, language="uz", status=status, created_at=sent,
                    send_after=sent, sent_at=sent, score=score, comment=comment,
                    answered_at=sent + timedelta(minutes=5) if score else None,
                )
            )  # fmt: skip


async def test_the_report_counts_what_was_sent_in_the_days_and_its_answers(
    api: Api, engine: AsyncEngine
) -> None:
    await _seed(api)
    response = await api.get(
        "/api/v1/surveys/report", user="analyst1", params={"from": "2026-03-10", "to": "2026-03-10"}
    )
    assert response.status_code == 200, response.text
    report = response.json()
    total = report["total"]
    # five sent on the 10th; three answered (5, 4, 2); one opted out
    assert (total["sent"], total["answered"], total["opted_out"]) == (5, 3, 1)
    assert total["response_rate"] == 0.6
    assert total["mean_score"] == 3.67  # 11 / 3
    assert total["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    channels = {g["key"]: (g["sent"], g["answered"], g["mean_score"]) for g in report["channels"]}
    assert channels == {"sms": (2, 0, None), "voice": (3, 3, 3.67)}
    outcomes = {g["key"]: (g["sent"], g["answered"], g["mean_score"]) for g in report["outcomes"]}
    assert outcomes == {
        "advice_given": (2, 1, 2.0),
        "dispatched": (2, 2, 4.5),
        "referred": (1, 0, None),
    }
    regions = {g["key"]: (g["sent"], g["answered"]) for g in report["regions"]}
    assert regions == {"1703": (2, 1), "1726": (2, 2), "none": (1, 0)}
    assert [(c["score"], c["comment"]) for c in report["comments"]] == [
        (5, "tez keldi"),
        (2, "uzoq kutdim"),
    ]
    assert all("number" not in c for c in report["comments"])

    wider = await api.get(
        "/api/v1/surveys/report",
        user="supervisor1",
        params={"from": "2026-03-09", "to": "2026-03-10"},
    )
    assert wider.json()["total"]["sent"] == 6

    bad = await api.get(
        "/api/v1/surveys/report", user="analyst1", params={"from": "2026-03-10", "to": "2026-03-01"}
    )
    assert bad.status_code == 422
    assert "before" in bad.json()["detail"]

    xlsx = await api.get(
        "/api/v1/surveys/report/export.xlsx", user="analyst1",
        params={"from": "2026-03-10", "to": "2026-03-10"},
    )  # fmt: skip
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Summary", "Comments"]
    summary = list(book["Summary"].iter_rows(values_only=True))
    assert summary[1][:7] == ("total", "all", 5, 3, 1, 0.6, 3.67)
    csv = await api.get(
        "/api/v1/surveys/report/export.csv", user="analyst1",
        params={"from": "2026-03-10", "to": "2026-03-10", "table": "comments"},
    )  # fmt: skip
    assert csv.status_code == 200
    lines = csv.text.strip().split("\r\n")
    assert lines[0].startswith("answered_at,card,score,comment")
    assert len(lines) == 3
    assert "uzoq kutdim" in lines[2]
    async with engine.connect() as connection:
        audited = (
            await connection.execute(
                select(func.count()).where(AuditEntry.action == "surveys.export")
            )
        ).scalar_one()
    assert audited == 2
    refused = await api.get(
        "/api/v1/surveys/report",
        user="operator1",
        params={"from": "2026-03-10", "to": "2026-03-10"},
    )
    assert refused.status_code == 403
