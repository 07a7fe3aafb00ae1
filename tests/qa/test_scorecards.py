"""Scorecards are versioned data: the default one, new versions, a version in use is frozen."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint
from tests.qa.conftest import ACE, MONDAY, CallSpec, check, evaluate, insert_calls, local

pytestmark = pytest.mark.asyncio


def _small(points: float = 10) -> dict[str, Any]:
    return {
        "sections": [
            {
                "key": "greeting",
                "title": {"en": "Greeting"},
                "weight": 1,
                "items": [
                    {"key": "said_112", "text": {"en": "Said 112"}, "points": points},
                    {
                        "key": "asked_address",
                        "text": {"uz": "Manzil so‘raldi", "en": "Asked the address"},
                        "points": 10,
                        "deviation": "critical",
                    },
                ],
            }
        ],
        "deviation_weights": {"critical": 1, "major": 0.5, "moderate": 0.25, "minor": 0.1},
        "levels": [{"level": "good", "min_score": 90}, {"level": "poor", "min_score": 0}],
    }


async def test_the_default_scorecard_is_the_ace_like_one(api: Api) -> None:
    card = check(await api.get("/api/v1/qa/scorecards/ace", user="supervisor1"), 200)
    sections = card["definition"]["sections"]
    assert [(s["key"], s["weight"]) for s in sections] == [(k, w) for k, (w, _) in ACE.items()]
    assert [[(i["key"], i["points"], i["deviation"]) for i in s["items"]] for s in sections] == [
        items for _, items in ACE.values()
    ]
    assert all(set(i["text"]) == {"uz", "ru", "en"} for s in sections for i in s["items"])
    assert card["definition"]["deviation_weights"] == {
        "critical": 1.0, "major": 0.75, "moderate": 0.5, "minor": 0.25,
    }  # fmt: skip
    assert [(lv["level"], lv["min_score"]) for lv in card["definition"]["levels"]] == [
        ("high", 95), ("compliant", 90), ("partial", 80), ("low", 70), ("non_compliant", 0),
    ]  # fmt: skip
    assert (card["version"], card["newest"], card["evaluations"]) == (1, True, 0)


async def test_a_version_in_use_is_frozen_and_only_versioned(api: Api, engine: AsyncEngine) -> None:
    created = check(
        await api.post(
            "/api/v1/qa/scorecards",
            user="admin",
            json={"key": "short", "title": "Short form", "definition": _small()},
        ),
        201,
    )
    assert (created["version"], created["created_by"]) == (1, "admin")
    # Nobody scored with it yet: it can still be corrected in place.
    fixed = check(
        await api.request(
            "PUT",
            "/api/v1/qa/scorecards/short/versions/1",
            user="qa1",
            json={"title": "Short form", "definition": _small(points=5)},
        ),
        200,
    )
    assert fixed["definition"]["sections"][0]["items"][0]["points"] == 5
    assert (fixed["version"], fixed["updated_by"]) == (1, "qa1")

    (call, other) = await insert_calls(
        engine, [CallSpec(at=local(MONDAY, 9)), CallSpec(at=local(MONDAY, 10))]
    )
    body = {
        "call_id": str(call),
        "scorecard": "short",
        "answers": {"said_112": {"answer": "no"}, "asked_address": {"answer": "yes"}},
    }
    scored = check(await api.post("/api/v1/qa/evaluations", user="qa1", json=body), 201)
    # said_112: 5 points, major (0.5 lost) → (15 - 2.5) / 15
    assert (scored["score"], scored["level"]) == (83.33, "poor")

    before = await fingerprint(engine)
    refused = await api.request(
        "PUT",
        "/api/v1/qa/scorecards/short/versions/1",
        user="qa1",
        json={"title": "Short form", "definition": _small(points=50)},
    )
    assert refused.status_code == 409
    assert "used by 1 evaluation(s) and cannot be changed" in refused.json()["detail"]
    assert "POST /api/v1/qa/scorecards/short/versions" in refused.json()["detail"]
    assert await fingerprint(engine) == before

    second = check(
        await api.post(
            "/api/v1/qa/scorecards/short/versions",
            user="qa1",
            json={"title": "Short form 2", "definition": _small(points=50)},
        ),
        201,
    )
    assert (second["version"], second["newest"], second["evaluations"]) == (2, True, 0)
    first = check(await api.get("/api/v1/qa/scorecards/short/versions/1", user="qa1"), 200)
    assert (first["newest"], first["evaluations"]) == (False, 1)
    assert first["definition"]["sections"][0]["items"][0]["points"] == 5

    # New evaluations take the newest version unless told; the old one keeps its version.
    newer = check(
        await api.post("/api/v1/qa/evaluations", user="qa1", json={**body, "call_id": str(other)}),
        201,
    )
    assert newer["scorecard_version"] == 2
    assert newer["score"] == round(100 * (60 - 25) / 60, 2)
    old = check(await api.get(f"/api/v1/qa/evaluations/{scored['id']}", user="qa1"), 200)
    assert (old["scorecard_version"], old["score"]) == (1, 83.33)
    listed = check(await api.get("/api/v1/qa/scorecards", user="admin"), 200)
    assert [(c["key"], c["version"]) for c in listed] == [("ace", 1), ("short", 1), ("short", 2)]


async def test_bad_scorecards_are_refused_and_store_nothing(api: Api, engine: AsyncEngine) -> None:
    def changed(**edits: Any) -> dict[str, Any]:
        definition = copy.deepcopy(_small())
        for path, value in edits.items():
            target: Any = definition
            *parents, last = path.split("__")
            for part in parents:
                target = target[int(part)] if part.isdigit() else target[part]
            target[int(last) if last.isdigit() else last] = value
        return definition

    repeated = changed()
    repeated["sections"][0]["items"][1]["key"] = "said_112"
    cases = [
        (changed(levels=[{"level": "a", "min_score": 50}, {"level": "b", "min_score": 60}]),
         "highest min_score down"),
        (changed(levels=[{"level": "a", "min_score": 90}, {"level": "b", "min_score": 10}]),
         "starts at min_score 0"),
        (changed(deviation_weights={"critical": 1, "major": 0.5}), "missing ['moderate', 'minor']"),
        (changed(deviation_weights={"critical": 2, "major": 0.5, "moderate": 0.2, "minor": 0}),
         "share from 0 to 1"),
        (repeated, "item keys repeat"),
        (changed(sections__0__weight=0), "weight"),
        (changed(sections__0__items=[]), "items"),
        (changed(sections__0__items__0__points=-1), "points"),
        (changed(sections__0__items__0__deviation="awful"), "deviation"),
        (changed(sections__0__items__0__text={"fr": "Bonjour"}), "uz, ru and en"),
        (changed(sections__0__key="Bad Key"), "key"),
    ]  # fmt: skip
    before = await fingerprint(engine)
    for definition, fragment in cases:
        response = await api.post(
            "/api/v1/qa/scorecards",
            user="qa1",
            json={"key": "broken", "title": "Broken", "definition": definition},
        )
        assert response.status_code == 422, (fragment, response.text)
        assert fragment in response.json()["detail"], (fragment, response.text)
    taken = await api.post(
        "/api/v1/qa/scorecards",
        user="qa1",
        json={"key": "ace", "title": "Again", "definition": _small()},
    )
    assert taken.status_code == 409
    assert "add a version" in taken.json()["detail"]
    unknown = await api.post(
        "/api/v1/qa/scorecards/nope/versions",
        user="qa1",
        json={"title": "x", "definition": _small()},
    )
    assert unknown.status_code == 404
    assert await fingerprint(engine) == before
    # Supervisors read scorecards but do not make them.
    assert (await api.get("/api/v1/qa/scorecards", user="supervisor1")).status_code == 200
    refused = await api.post(
        "/api/v1/qa/scorecards",
        user="supervisor1",
        json={"key": "mine", "title": "Mine", "definition": _small()},
    )
    assert refused.status_code == 403


async def test_a_critical_item_of_another_scorecard_fails_it_too(
    api: Api, engine: AsyncEngine
) -> None:
    check(
        await api.post(
            "/api/v1/qa/scorecards",
            user="qa1",
            json={"key": "short", "title": "Short", "definition": _small()},
        ),
        201,
    )
    (call,) = await insert_calls(engine, [CallSpec(at=local(MONDAY, 9))])
    scored = await evaluate(
        api,
        call,
        scorecard="short",
        answers={"said_112": {"answer": "yes"}, "asked_address": {"answer": "no"}},
    )
    assert (scored["score"], scored["raw_score"], scored["level"]) == (0, 50, "poor")
