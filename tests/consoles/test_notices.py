"""The operator console's reminders as training computes them (``regulations.reminders``, the
consoles' ``NoticeSource``): the current regulations of the person's role not yet
acknowledged, overdue first, and their next planned session within the week."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from dispatch.consoles import notices
from dispatch.core.clock import ManualClock
from dispatch.core.settings import Settings
from dispatch.training.regulations import reminders
from tests.fixtures.api import Api, running_api
from tests.training.helpers import programme

pytestmark = pytest.mark.asyncio
START = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


@pytest_asyncio.fixture
async def api(settings: Settings) -> AsyncIterator[Api]:
    """The app on a ManualClock at 09:00 Tashkent time, 1 December."""
    async with running_api(settings, clock=ManualClock(START)) as running:
        yield running


async def _post(api: Api, url: str, user: str, body: dict[str, Any] | None = None) -> Any:
    answer = await api.post(f"/api/v1{url}", user=user, json=body)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def _regulation(code: str, days: int, roles: list[str], title: str) -> dict[str, Any]:
    texts = {"uz": title, "ru": title, "en": title}
    return {
        "code": code, "kind": "order", "title": texts, "summary": texts,
        "issued_on": "2026-11-20", "in_force_from": "2026-12-01", "roles": roles,
        "acknowledge_within_days": days,
    }  # fmt: skip


async def _reminders(api: Api, username: str, role: str, now: datetime) -> dict[str, Any]:
    async with api.runtime.sessions() as session:
        return await reminders(session, username, role, now=now)


async def test_unread_regulations_come_overdue_first_and_only_the_current_ones(api: Api) -> None:
    await _post(api, "/regulations", "supervisor1", _regulation("a", 7, ["operator"], "A v1"))
    await _post(api, "/regulations", "supervisor1", _regulation("a", 7, ["operator"], "A v2"))
    await _post(api, "/regulations", "supervisor1", _regulation("b", 1, ["operator"], "B"))
    await _post(api, "/regulations", "supervisor1", _regulation("c", 3, ["qa"], "C"))
    read = await _post(api, "/regulations", "trainer1", _regulation("d", 1, ["operator"], "D"))
    await _post(api, f"/regulations/{read['id']}/acknowledge", "operator1")
    later = START + timedelta(days=2)  # B (one day) is overdue, A (seven) is not
    found = await _reminders(api, "operator1", "operator", later)
    assert [(r["title"]["en"], r["version"], r["overdue"]) for r in found["regulations"]] == [
        ("B", 1, True),
        ("A v2", 2, False),
    ]
    assert (found["unread"], found["overdue"]) == (2, 1)
    assert found["regulations"][0]["acknowledge_by"] == (START + timedelta(days=1)).isoformat()
    # operator2 read nothing: D too, and due the same day as B (by code after it)
    other = await _reminders(api, "operator2", "operator", later)
    assert [r["code"] for r in other["regulations"]] == ["b", "d", "a"]
    # the QA specialist is reminded of C only
    qa = await _reminders(api, "qa1", "qa", START)
    assert [(r["code"], r["overdue"]) for r in qa["regulations"]] == [("c", False)]


async def test_the_next_session_within_the_week_the_person_is_invited_to(api: Api) -> None:
    created = await _post(api, "/training/programmes", "trainer1", programme())

    async def session(days: float, invited: list[str]) -> str:
        starts = START + timedelta(days=days)
        body = {
            "programme_id": created["id"], "starts_at": starts.isoformat(), "place": "Room 1",
            "minutes": 90,
        }  # fmt: skip
        planned = await _post(api, "/training/sessions", "trainer1", body)
        if invited:
            url = f"/training/sessions/{planned['id']}/trainees"
            await _post(api, url, "trainer1", {"usernames": invited})
        return str(planned["id"])

    far = await session(8, ["operator1"])  # beyond the week
    await session(2, ["operator2"])  # someone else's
    cancelled = await session(1, ["operator1"])
    await _post(api, f"/training/sessions/{cancelled}/cancel", "trainer1")
    mine = await session(5, ["operator1"])
    found = await _reminders(api, "operator1", "operator", START)
    training = found["training"]
    assert (training["session_id"], training["place"], training["minutes"]) == (mine, "Room 1", 90)
    assert training["starts_at"] == (START + timedelta(days=5)).isoformat()
    assert training["title"]["en"] == "Verifying the address"
    # a day later the far one is within the week, but the nearer one still comes first
    assert (await _reminders(api, "operator1", "operator", START + timedelta(days=1)))["training"][
        "session_id"
    ] == mine
    # after the nearer one began, the far one is next
    after = await _reminders(api, "operator1", "operator", START + timedelta(days=5, hours=1))
    assert after["training"]["session_id"] == far
    nothing = await _reminders(api, "supervisor1", "supervisor", START)
    assert nothing == notices.EMPTY
