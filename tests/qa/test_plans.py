"""Sampling plans through the API: shares over strata, minimums, flags, reproducibility."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint
from tests.qa.conftest import MONDAY, CallSpec, check, insert_calls, local, make_plan

pytestmark = pytest.mark.asyncio


def _spread(count: int, start_hour: int = 9, **fields: object) -> list[CallSpec]:
    """``count`` calls over the week, a few minutes apart."""
    return [
        CallSpec(
            at=local(MONDAY + timedelta(days=n % 7), start_hour) + timedelta(minutes=n),
            **fields,  # type: ignore[arg-type]
        )
        for n in range(count)
    ]


async def test_a_plan_draws_the_share_over_strata_with_minimums(
    api: Api, engine: AsyncEngine
) -> None:
    await insert_calls(engine, _spread(250, incident_type="fire.building"))
    await insert_calls(engine, _spread(150, incident_type="medical.unconscious"))
    await insert_calls(
        engine, _spread(98, incident_type="police.theft", channel="sms", operator="operator2")
    )
    # supervisor1 took two calls only: the minimum per operator takes both.
    await insert_calls(engine, _spread(2, incident_type=None, operator="supervisor1"))
    # Outside the week, and a call still going: not in the population.
    await insert_calls(engine, [CallSpec(at=local(MONDAY - timedelta(days=1), 23, 59))])
    await insert_calls(engine, [CallSpec(at=local(MONDAY + timedelta(days=7), 0, 0))])
    await insert_calls(engine, [CallSpec(at=local(MONDAY, 12), status="connected")])

    plan = await make_plan(api, seed=20250310, min_per_operator=3)
    assert (plan["population"], plan["share"], plan["seed"]) == (500, 0.02, 20250310)
    reasons = Counter(r for c in plan["calls"] for r in c["reasons"])
    assert reasons["random"] == 10
    strata = {s["stratum"]: (s["population"], s["random"]) for s in plan["strata"]}
    assert strata == {
        "fire.building/voice": (250, 5),
        "medical.unconscious/voice": (150, 3),
        "police.theft/sms": (98, 2),
        "unclassified/voice": (2, 0),
    }
    per_operator = Counter(c["operator"] for c in plan["calls"])
    assert per_operator["supervisor1"] == 2
    assert all(per_operator[name] >= 3 for name in ("operator1", "operator2"))
    assert [c["reasons"] for c in plan["calls"] if c["operator"] == "supervisor1"] == [
        ["minimum"],
        ["minimum"],
    ]
    assert plan["chosen"] == len(plan["calls"]) == plan["reasons"].get("minimum", 0) + 10
    assert all(c["evaluations"] == 0 for c in plan["calls"])

    stored = check(await api.get(f"/api/v1/qa/plans/{plan['id']}", user="qa1"), 200)
    assert stored == plan
    listed = check(await api.get("/api/v1/qa/plans", user="qa1"), 200)
    assert [p["id"] for p in listed] == [plan["id"]]
    assert listed[0]["calls"] is None
    assert listed[0]["chosen"] == plan["chosen"]


async def test_flagged_calls_are_always_in_with_their_reasons(
    api: Api, engine: AsyncEngine
) -> None:
    await insert_calls(engine, _spread(300))
    abandoned = await insert_calls(
        engine,
        [
            CallSpec(at=local(MONDAY, 10), status="abandoned", operator=None, talk_seconds=None),
            # dropped by the network but abandoned in its queue: abandoned as well
            CallSpec(at=local(MONDAY, 11), status="dropped", queue_status="abandoned"),
        ],
    )
    exhausted = await insert_calls(
        engine, [CallSpec(at=local(MONDAY, 12), status="dropped", callback="unreachable")]
    )
    reached = await insert_calls(engine, [CallSpec(at=local(MONDAY, 13), callback="reached")])
    taken = await insert_calls(engine, [CallSpec(at=local(MONDAY, 14), takeover=True)])
    # The default threshold is 600 s: 601 is long, 600 is not.
    long_call = await insert_calls(engine, [CallSpec(at=local(MONDAY, 15), talk_seconds=601)])
    await insert_calls(engine, [CallSpec(at=local(MONDAY, 16), talk_seconds=600)])

    plan = await make_plan(api, share=0.001, seed=5)
    chosen = {c["call_id"]: c["reasons"] for c in plan["calls"]}
    flags = {call: [r for r in rs if r.startswith("flag:")] for call, rs in chosen.items()}
    assert flags[str(abandoned[0])] == ["flag:abandoned"]
    assert flags[str(abandoned[1])] == ["flag:abandoned"]
    assert flags[str(exhausted[0])] == ["flag:callback_exhausted"]
    assert flags[str(taken[0])] == ["flag:supervisor_takeover"]
    assert flags[str(long_call[0])] == ["flag:long_handle"]
    assert str(reached[0]) not in chosen or flags[str(reached[0])] == []
    assert sum(1 for f in flags.values() if f) == 5
    assert plan["reasons"]["random"] == 1  # ceil(0.001 × 307)
    assert plan["long_handle_s"] == 600


async def test_the_same_seed_draws_the_same_calls(api: Api, engine: AsyncEngine) -> None:
    await insert_calls(engine, _spread(120, incident_type="fire.building"))
    await insert_calls(engine, _spread(80, incident_type="gas.smell_indoors", channel="sms"))

    first = await make_plan(api, share=0.05, seed=42, min_per_stratum=1)
    second = await make_plan(api, share=0.05, seed=42, min_per_stratum=1)
    other = await make_plan(api, share=0.05, seed=43, min_per_stratum=1)
    unseeded = await make_plan(api, share=0.05, min_per_stratum=1)
    replay = await make_plan(api, share=0.05, seed=unseeded["seed"], min_per_stratum=1)

    def sample(plan: dict[str, object]) -> list[tuple[str, list[str]]]:
        return [(c["call_id"], c["reasons"]) for c in plan["calls"]]  # type: ignore[attr-defined]

    assert first["id"] != second["id"]
    assert sample(first) == sample(second)
    assert sample(first) != sample(other)
    assert sample(unseeded) == sample(replay)
    assert first["reasons"] == {"random": 10}  # 6 + 4: every stratum has its one already


async def test_bad_plans_are_refused_and_store_nothing(api: Api, engine: AsyncEngine) -> None:
    await insert_calls(engine, _spread(20))
    before = await fingerprint(engine)
    week_end = str(MONDAY + timedelta(days=6))
    cases = [
        ({"date_from": week_end, "date_to": str(MONDAY)}, 422, "before date_from"),
        ({"date_from": str(MONDAY), "date_to": "2025-09-01"}, 422, "at most 92 days"),
        ({"date_from": "2999-01-01", "date_to": "2999-01-02"}, 422, "in the future"),
        ({"date_from": str(MONDAY), "date_to": week_end, "share": 0}, 422, "share"),
        ({"date_from": str(MONDAY), "date_to": week_end, "share": 1.5}, 422, "share"),
        ({"date_from": str(MONDAY), "date_to": week_end, "seed": -1}, 422, "seed"),
        ({"date_from": str(MONDAY), "date_to": week_end, "min_per_operator": -2}, 422, "min"),
        ({"date_from": "10.03.2025", "date_to": week_end}, 422, "date_from"),
        ({"date_to": week_end}, 422, "date_from"),
        ({"date_from": str(MONDAY), "date_to": week_end, "colour": "red"}, 422, "colour"),
    ]
    for body, status, fragment in cases:
        response = await api.post("/api/v1/qa/plans", user="qa1", json=body)
        assert response.status_code == status, (body, response.text)
        assert fragment in response.json()["detail"], (body, response.text)
    assert check(await api.get("/api/v1/qa/plans", user="qa1"), 200) == []
    assert await fingerprint(engine) == before
    missing = await api.get("/api/v1/qa/plans/2d1c1d4e-2c56-4a87-9f5e-1e0d4f1f0a55", user="qa1")
    assert missing.status_code == 404
    assert "no sampling plan" in missing.json()["detail"]
