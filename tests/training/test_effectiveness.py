"""The effect of a session on its trainees' QA scores on the programme's items (B1.03), with
figures computed by hand: the share of yes among the yes/no answers to the targeted items in
official evaluations in the window before the session and the same window after it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.api import Api
from tests.qa.conftest import MONDAY, CallSpec, check, evaluate, insert_calls, local
from tests.training.helpers import programme, put

pytestmark = pytest.mark.asyncio
START = local(MONDAY + timedelta(days=40), 10)  # the session: 10:00-12:00
END = START + timedelta(minutes=120)


async def _scored(api: Api, engine: AsyncEngine) -> dict[str, Any]:
    # (operator, call time, misses): the programme targets address_verified, all_key_questions.
    plan = {
        "b_out": ("operator1", START - timedelta(days=40), {}),  # before the window
        "b1": ("operator1", START - timedelta(days=20), {"address_verified": "no"}),  # 1 y 1 n
        "b2": (
            "operator1",
            START - timedelta(days=10),
            {"address_verified": "no", "all_key_questions": "no"},
        ),  # 0 y 2 n
        "b3": ("operator1", START - timedelta(days=5), {"all_key_questions": "na"}),  # 1 y
        "during": ("operator1", START + timedelta(hours=1), {"address_verified": "no"}),
        "a1": ("operator1", END + timedelta(days=1), {"no_delay": "no"}),  # 2 y
        "a2": ("operator1", END + timedelta(days=5), {"address_verified": "no"}),  # 1 y 1 n
        "a_out": ("operator1", END + timedelta(days=31), {"address_verified": "no"}),
        "o2b": ("operator2", START - timedelta(days=3), {"all_key_questions": "no"}),  # 1 y 1 n
    }
    specs = [CallSpec(at=at, operator=who) for who, at, _ in plan.values()]
    ids = dict(zip(plan, await insert_calls(engine, specs), strict=True))
    return {key: await evaluate(api, ids[key], plan[key][2]) for key in plan}


async def _session(api: Api, scored: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    topic = {"evaluation_id": scored["b2"]["id"], "item": "all_key_questions"}
    check(await api.post("/api/v1/qa/training-topics", user="qa1", json=topic), 201)
    created = check(
        await api.post("/api/v1/training/programmes", user="trainer1", json=programme()), 201
    )
    body = {"programme_id": created["id"], "starts_at": START.isoformat(), "minutes": 120}
    planned = check(await api.post("/api/v1/training/sessions", user="trainer1", json=body), 201)
    url = f"/api/v1/training/sessions/{planned['id']}"
    invited = {"usernames": ["operator1", "operator2"]}
    check(await api.post(f"{url}/trainees", user="trainer1", json=invited), 200)
    came = {"attended": {"operator1": True, "operator2": True}}
    check(await put(api, f"{url}/attendance", user="trainer1", json=came), 200)
    check(
        await put(api, f"{url}/trainees/operator1/test", user="trainer1", json={"answers": [0, 0]}),
        200,
    )
    me = "/api/v1/training/me/sessions"
    check(
        await put(api, f"{me}/{planned['id']}/test", user="operator2", json={"answers": [1, 2]}),
        200,
    )
    check(
        await put(api, f"{me}/{planned['id']}/feedback", user="operator1", json={"rating": 4}), 200
    )
    check(
        await put(
            api,
            f"{me}/{planned['id']}/feedback",
            user="operator2",
            json={"rating": 5, "comment": "useful"},
        ),
        200,
    )
    return created, planned


async def test_the_effect_per_trainee_and_programme_is_what_the_answers_give(
    api: Api, engine: AsyncEngine
) -> None:
    scored = await _scored(api, engine)
    created, _planned = await _session(api, scored)
    report = check(
        await api.get(
            f"/api/v1/training/effectiveness?days=30&programme_id={created['id']}", user="trainer1"
        ),
        200,
    )
    trainees = {t["username"]: t for t in report["trainees"]}
    one = trainees["operator1"]
    assert (one["before"]["yes"], one["before"]["no"], one["before"]["evaluations"]) == (2, 3, 3)
    assert one["before"]["score"] == 0.4
    assert (one["after"]["yes"], one["after"]["no"], one["after"]["evaluations"]) == (3, 1, 2)
    assert one["after"]["score"] == 0.75
    assert one["effect"] == 0.35
    assert one["after_complete"] is True
    assert (one["test_score"], one["test_passed"], one["rating"]) == (50.0, True, 4)
    two = trainees["operator2"]
    assert (two["before"]["yes"], two["before"]["no"], two["before"]["score"]) == (1, 1, 0.5)
    assert (two["after"]["evaluations"], two["after"]["score"], two["effect"]) == (0, None, None)
    assert (two["test_score"], two["test_passed"]) == (0.0, False)
    [whole] = report["programmes"]
    assert (whole["sessions"], whole["trainees"]) == (1, 2)
    assert (whole["before"]["yes"], whole["before"]["no"], whole["before"]["score"]) == (
        3,
        4,
        0.4286,
    )
    assert (whole["after"]["yes"], whole["after"]["no"], whole["after"]["score"]) == (3, 1, 0.75)
    assert whole["effect"] == 0.3214
    assert (whole["tested"], whole["passed"], whole["pass_rate"]) == (2, 1, 0.5)
    assert (whole["feedback"], whole["mean_rating"]) == (2, 4.5)
    # A shorter window: 7 days before holds b3 only (1 yes), 7 after a1 and a2 (3 y, 1 n).
    week = check(
        await api.get("/api/v1/training/effectiveness?days=7&username=operator1", user="qa1"), 200
    )
    [mine] = week["trainees"]
    assert (mine["before"]["score"], mine["after"]["score"], mine["effect"]) == (1.0, 0.75, -0.25)
    assert week["programmes"][0]["trainees"] == 1


async def test_the_exports_hold_the_figures_and_are_audited(api: Api, engine: AsyncEngine) -> None:
    scored = await _scored(api, engine)
    created, _ = await _session(api, scored)
    query = f"days=30&programme_id={created['id']}&language=ru"
    book = await api.get(f"/api/v1/training/effectiveness/export.xlsx?{query}", user="supervisor1")
    assert book.status_code == 200, book.text
    sheets = load_workbook(io.BytesIO(book.content))
    assert sheets.sheetnames == ["programmes", "trainees"]
    header, row = list(sheets["programmes"].values)
    figures = dict(zip(header, row, strict=True))
    assert figures["title"] == "Уточнение адреса"
    assert (figures["before_score"], figures["after_score"], figures["effect"]) == (
        0.4286,
        0.75,
        0.3214,
    )
    lines = await api.get(
        f"/api/v1/training/effectiveness/export.csv?{query}&table=trainees", user="trainer1"
    )
    assert lines.status_code == 200
    rows = list(csv.DictReader(io.StringIO(lines.text)))
    assert {r["username"]: r["effect"] for r in rows} == {"operator1": "0.35", "operator2": ""}
    async with engine.connect() as connection:
        found = (
            await connection.execute(
                text(
                    "SELECT actor, detail FROM audit_log WHERE action = "
                    "'training.effectiveness.export' ORDER BY id"
                )
            )
        ).all()
    assert [actor for actor, _ in found] == ["supervisor1", "trainer1"]
