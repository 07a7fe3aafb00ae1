"""Scoring calls: the ACE-like scorecard's arithmetic, critical items, revisions, plan marks,
and bad input that changes nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint
from tests.qa.conftest import (
    MONDAY,
    CallSpec,
    add_specialist,
    answers,
    check,
    evaluate,
    insert_calls,
    local,
    make_plan,
)

pytestmark = pytest.mark.asyncio


async def test_scores_levels_and_critical_items(api: Api, engine: AsyncEngine) -> None:
    calls = await insert_calls(engine, [CallSpec(at=local(MONDAY, 9 + n)) for n in range(5)])

    perfect = await evaluate(api, calls[0])
    assert (perfect["score"], perfect["level"], perfect["critical_failures"]) == (100, "high", [])
    assert perfect["scorecard"] == "ace"
    assert perfect["scorecard_version"] == 1

    # all_key_questions (10 points, major: a miss loses 0.75 of it) → key questions
    # (25 - 7.5) / 25 = 70 %; overall (20·100 + 15·100 + 25·70 + 20·100 + 10·100 + 10·100)/100.
    major = await evaluate(api, calls[1], {"all_key_questions": "no"})
    assert (major["score"], major["raw_score"], major["level"]) == (92.5, 92.5, "compliant")
    assert {s["key"]: s["score"] for s in major["sections"]}["key_questions"] == 70
    assert major["deviations"] == {"critical": 0, "major": 1, "moderate": 0, "minor": 0}

    # A missed critical item fails the evaluation: score 0, the lowest level; case entry
    # (20 - 10)/20 = 50 % → the raw score would have been 90.
    critical = await evaluate(api, calls[2], {"address_verified": "no"})
    assert (critical["score"], critical["raw_score"]) == (0, 90)
    assert critical["level"] == "non_compliant"
    assert critical["critical_failures"] == ["address_verified"]

    # n/a leaves items (and a section with nothing left) out: final code not applicable, a
    # minor miss in customer service (15 - 1.25)/15 = 91.67 → (9000 + 10·91.67)/90.
    partly = await evaluate(
        api,
        calls[3],
        {"incident_type_correct": "na", "priority_correct": "na", "callers_language": "no"},
    )
    sections = {s["key"]: s["score"] for s in partly["sections"]}
    assert sections["final_code"] is None
    assert sections["customer_service"] == 91.67
    assert partly["score"] == round((80 * 100 + 10 * 91.67) / 90, 2) == 99.07
    assert partly["level"] == "high"

    # Several moderate misses: 80 ≤ score < 90 is partial.
    low = await evaluate(
        api,
        calls[4],
        {"location_on_card": "no", "answers_recorded": "no", "instructions_as_scripted": "no",
         "priority_correct": "no", "calm_professional": "no", "no_delay": "no"},
    )  # fmt: skip
    # case entry 87.5, key questions 90, instructions 87.5, final code 83.33, service 66.67
    expected = (20 * 87.5 + 15 * 100 + 25 * 90 + 20 * 87.5 + 10 * 83.33 + 10 * 66.67) / 100
    assert low["score"] == round(expected, 2) == 87.5
    assert low["level"] == "partial"


async def test_a_call_outside_every_plan_is_scored_but_marked(
    api: Api, engine: AsyncEngine
) -> None:
    planned, unplanned = await insert_calls(
        engine,
        [CallSpec(at=local(MONDAY, 10), talk_seconds=900), CallSpec(at=local(MONDAY, 11))],
    )
    plan = await make_plan(api, share=0.001, seed=1)
    assert str(planned) in {c["call_id"] for c in plan["calls"]}
    assert str(unplanned) not in {c["call_id"] for c in plan["calls"]}

    inside = await evaluate(api, planned)
    outside = await evaluate(api, unplanned)
    assert (inside["in_plan"], inside["plan_id"]) == (True, plan["id"])
    assert (outside["in_plan"], outside["plan_id"]) == (False, None)
    counted = check(await api.get(f"/api/v1/qa/plans/{plan['id']}", user="qa1"), 200)
    assert {c["call_id"]: c["evaluations"] for c in counted["calls"]}[str(planned)] == 1


async def test_a_change_is_a_new_revision_and_the_old_one_stays(
    api: Api, engine: AsyncEngine
) -> None:
    (call,) = await insert_calls(engine, [CallSpec(at=local(MONDAY, 10))])
    first = await evaluate(api, call, {"no_delay": "no"})
    changed = answers({"address_verified": "no"})
    changed["address_verified"]["comment"] = "the address was never read back"
    revised = check(
        await api.request(
            "PUT",
            f"/api/v1/qa/evaluations/{first['id']}",
            user="qa1",
            json={"answers": changed, "reason": "listened again"},
        ),
        200,
    )
    assert (revised["id"], revised["revision"], revised["score"]) == (first["id"], 2, 0)
    assert revised["answers"]["address_verified"]["comment"] == "the address was never read back"

    stored = check(await api.get(f"/api/v1/qa/evaluations/{first['id']}", user="supervisor1"), 200)
    assert [(r["revision"], r["score"], r["reason"]) for r in stored["revisions"]] == [
        (1, first["score"], None),
        (2, 0, "listened again"),
    ]
    assert stored["revisions"][0]["answers"]["no_delay"]["answer"] == "no"
    listed = check(await api.get(f"/api/v1/qa/evaluations?call_id={call}", user="qa1"), 200)
    assert [(e["id"], e["revision"], e["score"]) for e in listed] == [(first["id"], 2, 0)]

    # Scoring the same call again is a conflict that points to the revision.
    again = await evaluate(api, call, expect=409)
    assert f"/api/v1/qa/evaluations/{first['id']}" in again["detail"]
    # Only the specialist who made it revises it; another scores the call on their own.
    await add_specialist(api, "qa2")
    refused = await api.request(
        "PUT",
        f"/api/v1/qa/evaluations/{first['id']}",
        user="qa2",
        json={"answers": answers()},
    )
    assert refused.status_code == 403
    assert "only they revise it" in refused.json()["detail"]
    second = await evaluate(api, call, user="qa2")
    assert second["evaluator"] == "qa2"
    assert second["id"] != first["id"]


async def test_bad_evaluations_are_refused_and_change_nothing(
    api: Api, engine: AsyncEngine
) -> None:
    ended, going = await insert_calls(
        engine, [CallSpec(at=local(MONDAY, 10)), CallSpec(at=local(MONDAY, 11), status="connected")]
    )
    done = await evaluate(api, ended)
    await add_specialist(api, "qa2")
    before = await fingerprint(engine)
    missing_item = answers()
    del missing_item["no_delay"]
    extra_item = {**answers(), "smiled": {"answer": "yes"}}
    all_na = {key: {"answer": "na"} for key in answers()}
    nobody = uuid.UUID(int=7)
    cases = [
        ({"call_id": str(ended), "scorecard": "ace", "answers": missing_item}, 422,
         "missing no_delay"),
        ({"call_id": str(ended), "scorecard": "ace", "answers": extra_item}, 422, "no item smiled"),
        ({"call_id": str(ended), "scorecard": "ace", "answers": all_na}, 422, "nothing to score"),
        ({"call_id": str(ended), "scorecard": "ace",
          "answers": {**answers(), "no_delay": {"answer": "maybe"}}}, 422, "answers.no_delay"),
        ({"call_id": str(ended), "scorecard": "nope", "answers": answers()}, 404, "no scorecard"),
        ({"call_id": str(ended), "scorecard": "ace", "scorecard_version": 9,
          "answers": answers()}, 404, "version 9"),
        ({"call_id": str(nobody), "scorecard": "ace", "answers": answers()}, 404, "no call"),
        ({"call_id": str(going), "scorecard": "ace", "answers": answers()}, 409, "once it is over"),
        ({"call_id": "not-a-uuid", "scorecard": "ace", "answers": answers()}, 422, "call_id"),
        ({"call_id": str(ended), "scorecard": "ace", "answers": answers(),
          "calibration_id": str(nobody)}, 404, "no calibration"),
    ]  # fmt: skip
    for body, status, fragment in cases:
        response = await api.post("/api/v1/qa/evaluations", user="qa2", json=body)
        assert response.status_code == status, (body, response.text)
        assert fragment in response.json()["detail"], (body, response.text)
    duplicate = await evaluate(api, ended, expect=409)
    assert "already evaluated" in duplicate["detail"]
    revise = [
        (done["id"], {"answers": missing_item}, 422, "missing no_delay"),
        (str(nobody), {"answers": answers()}, 404, "no evaluation"),
        (done["id"], {"answers": answers(), "score": 100}, 422, "score"),
    ]
    for evaluation_id, body, status, fragment in revise:
        response = await api.request(
            "PUT", f"/api/v1/qa/evaluations/{evaluation_id}", user="qa1", json=body
        )
        assert response.status_code == status, (body, response.text)
        assert fragment in response.json()["detail"]
    assert await fingerprint(engine) == before
