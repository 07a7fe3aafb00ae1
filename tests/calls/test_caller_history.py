"""The caller history (issue 19): a caller's earlier calls of the last 30 days with their cards,
one key away on the operator console; read through ``GET /calls/{id}/caller-history``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dispatch.calls import history as calls_history
from dispatch.calls.models import Call
from tests.calls.conftest import minutes_ago, new_call, post_event
from tests.fixtures.api import Api

pytestmark = pytest.mark.asyncio

NUMBER = "+998901112233"


async def started(engine: AsyncEngine, call: dict[str, Any], days_ago: float) -> None:
    """Move the call's start into the past (the API runs on the wall clock)."""
    at = datetime.now(UTC) - timedelta(days=days_ago)
    async with engine.begin() as connection:
        await connection.execute(
            update(Call).where(Call.id == uuid.UUID(call["id"])).values(created_at=at)
        )


async def card_for(api: Api, call: dict[str, Any], **fields: Any) -> dict[str, Any]:
    response = await api.post(
        "/api/v1/cards", user="operator1", json={"call_id": call["id"], **fields}
    )
    assert response.status_code == 201, response.text
    card: dict[str, Any] = response.json()
    return card


async def history(api: Api, call: dict[str, Any], user: str = "operator1") -> dict[str, Any]:
    response = await api.get(f"/api/v1/calls/{call['id']}/caller-history", user=user)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_the_history_lists_the_callers_earlier_calls_and_cards_newest_first(
    api: Api, engine: AsyncEngine
) -> None:
    too_old = await new_call(api, caller_number=NUMBER)
    await card_for(api, too_old)
    month = await new_call(api, caller_number=NUMBER)
    await post_event(api, month["id"], "answered", minutes_ago(3), operator="operator1")
    await post_event(api, month["id"], "ended", minutes_ago(2))
    month_card = await card_for(api, month)
    closed = await api.post(
        f"/api/v1/cards/{month_card['id']}/close", user="operator1", json={"outcome": "misdial"}
    )
    assert closed.status_code == 200, closed.text
    # the same phone written another way is the same caller
    yesterday = await new_call(api, caller_number="901112233", channel="video")
    yesterday_card = await card_for(api, yesterday, incident={"type": "crime.theft"})
    no_card = await new_call(api, caller_number=NUMBER)
    someone_else = await new_call(api, caller_number="+998907778899")
    await card_for(api, someone_else)
    current = await new_call(api, caller_number=NUMBER)
    await started(engine, too_old, 30.5)
    await started(engine, month, 29.5)
    await started(engine, yesterday, 1)
    await started(engine, no_card, 0.5)

    found = await history(api, current)

    assert found["call_id"] == current["id"]
    assert found["caller"] == NUMBER
    assert found["truncated"] is False
    assert [c["id"] for c in found["calls"]] == [no_card["id"], yesterday["id"], month["id"]]
    by_id = {c["id"]: c for c in found["calls"]}
    assert by_id[no_card["id"]]["card"] is None
    assert by_id[yesterday["id"]]["channel"] == "video"
    assert by_id[yesterday["id"]]["card"] == {
        "id": yesterday_card["id"],
        "number": yesterday_card["number"],
        "incident_type": "crime.theft",
        "status": "open",
        "outcome": None,
    }
    assert by_id[month["id"]]["status"] == "ended"
    assert by_id[month["id"]]["operator"] == "operator1"
    assert by_id[month["id"]]["card"]["number"] == month_card["number"]
    assert by_id[month["id"]]["card"]["status"] == "closed"
    assert by_id[month["id"]]["card"]["outcome"] == "misdial"
    since = datetime.fromisoformat(found["since"])
    assert since == datetime.fromisoformat(current["created_at"]) - timedelta(days=30)

    # an earlier call's history: the 30 days before it, nothing made after it
    earlier = await history(api, yesterday)
    assert [c["id"] for c in earlier["calls"]] == [month["id"], too_old["id"]]


async def test_an_email_callers_history_is_by_address(api: Api) -> None:
    async def mail(sender: str, thread: str) -> dict[str, Any]:
        return await new_call(
            api,
            channel="email",
            caller_number=None,
            caller_address=sender,
            text="Yordam kerak",
            conversation_id=thread,
        )

    first = await mail("Caller@Example.uz", "t-1")
    await mail("other@example.uz", "t-2")
    current = await mail("caller@example.uz", "t-3")
    found = await history(api, current)
    assert found["caller"] == "caller@example.uz"
    assert [c["id"] for c in found["calls"]] == [first["id"]]
    assert found["calls"][0]["channel"] == "email"


async def test_a_call_without_number_or_address_has_no_history(api: Api) -> None:
    await new_call(api, caller_number=None)
    current = await new_call(api, caller_number=None)
    found = await history(api, current)
    assert found["caller"] is None
    assert found["calls"] == []


async def test_call_takers_read_it_others_do_not(api: Api) -> None:
    await new_call(api, caller_number=NUMBER)
    current = await new_call(api, caller_number=NUMBER)
    assert len((await history(api, current, user="supervisor1"))["calls"]) == 1
    url = f"/api/v1/calls/{current['id']}/caller-history"
    for user in ("qa1", "analyst1", "admin"):
        response = await api.get(url, user=user)
        assert response.status_code == 403, (user, response.text)
    assert (await api.get(url)).status_code == 401


async def test_reading_the_history_is_audited_as_reading_its_cards(api: Api) -> None:
    earlier = await new_call(api, caller_number=NUMBER)
    card = await card_for(api, earlier)
    current = await new_call(api, caller_number=NUMBER)
    await history(api, current, user="supervisor1")

    reads = await api.get(f"/api/v1/audit?target_id={card['id']}&action=card.read", user="admin")
    assert reads.status_code == 200, reads.text
    assert [(e["actor"], e["detail"]) for e in reads.json()["items"]] == [
        (
            "supervisor1",
            {"version": card["version"], "via": "caller_history", "call_id": current["id"]},
        )
    ]
    looked = await api.get(
        f"/api/v1/audit?target_id={current['id']}&action=call.caller_history", user="admin"
    )
    assert [(e["actor"], e["detail"]) for e in looked.json()["items"]] == [
        ("supervisor1", {"calls": 1, "cards": [card["number"]]})
    ]


async def test_an_unknown_call_is_404_and_a_malformed_id_422(api: Api) -> None:
    unknown = await api.get(f"/api/v1/calls/{uuid.uuid4()}/caller-history", user="operator1")
    assert unknown.status_code == 404, unknown.text
    assert unknown.json()["code"] == "not_found"
    malformed = await api.get("/api/v1/calls/not-a-uuid/caller-history", user="operator1")
    assert malformed.status_code == 422, malformed.text


async def test_a_long_history_is_cut_at_the_limit_and_says_so(
    api: Api, engine: AsyncEngine
) -> None:
    made = [await new_call(api, caller_number=NUMBER) for _ in range(4)]
    for days_ago, call in zip((4, 3, 2, 1), made, strict=True):
        await started(engine, call, days_ago)
    async with AsyncSession(engine) as session:
        current = await session.get(Call, uuid.UUID(made[-1]["id"]))
        assert current is not None
        listed, truncated = await calls_history.earlier_calls(session, current, limit=2)
        assert [str(c.id) for c in listed] == [made[2]["id"], made[1]["id"]]
        assert truncated is True
        listed, truncated = await calls_history.earlier_calls(session, current, limit=3)
        assert len(listed) == 3
        assert truncated is False
