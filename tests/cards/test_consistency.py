"""Nothing wrong slips through (issue 19): a card that contradicts itself is neither closed nor
routed, a warning must be acknowledged, and the acknowledgement is kept and audited."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import cardschema
from dispatch.cards import consistency
from tests.cards.conftest import new_card
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint

pytestmark = [
    pytest.mark.asyncio,
    # Rules computed in Python before anything is stored: the same on both backends.
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

XML = {"Content-Type": "application/xml"}
EXAMPLES = Path(cardschema.__file__).parent / "examples"


async def _refused(
    api: Api, engine: AsyncEngine, card: dict[str, Any], action: str, body: Any
) -> dict[str, Any]:
    """POST ``action`` on the card: a 422 that changed nothing (same version, same rows)."""
    before = await fingerprint(engine)
    kwargs: dict[str, Any] = {} if body is None else {"json": body}
    response = await api.post(f"/api/v1/cards/{card['id']}/{action}", user="operator1", **kwargs)
    assert response.status_code == 422, response.text
    assert await fingerprint(engine) == before
    again = await api.get(f"/api/v1/cards/{card['id']}", user="operator1")
    assert again.json()["version"] == card["version"]
    refusal: dict[str, Any] = response.json()
    assert set(refusal) == {"detail", "code", "reasons", "warnings", "detail_code", "detail_params"}
    # The sentence the consoles say in the UI's language: the refusal's code and the codes of
    # what refused it (the reasons, else the warnings).
    assert refusal["detail_code"] == refusal["code"]
    refused_by = "reasons" if refusal["reasons"] else "warnings"
    assert refusal["detail_params"] == {refused_by: [f["code"] for f in refusal[refused_by]]}
    return refusal


def _codes(items: list[dict[str, str]]) -> list[str]:
    assert all(set(item) == {"code", "message"} and item["message"] for item in items)
    return [item["code"] for item in items]


async def _routed(api: Api, **fields: Any) -> dict[str, Any]:
    card = await new_card(api, **fields)
    routed = await api.post(f"/api/v1/cards/{card['id']}/route", user="operator1")
    assert routed.status_code == 200, routed.text
    result: dict[str, Any] = routed.json()
    return result


# (card fields, close outcome, the contradiction's code)
CLOSE_CONTRADICTIONS: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "advice with no type",
        {"incident": {"description": "?"}},
        "advice_given",
        "incident_type_required",
    ),
    ("false alarm on an empty card", {}, "false_alarm", "incident_type_required"),
    ("referred on an empty card", {}, "referred", "incident_type_required"),
    (
        "dispatched, nothing routed",
        {"incident": {"type": "crime.theft"}},
        "dispatched",
        "dispatched_without_services",
    ),
    ("duplicate with no link", {}, "duplicate", "duplicate_without_link"),
    (
        "consultation at priority 1",
        {"incident": {"type": "info.consultation", "priority": 1}},
        "advice_given",
        "priority_contradicts_type",
    ),
    (
        "cardiac arrest at priority 5",
        {"incident": {"type": "medical.cardiac_arrest", "priority": 5}},
        "false_alarm",
        "priority_contradicts_type",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "fields", "outcome", "code"),
    CLOSE_CONTRADICTIONS,
    ids=[case[0] for case in CLOSE_CONTRADICTIONS],
)
async def test_a_close_that_contradicts_the_card_is_refused_with_its_reason(
    api: Api, engine: AsyncEngine, name: str, fields: dict[str, Any], outcome: str, code: str
) -> None:
    card = await new_card(api, **fields)
    # Acknowledging every warning there is does not lift a contradiction.
    body = {"outcome": outcome, "acknowledge": sorted(consistency.ALL_WARNINGS)}
    refusal = await _refused(api, engine, card, "close", body)
    assert refusal["code"] == "card_inconsistent"
    assert code in _codes(refusal["reasons"])
    assert refusal["detail"].startswith("the card cannot be closed")


async def test_misdial_or_test_call_after_routing_is_a_contradiction(
    api: Api, engine: AsyncEngine
) -> None:
    card = await _routed(api, incident={"type": "crime.theft"})
    for outcome in ("misdial", "test_call"):
        refusal = await _refused(api, engine, card, "close", {"outcome": outcome})
        assert _codes(refusal["reasons"]) == ["no_call_outcome_after_routing"]


@pytest.mark.parametrize(
    "outcome", ["silent_call", "misdial", "test_call", "hoax", "caller_unreachable"]
)
async def test_an_empty_card_closes_with_an_honest_outcome(api: Api, outcome: str) -> None:
    card = await new_card(api)
    closed = await api.post(
        f"/api/v1/cards/{card['id']}/close", user="operator1", json={"outcome": outcome}
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["outcome"] == outcome


async def test_an_empty_card_refuses_every_outcome_that_claims_an_incident(
    api: Api, engine: AsyncEngine
) -> None:
    card = await new_card(api)
    for outcome in sorted(consistency.INCIDENT_OUTCOMES):
        refusal = await _refused(api, engine, card, "close", {"outcome": outcome})
        assert "incident_type_required" in _codes(refusal["reasons"]), outcome
        assert "silent_call" in refusal["detail"]


async def test_routing_a_card_with_no_incident_type_is_refused(
    api: Api, engine: AsyncEngine
) -> None:
    card = await new_card(api, incident={"victims": 2})
    refusal = await _refused(api, engine, card, "route", {"services": ["103"]})
    assert refusal["code"] == "card_inconsistent"
    assert _codes(refusal["reasons"]) == ["incident_type_required"]


async def test_routing_a_priority_that_contradicts_the_type_is_refused(
    api: Api, engine: AsyncEngine
) -> None:
    card = await new_card(api, incident={"type": "medical.stroke", "priority": 4})
    refusal = await _refused(api, engine, card, "route", None)
    assert _codes(refusal["reasons"]) == ["priority_contradicts_type"]


# (card fields, how it is closed or routed, the warning's code)
WARNINGS: list[tuple[str, dict[str, Any], str, dict[str, Any], str]] = [
    (
        "victims on a no-injuries accident",
        {"incident": {"type": "road.accident_no_injuries", "victims": 2}},
        "route", {},
        "victims_on_no_injury_type",
    ),
    (
        "no victims on a stroke",
        {"incident": {"type": "medical.stroke", "victims": 0}},
        "route", {},
        "no_victims_on_injury_type",
    ),
    (
        "gas smell without the gas hazard",
        {"incident": {"type": "gas.smell_indoors"}},
        "route", {"services": ["104"]},
        "expected_hazard_missing",
    ),
    (
        "fire without fire or smoke, closed as a false alarm",
        {"incident": {"type": "fire.vehicle", "priority": 2}},
        "close", {"outcome": "false_alarm"},
        "expected_hazard_missing",
    ),
    (
        "a stroke made less urgent",
        {"incident": {"type": "medical.stroke", "priority": 3}},
        "route", {},
        "priority_below_type",
    ),
    (
        "priority 1 closed with advice only",
        {"incident": {"type": "medical.cardiac_arrest"}},
        "close", {"outcome": "advice_given"},
        "urgent_not_dispatched",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "fields", "action", "body", "code"), WARNINGS, ids=[case[0] for case in WARNINGS]
)
async def test_a_warning_must_be_acknowledged_and_the_acknowledgement_is_kept(
    api: Api,
    engine: AsyncEngine,
    name: str,
    fields: dict[str, Any],
    action: str,
    body: dict[str, Any],
    code: str,
) -> None:
    card = await new_card(api, **fields)
    refusal = await _refused(api, engine, card, action, body)
    assert refusal["code"] == "warnings_unacknowledged"
    assert refusal["reasons"] == []
    assert _codes(refusal["warnings"]) == [code]
    assert code in refusal["detail"]
    # Another warning's code is not this one's acknowledgement.
    other = sorted(consistency.ALL_WARNINGS - {code})[0]
    await _refused(api, engine, card, action, {**body, "acknowledge": [other]})

    done = await api.post(
        f"/api/v1/cards/{card['id']}/{action}",
        user="operator1",
        json={**body, "acknowledge": [code, other]},
    )
    assert done.status_code == 200, done.text
    version = done.json()["version"]
    history = (await api.get(f"/api/v1/cards/{card['id']}/history", user="supervisor1")).json()
    assert history[-1]["version"] == version
    assert history[-1]["detail"]["acknowledged"] == [code]  # only what applied
    change = "closed" if action == "close" else "routed"
    audit = await api.get(
        f"/api/v1/audit?target_id={card['id']}&action=card.{change}", user="admin"
    )
    [entry] = audit.json()["items"]
    assert entry["actor"] == "operator1"
    assert entry["detail"]["acknowledged"] == [code]
    assert entry["detail"]["version"] == version


async def test_closing_a_routed_card_as_not_dispatched_is_a_warning(
    api: Api, engine: AsyncEngine
) -> None:
    card = await _routed(api, incident={"type": "crime.theft"})
    refusal = await _refused(api, engine, card, "close", {"outcome": "caller_unreachable"})
    assert _codes(refusal["warnings"]) == ["routed_but_not_dispatched"]
    closed = await api.post(
        f"/api/v1/cards/{card['id']}/close",
        user="operator1",
        json={"outcome": "caller_unreachable", "acknowledge": ["routed_but_not_dispatched"]},
    )
    assert closed.status_code == 200, closed.text


async def test_contradictions_and_warnings_are_told_together(api: Api, engine: AsyncEngine) -> None:
    card = await new_card(
        api, incident={"type": "road.accident_no_injuries", "victims": 1, "priority": 1}
    )
    refusal = await _refused(api, engine, card, "close", {"outcome": "dispatched"})
    assert refusal["code"] == "card_inconsistent"
    assert _codes(refusal["reasons"]) == ["dispatched_without_services"]
    assert _codes(refusal["warnings"]) == ["victims_on_no_injury_type"]


async def test_a_consistent_card_needs_no_acknowledgement_and_stores_none(api: Api) -> None:
    card = await _routed(
        api, incident={"type": "gas.smell_indoors", "hazards": ["gas_smell"], "victims": 0}
    )
    closed = await api.post(
        f"/api/v1/cards/{card['id']}/close", user="operator1", json={"outcome": "dispatched"}
    )
    assert closed.status_code == 200, closed.text
    history = (await api.get(f"/api/v1/cards/{card['id']}/history", user="operator1")).json()
    assert [h["detail"].get("acknowledged") for h in history] == [None, None, None]


async def test_leaving_out_a_suggested_service_is_routed_without_a_warning(api: Api) -> None:
    # The operator console asks before a suggested service is left out (a console rule): the
    # route API takes the services named, as gateways and bots send them, with nothing to
    # acknowledge (an API warning for it refused 45 existing routes and was reverted).
    card = await new_card(api, incident={"type": "road.accident_injuries", "victims": 2})
    suggested = await api.get(f"/api/v1/cards/{card['id']}/suggested-services", user="operator1")
    assert [s["service"] for s in suggested.json()] == ["102", "103"]
    routed = await api.post(
        f"/api/v1/cards/{card['id']}/route", user="operator1", json={"services": ["102"]}
    )
    assert routed.status_code == 200, routed.text
    assert [s["code"] for s in routed.json()["services"]] == ["102"]
    history = (await api.get(f"/api/v1/cards/{card['id']}/history", user="operator1")).json()
    assert history[-1]["detail"].get("acknowledged") is None


async def test_an_unknown_acknowledgement_is_refused(api: Api, engine: AsyncEngine) -> None:
    card = await new_card(api)
    before = await fingerprint(engine)
    response = await api.post(
        f"/api/v1/cards/{card['id']}/close",
        user="operator1",
        json={"outcome": "silent_call", "acknowledge": ["whatever"]},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert await fingerprint(engine) == before


def _imported(**changes: Any) -> cardschema.Card:
    card = cardschema.parse(sorted((EXAMPLES / "valid").glob("*.xml"))[0].read_bytes())
    number = f"112-20261122-9{uuid.uuid4().int % 10**5:05d}"
    return dataclasses.replace(card, id=uuid.uuid4(), number=number, call_id=None, **changes)


async def test_a_closed_card_imported_as_xml_is_held_to_the_same_rules(
    api: Api, engine: AsyncEngine
) -> None:
    base = _imported()
    empty = dataclasses.replace(
        base,
        status=cardschema.CardStatus.CLOSED,
        outcome=cardschema.Outcome.ADVICE_GIVEN,
        closed_at=base.updated_at,
        incident=cardschema.Incident(),
        services=(),
    )
    before = await fingerprint(engine)
    refused = await api.post(
        "/api/v1/cards", user="supervisor1", content=cardschema.build(empty), headers=XML
    )
    assert refused.status_code == 422, refused.text
    assert _codes(refused.json()["reasons"]) == ["incident_type_required"]
    assert await fingerprint(engine) == before

    gas = dataclasses.replace(
        empty,
        outcome=cardschema.Outcome.FALSE_ALARM,
        incident=cardschema.Incident(type="gas.smell_indoors", priority=2),
    )
    unacknowledged = await api.post(
        "/api/v1/cards", user="supervisor1", content=cardschema.build(gas), headers=XML
    )
    assert unacknowledged.status_code == 422
    assert unacknowledged.json()["code"] == "warnings_unacknowledged"
    accepted = await api.post(
        "/api/v1/cards?acknowledge=expected_hazard_missing",
        user="supervisor1",
        content=cardschema.build(gas),
        headers=XML,
    )
    assert accepted.status_code == 201, accepted.text
    history = (await api.get(f"/api/v1/cards/{gas.id}/history", user="supervisor1")).json()
    assert history[0]["detail"]["acknowledged"] == ["expected_hazard_missing"]


async def test_the_refusal_and_the_acknowledgement_are_documented(api: Api) -> None:
    description = api.app.openapi()
    schemas = description["components"]["schemas"]
    close = description["paths"]["/api/v1/cards/{card_id}/close"]["post"]
    ref = close["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    refusal = {**schemas[ref.split("/")[-1]], "components": {"schemas": schemas}}
    assert {"reasons", "warnings"} <= set(refusal["properties"])
    for name in ("CloseRequest", "RouteRequest"):
        acknowledge = schemas[name]["properties"]["acknowledge"]
        codes = schemas[acknowledge["items"]["$ref"].split("/")[-1]]["enum"]
        assert set(codes) == consistency.ALL_WARNINGS
    card = await new_card(api, incident={"type": "medical.stroke", "victims": 0})
    answers = [
        await api.post(f"/api/v1/cards/{card['id']}/close", user="operator1", json=body)
        for body in ({"outcome": "dispatched"}, {"outcome": "false_alarm"})
    ]
    assert [a.json()["code"] for a in answers] == ["card_inconsistent", "warnings_unacknowledged"]
    for answer in answers:
        jsonschema.validate(answer.json(), refusal)
