"""Walking a protocol on a card (issue 24): answers and instructions kept as the operator goes,
onto the card at most every few seconds and at route and close (never a version per answer),
the determinant setting priority and services, an override only with a reason, and a card whose
answers require an escalation closing only after it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

import cardschema
from dispatch.core.clock import ManualClock
from dispatch.core.settings import Settings
from tests.cards.conftest import card_xml, new_call, new_card
from tests.fixtures.api import Api, running_api
from tests.fixtures.waiting import eventually
from tests.protocols.sample import sample

ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when the test moves it."""
    return ManualClock()


@pytest_asyncio.fixture
async def timed(settings: Settings, clock: ManualClock) -> AsyncIterator[Api]:
    """The app on a clock the test moves."""
    async with running_api(settings, clock=clock) as api:
        yield api


async def approved_sample(api: Api) -> None:
    made = await api.post("/api/v1/protocols", user="methodologist1", json=sample())
    assert made.status_code == 201, made.text
    await api.post(f"/api/v1/protocol-versions/{made.json()['id']}/submit", user="methodologist1")
    approved = await api.post(
        f"/api/v1/protocol-versions/{made.json()['id']}/review",
        user="methodologist2",
        json={"approve": True},
    )
    assert approved.status_code == 200, approved.text


async def started(api: Api, card: dict[str, Any], **body: Any) -> Any:
    response = await api.post(
        f"/api/v1/cards/{card['id']}/protocols",
        user="operator1",
        json={"code": "test_arrest", **body},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def step(api: Api, walk: Any, node: str, value: Any = None, given: bool = False) -> Any:
    body: dict[str, Any] = {"node": node, "given": given}
    if value is not None:
        body["value"] = value
    response = await api.post(
        f"/api/v1/protocol-runs/{walk['run_id']}/steps", user="operator1", json=body
    )
    assert response.status_code == 200, response.text
    return response.json()


async def version_of(api: Api, card: dict[str, Any]) -> int:
    response = await api.get(f"/api/v1/cards/{card['id']}", user="operator1")
    version: int = response.json()["version"]
    return version


@pytest.mark.asyncio
@ON_SQLITE
async def test_a_walk_reaches_its_determinant_and_the_card_at_route(
    timed: Api, clock: ManualClock
) -> None:
    await approved_sample(timed)
    call = await new_call(timed)
    card = await new_card(timed, call_id=call["id"], incident={"type": "medical.cardiac_arrest"})
    walk = await started(timed, card)
    assert (walk["current"]["id"], walk["approved"], walk["language"]) == ("awake", True, "uz")
    assert walk["current"]["text"] == "uz: Is the patient awake?"
    after_start = await version_of(timed, card)
    walk = await step(timed, walk, "awake", False)
    first_write = await version_of(timed, card)
    assert first_write == after_start + 1  # the first answer reaches the card at once
    for node, value in (("age", 45), ("breathing", "none")):
        clock.advance(1)
        walk = await step(timed, walk, node, value)
    assert walk["current"]["id"] == "push"
    assert walk["current"]["timer"] == {
        "kind": "metronome",
        "rate_per_min": 110,
        "handover_every_s": 120,
        "label": None,
    }
    assert (walk["determinant"]["code"], walk["determinant"]["priority"]) == ("TA-1", 1)
    # CPR runs: no version per answer within the few seconds.
    assert await version_of(timed, card) == first_write
    suggested = await timed.get(f"/api/v1/cards/{card['id']}/suggested-services", user="operator1")
    routed = await timed.post(
        f"/api/v1/cards/{card['id']}/route",
        user="operator1",
        json={"services": ["103"], "acknowledge": ["no_victims_on_injury_type"]},
    )
    assert routed.status_code == 200, routed.text
    document = cardschema.parse(await card_xml(timed, card["id"]))
    assert document.incident.priority == 1
    [record] = document.protocols
    assert (record.code, record.version, record.approved) == ("test_arrest", 1, True)
    assert [(a.node, a.value) for a in record.answers] == [
        ("awake", "no"),
        ("age", "45 y"),
        ("breathing", "none: uz: Not at all"),
    ]
    assert record.determinant is not None
    assert record.determinant.code == "TA-1"
    assert "103" in {s["service"] for s in suggested.json()}


@pytest.mark.asyncio
@ON_SQLITE
async def test_answers_left_pending_reach_the_card_within_seconds_by_themselves(api: Api) -> None:
    await approved_sample(api)
    card = await new_card(api, incident={"type": "medical.cardiac_arrest"})
    walk = await started(api, card)
    walk = await step(api, walk, "awake", False)
    walk = await step(api, walk, "age", 30)  # within the few seconds: pending

    async def on_card() -> bool:
        document = cardschema.parse(await card_xml(api, card["id"]))
        return bool(document.protocols) and len(document.protocols[0].answers) == 2

    await eventually(on_card, what="the pending answer on the card", within=30)


@pytest.mark.asyncio
@ON_SQLITE
async def test_a_walk_survives_a_reload_and_refuses_steps_that_do_not_fit(api: Api) -> None:
    await approved_sample(api)
    card = await new_card(api, incident={"type": "medical.cardiac_arrest"})
    walk = await started(api, card, language="ru")
    walk = await step(api, walk, "awake", False)
    again = await started(api, card)
    assert (again["run_id"], again["current"]["id"], again["language"]) == (
        walk["run_id"],
        "age",
        "ru",
    )
    listed = await api.get(f"/api/v1/cards/{card['id']}/protocols", user="qa1")
    assert [w["answers"][0]["question"] for w in listed.json()] == ["ru: Is the patient awake?"]
    url = f"/api/v1/protocol-runs/{walk['run_id']}/steps"
    for body in (
        {"node": "breathing", "value": "none"},  # not on the walk yet
        {"node": "age", "value": 200},  # out of bounds
        {"node": "age", "value": "forty"},  # not a number
        {"node": "push", "given": True},  # not reached
        {"node": "nowhere", "value": True},
        {"node": "age", "value": 30, "extra": 1},
    ):
        refused = await api.post(url, user="operator1", json=body)
        assert refused.status_code == 422, body
    unchanged = await api.get(f"/api/v1/cards/{card['id']}/protocols", user="operator1")
    assert unchanged.json()[0]["answers"] == listed.json()[0]["answers"]
    foreign = await api.post(url, user="operator2", json={"node": "age", "value": 30})
    assert foreign.status_code == 403


@pytest.mark.asyncio
@ON_SQLITE
async def test_an_override_needs_a_reason_and_sets_the_cards_priority(api: Api) -> None:
    await approved_sample(api)
    card = await new_card(api, incident={"type": "medical.cardiac_arrest"})
    walk = await started(api, card)
    walk = await step(api, walk, "awake", False)
    url = f"/api/v1/protocol-runs/{walk['run_id']}/override"
    silent = await api.post(url, user="operator1", json={"priority": 3})
    assert silent.status_code == 422
    overridden = await api.post(
        url, user="operator1", json={"priority": 3, "reason": "the caller says he is waking up"}
    )
    assert overridden.status_code == 200, overridden.text
    document = cardschema.parse(await card_xml(api, card["id"]))
    assert document.incident.priority == 3
    assert document.protocols[0].priority_override == 3
    assert document.protocols[0].override_reason == "the caller says he is waking up"


@pytest.mark.asyncio
@ON_SQLITE
async def test_a_card_whose_answers_require_escalation_closes_only_after_it(api: Api) -> None:
    await approved_sample(api)
    call = await new_call(api)
    card = await new_card(api, call_id=call["id"], incident={"type": "medical.cardiac_arrest"})
    walk = await started(api, card)
    for node, value in (("awake", False), ("age", 50), ("breathing", "gasping")):
        walk = await step(api, walk, node, value)
    assert walk["determinant"]["escalation_required"] is True
    close = {"outcome": "advice_given", "acknowledge": ["urgent_not_dispatched"]}
    refused = await api.post(f"/api/v1/cards/{card['id']}/close", user="operator1", json=close)
    assert refused.status_code == 422, refused.text
    assert "escalation_required" in {r["code"] for r in refused.json()["reasons"]}
    escalated = await api.post(
        f"/api/v1/calls/{call['id']}/escalate",
        user="operator1",
        json={"reason": "not breathing, needs a doctor", "kind": "specialist"},
    )
    assert escalated.status_code == 201, escalated.text
    closed = await api.post(f"/api/v1/cards/{card['id']}/close", user="operator1", json=close)
    assert closed.status_code == 200, closed.text
    document = cardschema.parse(await card_xml(api, card["id"]))
    assert document.protocols[0].escalated_at is not None


@pytest.mark.asyncio
@ON_SQLITE
async def test_the_seeded_suicide_screen_at_high_risk_needs_the_escalation_to_close(
    api: Api,
) -> None:
    call = await new_call(api)
    card = await new_card(api, call_id=call["id"], incident={"type": "mental_health.suicide_risk"})
    started_walk = await api.post(
        f"/api/v1/cards/{card['id']}/protocols",
        user="operator1",
        json={"code": "suicide_risk_screen"},
    )
    assert started_walk.status_code == 201, started_walk.text
    walk = started_walk.json()
    assert walk["approved"] is False  # seeded: a draft until psychologists approve it
    for node, value in (("caller_is", "self"), ("danger_self", False), ("means_self", False)):
        walk = await step(api, walk, node, value)
    walk = await step(api, walk, "listen_calm", given=True)
    for node in ("wish_dead", "thoughts", "method", "intent"):
        walk = await step(api, walk, node, True)
    found = walk["determinant"]
    assert (found["risk"], found["escalation_required"]) == ("high", True)
    assert {"1146", "103"} <= set(found["services"])
    suggested = await api.get(f"/api/v1/cards/{card['id']}/suggested-services", user="operator1")
    assert {"1146", "103"} <= {s["service"] for s in suggested.json()}
    close = {"outcome": "referred", "acknowledge": ["urgent_not_dispatched", "priority_below_type"]}
    refused = await api.post(f"/api/v1/cards/{card['id']}/close", user="operator1", json=close)
    assert refused.status_code == 422, refused.text
    assert "escalation_required" in {r["code"] for r in refused.json()["reasons"]}
    escalated = await api.post(
        f"/api/v1/calls/{call['id']}/escalate",
        user="operator1",
        json={"reason": "high suicide risk: psychologist needed", "kind": "specialist"},
    )
    assert escalated.status_code == 201, escalated.text
    closed = await api.post(f"/api/v1/cards/{card['id']}/close", user="operator1", json=close)
    assert closed.status_code == 200, closed.text
    document = cardschema.parse(await card_xml(api, card["id"]))
    [record] = document.protocols
    assert (record.code, record.approved, record.escalation_required) == (
        "suicide_risk_screen",
        False,
        True,
    )
    assert record.escalated_at is not None
