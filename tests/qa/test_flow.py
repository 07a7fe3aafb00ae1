"""The whole path through the real API: calls from the gateway, a card, a supervisor's
takeover, an abandoned call → a plan flags them → QA opens the call, plays the recording
(audited) and scores it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.fixtures.api import Api
from tests.qa.conftest import GATEWAY, TZ, check, evaluate

pytestmark = pytest.mark.asyncio
RECORDING = "https://recordings.example/112/881.ogg"


async def _call(api: Api) -> str:
    body = {"channel": "voice", "caller_number": "+998901234567", "language": "uz"}
    call: dict[str, Any] = check(await api.post("/api/v1/calls", json=body, headers=GATEWAY), 201)
    return str(call["id"])


async def _event(api: Api, call_id: str, kind: str, at: datetime, **fields: Any) -> None:
    body = {"event_id": f"{kind}-{call_id}", "type": kind, "at": at.isoformat(), **fields}
    check(await api.post(f"/api/v1/calls/{call_id}/events", json=body, headers=GATEWAY), 201)


async def test_a_plan_flags_real_calls_and_qa_reviews_one(api: Api) -> None:
    now = datetime.now(UTC)
    first_day = str(now.astimezone(TZ).date())  # the centre's day may turn during the test
    long_call = await _call(api)
    card = check(
        await api.post(
            "/api/v1/cards",
            user="operator1",
            json={"call_id": long_call, "incident": {"type": "road.accident_injuries"}},
        ),
        201,
    )
    await _event(api, long_call, "answered", now - timedelta(seconds=700), operator="operator1")
    await _event(api, long_call, "ended", now, media_url=RECORDING)

    taken = await _call(api)
    check(await api.post(f"/api/v1/calls/{taken}/takeover", user="supervisor1"), 200)
    await _event(api, taken, "ended", datetime.now(UTC))

    abandoned = await _call(api)
    await _event(api, abandoned, "abandoned", datetime.now(UTC))

    today = str(datetime.now(TZ).date())
    plan = check(
        await api.post(
            "/api/v1/qa/plans",
            user="qa1",
            json={"date_from": first_day, "date_to": today, "seed": 11, "share": 0.02},
        ),
        201,
    )
    reasons = {c["call_id"]: c["reasons"] for c in plan["calls"]}
    assert "flag:long_handle" in reasons[long_call]
    assert "flag:supervisor_takeover" in reasons[taken]
    assert "flag:abandoned" in reasons[abandoned]
    chosen = {c["call_id"]: c for c in plan["calls"]}
    assert chosen[long_call]["incident_type"] == "road.accident_injuries"
    assert chosen[long_call]["stratum"] == "road.accident_injuries/voice"
    assert chosen[long_call]["operator"] == "operator1"

    review = check(await api.get(f"/api/v1/qa/calls/{long_call}", user="qa1"), 200)
    assert review["call"]["media_url"] == RECORDING
    assert review["call"]["talk_seconds"] == 700
    assert review["card"]["number"] == card["number"]
    assert [e["type"] for e in review["events"]] == ["answered", "ended"]
    assert review["plans"] == [plan["id"]]

    played = check(
        await api.post(
            f"/api/v1/qa/calls/{long_call}/plays", user="qa1", json={"position_s": 12.5}
        ),
        201,
    )
    assert (played["media_url"], played["position_s"]) == (RECORDING, 12.5)
    silent = await api.post(f"/api/v1/qa/calls/{abandoned}/plays", user="qa1", json={})
    assert silent.status_code == 409
    assert "no recording" in silent.json()["detail"]
    audit = check(await api.get(f"/api/v1/audit?target_id={long_call}", user="admin"), 200)
    actions = [(e["actor"], e["action"]) for e in audit["items"]]
    assert ("qa1", "qa.recording.play") in actions
    # A supervisor plays any call too (issue 26), audited the same way.
    check(await api.get(f"/api/v1/qa/calls/{long_call}", user="supervisor1"), 200)
    check(await api.post(f"/api/v1/qa/calls/{long_call}/plays", user="supervisor1", json={}), 201)
    audit = check(await api.get(f"/api/v1/audit?target_id={long_call}", user="admin"), 200)
    actions = [(e["actor"], e["action"]) for e in audit["items"]]
    assert ("supervisor1", "qa.recording.play") in actions
    play = next(
        e for e in audit["items"] if e["action"] == "qa.recording.play" and e["actor"] == "qa1"
    )
    assert play["detail"] == {"media_url": RECORDING, "position_s": 12.5}
    card_reads = check(
        await api.get(f"/api/v1/audit?action=card.read&target_id={card['id']}", user="admin"), 200
    )
    assert sorted(e["actor"] for e in card_reads["items"]) == ["qa1", "supervisor1"]

    scored = await evaluate(api, long_call, {"no_delay": "no"})
    assert (scored["in_plan"], scored["plan_id"], scored["operator"]) == (
        True, plan["id"], "operator1",
    )  # fmt: skip
    again = check(await api.get(f"/api/v1/qa/calls/{long_call}", user="qa1"), 200)
    assert [e["id"] for e in again["evaluations"]] == [scored["id"]]
