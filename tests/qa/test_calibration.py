"""Calibration: Cohen's kappa on hand-computed data, and a session of three specialists."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.qa import agreement
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint
from tests.qa.conftest import (
    MONDAY,
    CallSpec,
    add_specialist,
    check,
    evaluate,
    insert_calls,
    local,
)


def test_cohen_kappa_on_a_textbook_table() -> None:
    # 50 calls: both yes 20, A yes B no 5, A no B yes 10, both no 15.
    # pₒ = 35/50 = 0.7; A says yes 25/50, B 30/50: pₑ = 0.5·0.6 + 0.5·0.4 = 0.5; κ = 0.2/0.5.
    first = ["yes"] * 25 + ["no"] * 25
    second = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert agreement.observed_agreement(first, second) == 0.7
    assert agreement.cohen_kappa(first, second) == pytest.approx(0.4)
    # Three categories (n/a too): pₒ = 3/6; A has 2 of each, B yes 1, no 3, n/a 2:
    # pₑ = (2·1 + 2·3 + 2·2)/36 = 1/3; κ = (1/2 - 1/3)/(2/3) = 1/4.
    a = ["yes", "yes", "no", "no", "na", "na"]
    b = ["yes", "no", "no", "na", "na", "no"]
    assert agreement.cohen_kappa(a, b) == pytest.approx(0.25)
    assert agreement.cohen_kappa(["yes", "no"], ["yes", "no"]) == 1
    assert agreement.cohen_kappa(["yes", "no"], ["no", "yes"]) == -1
    # One answer throughout from both: they agree, but kappa is undefined.
    assert agreement.cohen_kappa(["yes"] * 4, ["yes"] * 4) is None
    assert agreement.cohen_kappa([], []) is None
    with pytest.raises(ValueError, match="same calls"):
        agreement.cohen_kappa(["yes"], [])
    spread = agreement.spread([90.0, 100.0, 95.0])
    assert (spread.mean, spread.range, spread.stdev) == (95.0, 10.0, 5.0)


# Three specialists, four calls. no_delay (moderate):   callers_language (minor):
#   qa1  y y n n                                          y n y n
#   qa2  y n n n                                          y n y n
#   qa3  y y n y                                          y n y n
# no_delay:  qa1·qa2 pₒ 3/4, pₑ (2·1 + 2·3)/16 = 1/2 → κ 0.5
#            qa1·qa3 pₒ 3/4, pₑ (2·3 + 2·1)/16 = 1/2 → κ 0.5
#            qa2·qa3 pₒ 2/4, pₑ (1·3 + 3·1)/16 = 3/8 → κ (1/8)/(5/8) = 0.2;  mean 0.4 < 0.6
# callers_language: κ 1 for every pair. Every other item: all yes → κ undefined, agreement 1.
NO_DELAY = {"qa1": "yynn", "qa2": "ynnn", "qa3": "yyny"}
LANGUAGE = "ynyn"


def _score(no_delay: str, language: str) -> float:
    """Customer service (15 points, weight 10 of 100) with these two answers."""
    lost = (2.5 if no_delay == "n" else 0) + (1.25 if language == "n" else 0)
    return round((9000 + 10 * round(100 * (15 - lost) / 15, 2)) / 100, 2)


@pytest.mark.asyncio
async def test_a_calibration_session_reports_spread_and_kappa(
    api: Api, engine: AsyncEngine
) -> None:
    calls = await insert_calls(engine, [CallSpec(at=local(MONDAY, 9 + n)) for n in range(4)])
    for name in ("qa2", "qa3"):
        await add_specialist(api, name)
    session = check(
        await api.post(
            "/api/v1/qa/calibrations",
            user="qa1",
            json={
                "title": "March calibration",
                "call_ids": [str(c) for c in calls],
                "scorecard": "ace",
                "evaluators": ["qa1", "qa2", "qa3"],
            },
        ),
        201,
    )
    assert (session["participants"], session["flagged_items"]) == ([], [])

    # A specialist's official evaluation of the same call is another thing altogether.
    official = await evaluate(api, calls[0], {"no_delay": "no"}, user="qa2")
    for name, row in NO_DELAY.items():
        for n, call in enumerate(calls):
            misses = {}
            if row[n] == "n":
                misses["no_delay"] = "no"
            if LANGUAGE[n] == "n":
                misses["callers_language"] = "no"
            scored = await evaluate(api, call, misses, user=name, calibration_id=session["id"])
            assert scored["score"] == _score(row[n], LANGUAGE[n])

    report = check(await api.get(f"/api/v1/qa/calibrations/{session['id']}", user="qa1"), 200)
    assert report["participants"] == ["qa1", "qa2", "qa3"]
    items = {i["item"]: i for i in report["items"]}
    pairs = {tuple(p["evaluators"]): p for p in items["no_delay"]["pairs"]}
    assert {k: (p["calls"], p["agreement"], p["kappa"]) for k, p in pairs.items()} == {
        ("qa1", "qa2"): (4, 0.75, 0.5),
        ("qa1", "qa3"): (4, 0.75, 0.5),
        ("qa2", "qa3"): (4, 0.5, 0.2),
    }
    assert (items["no_delay"]["mean_kappa"], items["no_delay"]["flagged"]) == (0.4, True)
    assert items["no_delay"]["agreement"] == pytest.approx(2 / 3, abs=1e-4)
    assert (items["callers_language"]["mean_kappa"], items["callers_language"]["flagged"]) == (
        1.0,
        False,
    )
    assert items["address_verified"]["mean_kappa"] is None
    assert items["address_verified"]["agreement"] == 1.0
    assert report["flagged_items"] == ["no_delay"]

    spreads = {c["call_id"]: c for c in report["calls"]}
    for n, call in enumerate(calls):
        expected = {name: _score(row[n], LANGUAGE[n]) for name, row in NO_DELAY.items()}
        assert spreads[str(call)]["scores"] == expected
        assert spreads[str(call)]["range"] == pytest.approx(
            max(expected.values()) - min(expected.values()), abs=1e-4
        )
    # qa2 is the strict one: its mean is the lowest.
    means = report["evaluator_means"]
    assert means["qa2"] < means["qa1"] < means["qa3"]
    # The calibration scores are not official: the official list holds qa2's own only.
    listed = check(await api.get(f"/api/v1/qa/evaluations?call_id={calls[0]}", user="qa1"), 200)
    assert sum(1 for e in listed if e["calibration_id"] is None) == 1
    assert official["calibration_id"] is None


@pytest.mark.asyncio
async def test_bad_calibrations_are_refused(api: Api, engine: AsyncEngine) -> None:
    calls = await insert_calls(engine, [CallSpec(at=local(MONDAY, 9 + n)) for n in range(2)])
    outsider = await insert_calls(engine, [CallSpec(at=local(MONDAY, 15))])
    await add_specialist(api, "qa2")
    session = check(
        await api.post(
            "/api/v1/qa/calibrations",
            user="qa1",
            json={"title": "Pair", "call_ids": [str(c) for c in calls], "scorecard": "ace",
                  "evaluators": ["qa1"]},
        ),
        201,
    )  # fmt: skip
    before = await fingerprint(engine)
    base = {"title": "T", "call_ids": [str(calls[0])], "scorecard": "ace"}
    cases = [
        ({**base, "call_ids": [str(calls[0])] * 2}, 422, "listed twice"),
        ({**base, "call_ids": [str(uuid.uuid4())]}, 422, "no call"),
        ({**base, "call_ids": []}, 422, "call_ids"),
        ({**base, "evaluators": ["operator1"]}, 422, "not a QA specialist"),
        ({**base, "evaluators": ["ghost"]}, 422, "no account"),
        ({**base, "scorecard": "nope"}, 404, "no scorecard"),
        ({**base, "kappa_threshold": 2}, 422, "kappa_threshold"),
    ]
    for body, status, fragment in cases:
        response = await api.post("/api/v1/qa/calibrations", user="qa1", json=body)
        assert response.status_code == status, (body, response.text)
        assert fragment in response.json()["detail"], (body, response.text)
    # Scoring in a session: only its calls, its scorecard, its specialists.
    wrong_call = await evaluate(api, outsider[0], calibration_id=session["id"], expect=422)
    assert "not one of calibration" in wrong_call["detail"]
    stranger = await evaluate(api, calls[0], user="qa2", calibration_id=session["id"], expect=403)
    assert "is for qa1" in stranger["detail"]
    assert await fingerprint(engine) == before
