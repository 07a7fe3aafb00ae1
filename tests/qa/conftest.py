"""QA test helpers: calls of a past period written straight into the database (hundreds, with
exact times, for sampling and reports), the default scorecard's items, scoring through the API.

Calls made here look as the gateway, the cards and the ACD leave them: a call row, its card
(incident type), its queue entry, a callback task, a supervisor's takeover in the audit log.
``test_flow.py`` makes the same facts through the real API. The browser test's ``browser`` and
``server`` are ``tests/fixtures/browser.py``'s.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dispatch.audit.models import AuditEntry
from dispatch.callbacks.models import CallbackTask
from dispatch.calls.models import Call
from dispatch.cards.models import CardRow
from dispatch.queues.models import QueueEntry
from tests.fixtures.api import Api
from tests.fixtures.browser import browser, chromium_args, server  # noqa: F401 (fixtures)

TZ = ZoneInfo("Asia/Tashkent")
MONDAY = date(2025, 3, 10)  # a past week, so plans and reports never meet today's calls
GATEWAY = {"X-Api-Key": "gateway1-dev-key"}
_numbers = itertools.count(1)

# The default scorecard (migration 0009): section → [(item, points, deviation)].
ACE: dict[str, tuple[float, list[tuple[str, float, str]]]] = {
    "case_entry": (
        20,
        [
            ("address_verified", 10, "critical"),
            ("callback_number_verified", 5, "major"),
            ("location_on_card", 5, "moderate"),
        ],
    ),
    "chief_complaint": (
        15,
        [("problem_identified", 10, "major"), ("caller_party_identified", 5, "minor")],
    ),
    "key_questions": (
        25,
        [
            ("questions_in_order", 10, "major"),
            ("all_key_questions", 10, "major"),
            ("answers_recorded", 5, "moderate"),
        ],
    ),
    "instructions_given": (
        20,
        [
            ("life_saving_instructions", 10, "critical"),
            ("instructions_as_scripted", 5, "moderate"),
            ("next_steps_explained", 5, "minor"),
        ],
    ),
    "final_code": (
        10,
        [("incident_type_correct", 10, "major"), ("priority_correct", 5, "moderate")],
    ),
    "customer_service": (
        10,
        [("calm_professional", 5, "moderate"), ("no_delay", 5, "moderate"),
         ("callers_language", 5, "minor")],
    ),
}  # fmt: skip
ITEMS = [item for _, items in ACE.values() for item, _, _ in items]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A Tashkent wall-clock time as an aware UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(UTC)


@dataclass(frozen=True)
class CallSpec:
    """A finished call of the past, and the facts around it."""

    at: datetime
    channel: str = "voice"
    operator: str | None = "operator1"
    status: str = "ended"
    talk_seconds: float | None = 90.0
    incident_type: str | None = "fire.building"
    queue_status: str | None = None
    callback: str | None = None  # the status of its callback task, if it has one
    takeover: bool = False
    media_url: str | None = None


async def insert_calls(engine: AsyncEngine, specs: Iterable[CallSpec]) -> list[uuid.UUID]:
    """Write the calls (and their cards, queue entries, callbacks, takeovers); their ids."""
    ids: list[uuid.UUID] = []
    async with AsyncSession(engine) as session:
        for spec in specs:
            n = next(_numbers)
            call_id = uuid.uuid4()
            ids.append(call_id)
            answered = spec.at + timedelta(seconds=5) if spec.operator else None
            session.add(
                Call(
                    id=call_id,
                    channel=spec.channel,
                    caller_number=f"+99890{n:07d}",
                    language="uz",
                    status=spec.status,
                    queue="voice-uz",
                    operator=spec.operator,
                    offered_at=spec.at,
                    answered_at=answered,
                    ended_at=spec.at + timedelta(seconds=(spec.talk_seconds or 0) + 5),
                    talk_seconds=spec.talk_seconds,
                    media_url=spec.media_url,
                    timeline_complete=True,
                    created_at=spec.at,
                    created_by="gateway1",
                )
            )
            await session.flush()
            if spec.incident_type is not None:
                session.add(
                    CardRow(
                        id=uuid.uuid4(),
                        number=f"QA-{n:08d}",
                        version=1,
                        status="closed",
                        call_id=call_id,
                        incident_type=spec.incident_type,
                        priority=2,
                        operator_id=spec.operator,
                        created_at=spec.at,
                        updated_at=spec.at,
                        document={"id": "test", "incident": {"type": spec.incident_type}},
                    )
                )
            if spec.queue_status is not None:
                session.add(
                    QueueEntry(
                        call_id=call_id,
                        queue="voice-uz",
                        status=spec.queue_status,
                        priority=0,
                        channel=spec.channel,
                        language="uz",
                        entered_at=spec.at,
                        operator=spec.operator,
                        no_answers=0,
                    )
                )
            if spec.callback is not None:
                session.add(
                    CallbackTask(
                        call_id=call_id,
                        origin="abandoned",
                        reason="the caller hung up",
                        number=f"+99890{n:07d}",
                        language="uz",
                        status=spec.callback,
                        priority=0,
                        created_at=spec.at,
                        created_by="system",
                        due_at=spec.at,
                        attempts=3,
                    )
                )
            if spec.takeover:
                session.add(
                    AuditEntry(
                        at=spec.at + timedelta(seconds=30),
                        actor="supervisor1",
                        role="supervisor",
                        action="queue.takeover",
                        target_type="call",
                        target_id=str(call_id),
                        detail={"from_operator": spec.operator},
                    )
                )
        await session.commit()
    return ids


def answers(misses: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Every ACE item answered yes, except ``misses`` ({item: "no" | "na"})."""
    misses = misses or {}
    return {item: {"answer": misses.get(item, "yes")} for item in ITEMS}


def check(response: Any, expect: int) -> Any:
    """The JSON answer after checking the status code."""
    assert response.status_code == expect, (response.status_code, response.text)
    return response.json()


async def evaluate(
    api: Api,
    call_id: uuid.UUID | str,
    misses: Mapping[str, str] | None = None,
    *,
    user: str = "qa1",
    expect: int = 201,
    **fields: Any,
) -> Any:
    """Score a call on the default scorecard as ``user``."""
    body = {"call_id": str(call_id), "scorecard": "ace", "answers": answers(misses), **fields}
    return check(await api.post("/api/v1/qa/evaluations", user=user, json=body), expect)


async def add_specialist(api: Api, name: str) -> None:
    """Another QA specialist (created by the admin); signed in."""
    password = f"{name}-password"
    body = {"username": name, "role": "qa", "password": password}
    check(await api.post("/api/v1/users", user="admin", json=body), 201)
    await api.token(name, password)


async def make_plan(api: Api, expect: int = 201, **fields: Any) -> Any:
    """A plan for the week of ``MONDAY`` unless told otherwise."""
    body = {"date_from": str(MONDAY), "date_to": str(MONDAY + timedelta(days=6)), **fields}
    return check(await api.post("/api/v1/qa/plans", user="qa1", json=body), expect)


async def bearer(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    """The Authorization header of a demo user (password = username)."""
    response = await http.post(
        "/api/v1/auth/token", data={"username": username, "password": username}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def recorded_call(http: httpx.AsyncClient, media_url: str) -> dict[str, Any]:
    """A call answered by operator1, with a card and a recording."""
    body = {"channel": "voice", "caller_number": "+998935550111", "language": "uz"}
    created = await http.post("/api/v1/calls", json=body, headers=GATEWAY)
    assert created.status_code == 201, created.text
    call_id = created.json()["id"]
    card = await http.post(
        "/api/v1/cards",
        json={"call_id": call_id, "incident": {"type": "road.accident_injuries"}},
        headers=await bearer(http, "operator1"),
    )
    assert card.status_code == 201, card.text
    now = datetime.now(UTC)
    for kind, at, extra in (
        ("answered", now - timedelta(seconds=95), {"operator": "operator1"}),
        ("ended", now, {"media_url": media_url}),
    ):
        event = {"event_id": f"{kind}-{call_id}", "type": kind, "at": at.isoformat(), **extra}
        response = await http.post(f"/api/v1/calls/{call_id}/events", json=event, headers=GATEWAY)
        assert response.status_code == 201, response.text
    return {"id": call_id, "card": card.json()}
