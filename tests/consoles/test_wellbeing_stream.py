"""The operator console's ``wellbeing`` and ``notices`` parts over real websockets: the break
offered after a traumatic call reaches that operator's console and no other operator's, a
psychologist's console lists the open debriefs, and the reminders of regulations and training
follow their publication, acknowledgement and invitation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from dispatch.cards.consistency import ALL_WARNINGS
from tests.consoles.conftest import open_console, post_call, sign_in
from tests.fixtures.live import Live
from tests.training.helpers import programme

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
TITLE = {"uz": "Yangi buyruq", "ru": "Новый приказ", "en": "A new order"}


class People:
    """Bearer headers of the demo users."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.tokens: dict[str, str] = {}

    async def token(self, user: str) -> str:
        if user not in self.tokens:
            self.tokens[user] = await sign_in(self.http, user)
        return self.tokens[user]

    async def call(self, method: str, url: str, user: str, expect: int, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {await self.token(user)}"}
        answer = await self.http.request(method, f"/api/v1{url}", headers=headers, **kwargs)
        assert answer.status_code == expect, answer.text
        return answer.json()


async def _traumatic_card(people: People) -> dict[str, Any]:
    call = await post_call(people.http, caller_number="+998901110022")
    body = {"call_id": call["id"], "incident": {"type": "violence.child_abuse"}}
    card = await people.call("POST", "/cards", "operator1", 201, json=body)
    close = {"outcome": "advice_given", "acknowledge": sorted(ALL_WARNINGS)}
    closed: dict[str, Any] = await people.call(
        "POST", f"/cards/{card['id']}/close", "operator1", 200, json=close
    )
    return closed


def _nothing(parts: dict[str, Any]) -> bool:
    return bool(
        parts["wellbeing"]
        == {"offer": None, "break_until": None, "mine": [], "holder": False, "debriefs": []}
    )


async def test_the_break_reaches_only_its_operator_and_a_psychologist_sees_the_debrief(
    live: Live, http: httpx.AsyncClient
) -> None:
    people = People(http)
    mine = await open_console(live, await people.token("operator1"))
    other = await open_console(live, await people.token("operator2"))
    assert _nothing(mine.parts)
    assert _nothing(other.parts)
    card = await _traumatic_card(people)
    parts = await mine.until(lambda p: p["wellbeing"]["offer"] is not None)
    offer = parts["wellbeing"]["offer"]
    assert (offer["status"], offer["minutes"]) == ("offered", 10)
    [debrief] = parts["wellbeing"]["mine"]
    assert (debrief["status"], debrief["reasons"]) == ("open", ["violence_child"])
    assert parts["wellbeing"]["holder"] is False
    # operator2's console heard the same event first; a later change of theirs arrives after
    # it, and their part still holds nothing of operator1's
    pause = {"state": "on_break", "reason": "Meal"}
    await people.call("POST", "/operators/me/state", "operator2", 200, json=pause)
    await other.until(lambda p: p["state"]["state"] == "on_break")
    assert _nothing(other.parts)
    assert card["number"] not in str(other.parts)
    assert "operator1" not in str(other.parts["wellbeing"])

    # operator2 becomes a psychologist: their console lists the debrief (no card in it)
    skills = {"languages": {"ru": 0}, "psychological_support": 0}
    await people.call("PUT", "/operators/me/skills", "operator2", 200, json=skills)
    parts = await other.until(lambda p: p["wellbeing"]["holder"])
    [listed] = parts["wellbeing"]["debriefs"]
    assert (listed["id"], listed["username"], listed["name"]) == (
        debrief["id"], "operator1", "Dilnoza Karimova"
    )  # fmt: skip
    assert card["number"] not in str(parts["wellbeing"])
    await people.call(
        "POST", f"/wellbeing/debriefs/{debrief['id']}/hold", "operator2", 200, json={"note": "ok"}
    )
    await other.until(lambda p: p["wellbeing"]["debriefs"] == [])
    await mine.until(lambda p: p["wellbeing"]["mine"] == [])
    # the offer declined from the API leaves the console too
    await people.call("POST", f"/wellbeing/offers/{offer['id']}/decline", "operator1", 200)
    await mine.until(_nothing)
    for console in (mine, other):
        await console.socket.close()


async def test_reminders_follow_publication_acknowledgement_and_invitation(
    live: Live, http: httpx.AsyncClient
) -> None:
    people = People(http)
    mine = await open_console(live, await people.token("operator1"))
    other = await open_console(live, await people.token("operator2"))
    assert mine.parts["notices"] == {"regulations": [], "unread": 0, "overdue": 0, "training": None}
    body = {
        "code": "order-7", "kind": "order", "title": TITLE, "summary": TITLE,
        "issued_on": "2026-11-20", "in_force_from": "2026-12-01", "roles": ["operator"],
        "acknowledge_within_days": 3,
    }  # fmt: skip
    published = await people.call("POST", "/regulations", "supervisor1", 201, json=body)
    for console in (mine, other):
        parts = await console.until(lambda p: p["notices"]["unread"] == 1)
        [reminder] = parts["notices"]["regulations"]
        assert (reminder["id"], reminder["title"], reminder["overdue"]) == (
            published["id"], TITLE, False
        )  # fmt: skip
    await people.call("POST", f"/regulations/{published['id']}/acknowledge", "operator1", 200)
    await mine.until(lambda p: p["notices"]["unread"] == 0)
    assert other.parts["notices"]["unread"] == 1

    created = await people.call("POST", "/training/programmes", "trainer1", 201, json=programme())
    soon = datetime.now(UTC) + timedelta(days=2)
    later = datetime.now(UTC) + timedelta(days=9)
    sessions = []
    for start in (later, soon):
        plan = {"programme_id": created["id"], "starts_at": start.isoformat(), "place": "Room 2"}
        sessions.append(await people.call("POST", "/training/sessions", "trainer1", 201, json=plan))
    for planned in sessions:
        invite = {"usernames": ["operator1"]}
        url = f"/training/sessions/{planned['id']}/trainees"
        await people.call("POST", url, "trainer1", 200, json=invite)
    parts = await mine.until(lambda p: p["notices"]["training"] is not None)
    training = parts["notices"]["training"]
    # the one within the week; the other is too far ahead to remind of
    assert (training["session_id"], training["place"]) == (sessions[1]["id"], "Room 2")
    assert training["title"]["en"] == "Verifying the address"
    assert other.parts["notices"]["training"] is None
    await people.call("POST", f"/training/sessions/{sessions[1]['id']}/cancel", "trainer1", 200)
    await mine.until(lambda p: p["notices"]["training"] is None)
    for console in (mine, other):
        await console.socket.close()
