"""The calls' figures over a period with every filter, checked against a hand count on calls,
cards and the services' progress written as they would be stored; the downloads."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dispatch.callbacks.models import CallbackAttempt, CallbackTask
from dispatch.calls.models import Call
from dispatch.cards.models import CardRow
from dispatch.feeds.models import Delivery, ServiceProgress
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint

pytestmark = pytest.mark.asyncio

TZ = ZoneInfo("Asia/Tashkent")
DAY = date(2025, 3, 10)
URL = "/api/v1/analytics/calls"
ONE_DAY = f"date_from={DAY}&date_to={DAY}"


def local(hour: int, minute: int = 0, second: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=TZ).astimezone(UTC)


@dataclass(frozen=True)
class Part:
    """A service's part in the call's card: routed, acknowledged, where it stands and since."""

    service: str
    routed: datetime
    acknowledged: datetime | None
    status: str
    status_at: datetime


@dataclass(frozen=True)
class Spec:
    at: datetime
    status: str
    wait_s: float | None  # to the answer, or to the hang-up of an abandoned call
    queue: str = "voice-uz"
    channel: str = "voice"
    language: str = "uz"
    operator: str | None = None
    talk_s: float | None = None
    incident_type: str | None = None
    place: tuple[str, str] | None = None  # (region, district) on the card
    parts: list[Part] = field(default_factory=list)
    callback: tuple[str, list[str]] | None = None  # the task's status, its attempts' outcomes


CALLS = [
    Spec(local(10), "ended", 8, operator="operator1", talk_s=120, incident_type="medical.stroke",
         place=("UZ-SA", "UZ-SA-urgut"),
         parts=[Part("103", local(10, 3), local(10, 3, 5), "completed", local(11, 13)),
                Part("104", local(10, 3), local(10, 3, 40), "refused", local(10, 5))]),
    Spec(local(10, 20), "ended", 25, queue="voice-ru", language="ru", operator="operator2",
         talk_s=60, incident_type="fire.residential", place=("UZ-TK", "UZ-TK-chilonzor"),
         parts=[Part("101", local(10, 22), local(10, 22, 30), "arrived", local(10, 50)),
                Part("102", local(10, 22), None, "routed", local(10, 22))]),
    Spec(local(11), "abandoned", 15, queue="text-uz", channel="sms",
         callback=("reached", ["reached"])),
    Spec(local(11, 30), "dropped", None,
         callback=("unreachable", ["no_answer", "busy", "no_answer"])),
    Spec(local(9, day=DAY + timedelta(days=1)), "ended", 5, operator="operator1", talk_s=30),
]  # fmt: skip


async def stored(engine: AsyncEngine) -> None:
    """The calls, their cards and the services' progress and first deliveries."""
    async with AsyncSession(engine) as session:
        for n, spec in enumerate(CALLS):
            call_id = uuid.uuid4()
            answered = spec.status != "abandoned" and spec.wait_s is not None
            end_after = (spec.wait_s or 3) + (spec.talk_s or 0)
            session.add(
                Call(
                    id=call_id,
                    channel=spec.channel,
                    caller_number=f"+99890{n:07d}",
                    language=spec.language,
                    status=spec.status,
                    queue=spec.queue,
                    operator=spec.operator,
                    answered_at=spec.at + timedelta(seconds=spec.wait_s or 0) if answered else None,
                    ended_at=spec.at + timedelta(seconds=end_after),
                    talk_seconds=spec.talk_s,
                    created_at=spec.at,
                    created_by="gateway1",
                )
            )
            await session.flush()
            if spec.callback is not None:
                await called(session, call_id, spec, n)
            if spec.incident_type is None:
                continue
            card_id = uuid.uuid4()
            location: dict[str, Any] = {}
            if spec.place is not None:
                location = {"region": {"code": spec.place[0]}, "district": {"code": spec.place[1]}}
            session.add(
                CardRow(
                    id=card_id,
                    number=f"AN-{n:08d}",
                    version=2,
                    status="closed",
                    call_id=call_id,
                    incident_type=spec.incident_type,
                    priority=2,
                    operator_id=spec.operator,
                    created_at=spec.at,
                    updated_at=spec.at,
                    document={"incident": {"type": spec.incident_type}, "location": location},
                )
            )
            await session.flush()
            for part in spec.parts:
                session.add(
                    ServiceProgress(
                        card_id=card_id,
                        service_code=part.service,
                        number=f"AN-{n:08d}",
                        status=part.status,
                        routed_at=part.routed,
                        status_at=part.status_at,
                        handed_off=False,
                        incident_type=spec.incident_type,
                        priority=2,
                    )
                )
                for version, acknowledged in ((1, part.acknowledged), (2, None)):
                    session.add(
                        Delivery(
                            service_code=part.service,
                            card_id=card_id,
                            card_version=version,
                            reason="routed",
                            created_at=part.routed,
                            status="acknowledged" if acknowledged else "delivered",
                            delivered_at=part.routed,
                            acknowledged_at=acknowledged,
                        )
                    )
        await session.commit()


async def called(session: AsyncSession, call_id: uuid.UUID, spec: Spec, n: int) -> None:
    """The call's callback task and its attempts, the first a minute after the drop."""
    assert spec.callback is not None
    status, outcomes = spec.callback
    dropped = spec.at + timedelta(seconds=spec.wait_s or 3)
    task = CallbackTask(
        id=uuid.uuid4(),
        call_id=call_id,
        origin="abandoned" if spec.status == "abandoned" else "dropped",
        reason="the caller hung up",
        number=f"+99890{n:07d}",
        language=spec.language,
        status=status,
        priority=0,
        created_at=dropped,
        created_by="system",
        due_at=dropped,
        attempts=len(outcomes),
    )
    session.add(task)
    await session.flush()
    for number, outcome in enumerate(outcomes, 1):
        started = dropped + timedelta(minutes=number)
        session.add(
            CallbackAttempt(
                task_id=task.id,
                number=number,
                operator="operator1",
                started_at=started,
                ended_at=started + timedelta(seconds=20),
                outcome=outcome,
            )
        )


def levels(figures: dict[str, Any]) -> dict[int, tuple[Any, ...]]:
    return {
        level["seconds"]: (
            level["answered_within"],
            level["abandoned_within"],
            level["percent"],
            level["percent_with_abandons"],
        )
        for level in figures["service_level"]
    }


async def test_the_days_calls_match_the_hand_count(api: Api, engine: AsyncEngine) -> None:
    await stored(engine)
    response = await api.get(f"{URL}?{ONE_DAY}&grain=hour", user="analyst1")
    assert response.status_code == 200, response.text
    report = response.json()
    total = report["total"]
    counted = ("offered", "answered", "abandoned", "dropped", "cards")
    assert tuple(total[k] for k in counted) == (4, 2, 1, 1, 2)
    assert total["abandon_percent"] == 33.33
    assert (total["asa_s"], total["longest_answered_wait_s"]) == (16.5, 25)
    assert (total["avg_abandon_wait_s"], total["avg_talk_s"]) == (15, 90)
    # Within 10 s: the stroke call; within 20 s the 15 s hang-up counts as met too.
    assert levels(total) == {10: (1, 0, 50, 33.33), 20: (1, 1, 50, 66.67)}
    services = {s["service"]: s for s in total["services"]}
    # A stroke: 30 s to acknowledge, 60 min to complete; a house fire: 30 s and 180 min.
    assert services["103"] == {
        "service": "103",
        "cards": 1,
        "acknowledged": 1,
        "avg_acknowledge_s": 5,
        "p90_acknowledge_s": 5,
        "completed": 1,
        "avg_complete_s": 70 * 60,
        "refused": 0,
        "late_acknowledged": 0,
        "late_completed": 1,  # 70 minutes
        "followed_up": 1,
    }
    follow = ("refused", "late_acknowledged", "late_completed", "followed_up")
    assert tuple(services["104"][k] for k in follow) == (1, 1, 0, 1)  # acknowledged after 40 s
    assert (services["101"]["acknowledged"], services["101"]["avg_acknowledge_s"]) == (1, 30)
    assert services["101"]["completed"] == 0
    assert tuple(services["101"][k] for k in follow) == (0, 0, 1, 1)  # on time, never completed
    assert (services["102"]["acknowledged"], services["102"]["avg_acknowledge_s"]) == (0, None)
    assert tuple(services["102"][k] for k in follow) == (0, 1, 1, 1)
    callbacks = report["callbacks"]
    assert (callbacks["tasks"], callbacks["attempts"], callbacks["reached"]) == (2, 4, 1)
    assert (callbacks["unreachable"], callbacks["success_rate"]) == (1, 0.5)
    assert callbacks["first_attempt"]["count"] == 2
    assert callbacks["first_attempt"]["mean_s"] == 60
    hours = [(r["start"], r["offered"]) for r in report["rows"]]
    placed = (await api.get(f"{URL}?{ONE_DAY}&district=UZ-SA-urgut", user="admin")).json()
    assert (placed["total"]["offered"], placed["total"]["answered"]) == (1, 1)
    assert hours == [("2025-03-10T10:00:00+05:00", 2), ("2025-03-10T11:00:00+05:00", 2)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # backend-neutral checks
@pytest.mark.parametrize(
    ("query", "offered", "answered"),
    [
        ("region=UZ-SA", 1, 1),
        ("district=UZ-TK-chilonzor", 1, 1),
        ("queue=voice-ru", 1, 1),
        ("channel=sms", 1, 0),
        ("language=ru", 1, 1),
        ("incident_type=fire.residential", 1, 1),
        ("service=102", 1, 1),
        ("service=104", 1, 1),
        ("service=1146", 0, 0),
        ("operator=operator1", 1, 1),
        ("region=UZ-SA&operator=operator2", 0, 0),
    ],
)
async def test_every_filter_narrows_the_calls(
    api: Api, engine: AsyncEngine, query: str, offered: int, answered: int
) -> None:
    await stored(engine)
    response = await api.get(f"{URL}?{ONE_DAY}&grain=total&{query}", user="supervisor1")
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["total"]["offered"], report["total"]["answered"]) == (offered, answered)
    assert report["rows"] == []
    if query == "channel=sms":
        assert (report["callbacks"]["tasks"], report["callbacks"]["reached"]) == (1, 1)
    if query == "operator=operator1":
        assert report["callbacks"]["tasks"] == 0  # the callbacks' calls were never answered
    assert report["filters"] == dict(part.split("=") for part in query.split("&"))


async def test_the_next_day_and_the_downloads(api: Api, engine: AsyncEngine) -> None:
    await stored(engine)
    two_days = f"date_from={DAY}&date_to={DAY + timedelta(days=1)}"
    days = (await api.get(f"{URL}?{two_days}", user="admin")).json()
    assert [(r["start"], r["offered"], r["asa_s"]) for r in days["rows"]] == [
        ("2025-03-10T00:00:00+05:00", 4, 16.5),
        ("2025-03-11T00:00:00+05:00", 1, 5),
    ]
    sheet = await api.get(f"{URL}/export.csv?{ONE_DAY}&table=services", user="analyst1")
    assert sheet.status_code == 200, sheet.text
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert [(r["service"], r["cards"], r["avg_acknowledge_s"], r["followed_up"]) for r in rows] == [
        ("101", "1", "30.0", "1"),
        ("102", "1", "", "1"),
        ("103", "1", "5.0", "1"),
        ("104", "1", "40.0", "1"),
    ]
    book = await api.get(f"{URL}/export.xlsx?{ONE_DAY}&grain=hour", user="analyst1")
    assert book.status_code == 200, book.text
    assert "calls-2025-03-10-2025-03-10.xlsx" in book.headers["content-disposition"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # backend-neutral checks
@pytest.mark.parametrize(
    ("query", "fragment"),
    [("region=UZ-XX", "UZ-XX"), ("district=UZ-SA-nowhere", "UZ-SA-nowhere"), ("queue=q9", "q9")],
)
async def test_an_unknown_place_or_queue_is_named(
    api: Api, engine: AsyncEngine, query: str, fragment: str
) -> None:
    response = await api.get(f"{URL}?{ONE_DAY}&{query}", user="analyst1")
    assert response.status_code == 404, response.text
    assert fragment in response.json()["detail"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # backend-neutral checks
@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("date_from=2025-03-10&date_to=2025-03-01", "before date_from"),
        (f"{ONE_DAY}&grain=decade", "grain"),
        (f"{ONE_DAY}&region=", "region"),
        (f"{ONE_DAY}&operator=" + "x" * 65, "operator"),
    ],
)
async def test_bad_questions_change_nothing(
    api: Api, engine: AsyncEngine, query: str, fragment: str
) -> None:
    before = await fingerprint(engine)
    response = await api.get(f"{URL}?{query}", user="analyst1")
    assert response.status_code == 422, response.text
    assert fragment in response.text
    assert await fingerprint(engine) == before
