"""Reports per operator, shift and week, the most frequent errors, the XLSX and CSV exports,
and training topics supervisors follow up."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine

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

pytestmark = pytest.mark.asyncio
PERIOD = f"date_from={MONDAY}&date_to={MONDAY + timedelta(days=13)}"


async def _scored(api: Api, engine: AsyncEngine) -> dict[str, Any]:
    """Five official evaluations over two weeks, one in a calibration, one after the period."""
    specs = {
        "c1": CallSpec(at=local(MONDAY, 10)),  # day shift of the 10th
        "c2": CallSpec(at=local(MONDAY, 21)),  # night shift of the 10th
        "c3": CallSpec(at=local(MONDAY + timedelta(days=1), 7, 30)),  # still that night
        "c4": CallSpec(at=local(MONDAY + timedelta(days=2), 12), operator="operator2"),
        "c5": CallSpec(at=local(MONDAY + timedelta(days=7), 9), operator="operator2"),
        "c6": CallSpec(at=local(MONDAY + timedelta(days=3), 9), operator="operator2"),
        "c7": CallSpec(at=local(MONDAY + timedelta(days=14), 9)),
    }
    ids = dict(zip(specs, await insert_calls(engine, specs.values()), strict=True))
    scored = {
        "c1": await evaluate(api, ids["c1"]),  # 100
        "c2": await evaluate(api, ids["c2"], {"all_key_questions": "no"}),  # 92.5
        "c3": await evaluate(api, ids["c3"], {"address_verified": "no"}),  # 0, critical
        "c4": await evaluate(api, ids["c4"], {"all_key_questions": "no"}),  # 92.5
        "c5": await evaluate(api, ids["c5"], {"answers_recorded": "no"}),  # 97.5
        "c7": await evaluate(api, ids["c7"], {"no_delay": "no"}),
    }
    session = check(
        await api.post(
            "/api/v1/qa/calibrations",
            user="qa1",
            json={"title": "c", "call_ids": [str(ids["c6"])], "scorecard": "ace"},
        ),
        201,
    )
    await evaluate(api, ids["c6"], {"no_delay": "no"}, calibration_id=session["id"])
    return {"ids": ids, "scored": scored}


async def test_the_report_per_operator_shift_week_and_error(api: Api, engine: AsyncEngine) -> None:
    await _scored(api, engine)
    report = check(await api.get(f"/api/v1/qa/reports?{PERIOD}", user="supervisor1"), 200)
    assert (report["evaluations"], report["mean_score"]) == (5, 76.5)
    assert report["operators"] == [
        {"operator": "operator1", "operator_name": "Dilnoza Karimova", "evaluations": 3,
         "mean_score": 64.17, "min_score": 0, "max_score": 100, "critical_failures": 1,
         "levels": {"compliant": 1, "high": 1, "non_compliant": 1}},
        {"operator": "operator2", "operator_name": "Aleksandr Pak", "evaluations": 2,
         "mean_score": 95.0, "min_score": 92.5, "max_score": 97.5, "critical_failures": 0,
         "levels": {"compliant": 1, "high": 1}},
    ]  # fmt: skip
    assert [
        (s["operator"], s["shift_date"], s["shift"], s["evaluations"], s["mean_score"],
         s["critical_failures"])
        for s in report["shifts"]
    ] == [
        ("operator1", "2025-03-10", "day", 1, 100, 0),
        ("operator1", "2025-03-10", "night", 2, 46.25, 1),
        ("operator2", "2025-03-12", "day", 1, 92.5, 0),
        ("operator2", "2025-03-17", "day", 1, 97.5, 0),
    ]  # fmt: skip
    assert [
        (w["week"], w["week_start"], w["evaluations"], w["mean_score"]) for w in report["weeks"]
    ] == [
        ("2025-W11", "2025-03-10", 4, 71.25),
        ("2025-W12", "2025-03-17", 1, 97.5),
    ]
    assert [
        (e["item"], e["section"], e["deviation"], e["count"], e["applicable"], e["share"],
         e["operators"])
        for e in report["errors"]
    ] == [
        ("all_key_questions", "key_questions", "major", 2, 5, 0.4, 2),
        ("address_verified", "case_entry", "critical", 1, 5, 0.2, 1),
        ("answers_recorded", "key_questions", "moderate", 1, 5, 0.2, 1),
    ]  # fmt: skip
    assert report["errors"][0]["text"] == "Every key question asked"
    assert report["errors"][0]["section_title"] == "Key questions"
    assert [s["operator_name"] for s in report["shifts"]] == [
        "Dilnoza Karimova", "Dilnoza Karimova", "Aleksandr Pak", "Aleksandr Pak",
    ]  # fmt: skip
    russian = check(await api.get(f"/api/v1/qa/reports?{PERIOD}&language=ru", user="qa1"), 200)
    assert russian["errors"][0]["text"] == "Заданы все ключевые вопросы"
    assert russian["errors"][0]["section_title"] == "Ключевые вопросы"
    uzbek = check(await api.get(f"/api/v1/qa/reports?{PERIOD}&language=uz", user="qa1"), 200)
    assert uzbek["errors"][0]["text"] == "Barcha asosiy savollar berildi"
    one = check(await api.get(f"/api/v1/qa/reports?{PERIOD}&operator=operator2", user="qa1"), 200)
    assert [o["operator"] for o in one["operators"]] == ["operator2"]


async def test_exports_open_with_the_right_numbers(api: Api, engine: AsyncEngine) -> None:
    made = await _scored(api, engine)
    response = await api.get(f"/api/v1/qa/reports/export.xlsx?{PERIOD}", user="supervisor1")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "qa-2025-03-10-2025-03-23.xlsx" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Operators", "Shifts", "Weeks", "Errors", "Evaluations"]

    def sheet(name: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in book[name].iter_rows(values_only=True)]

    assert sheet("Operators") == [
        ("operator", "operator_name", "evaluations", "mean_score", "min_score", "max_score",
         "critical_failures", "compliant", "high", "non_compliant"),
        ("operator1", "Dilnoza Karimova", 3, 64.17, 0, 100, 1, 1, 1, 1),
        ("operator2", "Aleksandr Pak", 2, 95, 92.5, 97.5, 0, 1, 1, 0),
    ]  # fmt: skip
    assert sheet("Weeks")[1:] == [
        ("2025-W11", datetime(2025, 3, 10), 4, 71.25, 1, 2, 1, 1),
        ("2025-W12", datetime(2025, 3, 17), 1, 97.5, 0, 0, 1, 0),
    ]
    assert sheet("Errors")[1][1:9] == ("key_questions", "Key questions", "all_key_questions",
                                       "Every key question asked", "major", 2, 5, 0.4)  # fmt: skip
    evaluations = sheet("Evaluations")
    assert len(evaluations) == 6
    header = evaluations[0]
    rows = {r[header.index("call_id")]: dict(zip(header, r, strict=True)) for r in evaluations[1:]}
    c3 = rows[str(made["ids"]["c3"])]
    assert (c3["call_at"], c3["shift_date"], c3["shift"]) == (
        datetime(2025, 3, 11, 7, 30), datetime(2025, 3, 10), "night",
    )  # fmt: skip
    assert (c3["score"], c3["raw_score"], c3["level"], c3["critical_failures"]) == (
        0, 90, "non_compliant", "address_verified",
    )  # fmt: skip
    assert isinstance(c3["score"], int | float)
    assert (c3["operator"], c3["operator_name"], c3["evaluator"], c3["evaluator_name"]) == (
        "operator1", "Dilnoza Karimova", "qa1", "Malika Rahimova",
    )  # fmt: skip

    text = await api.get(f"/api/v1/qa/reports/export.csv?{PERIOD}&table=errors", user="qa1")
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(text.text)))
    assert table[0][:7] == [
        "scorecard", "section", "section_title", "item", "text", "deviation", "count",
    ]  # fmt: skip
    assert [(r[3], int(r[6]), float(r[8])) for r in table[1:]] == [
        ("all_key_questions", 2, 0.4),
        ("address_verified", 1, 0.2),
        ("answers_recorded", 1, 0.2),
    ]
    shifts = list(
        csv.DictReader(
            io.StringIO(
                (
                    await api.get(
                        f"/api/v1/qa/reports/export.csv?{PERIOD}&table=shifts", user="qa1"
                    )
                ).text
            )
        )
    )
    assert shifts[1] == {
        "operator": "operator1",
        "operator_name": "Dilnoza Karimova",
        "shift_date": "2025-03-10",
        "shift": "night",
        "evaluations": "2",
        "mean_score": "46.25",
        "critical_failures": "1",
    }
    audit = check(await api.get("/api/v1/audit?action=qa.report.export", user="admin"), 200)
    assert {e["detail"]["format"] for e in audit["items"]} == {"xlsx", "csv:errors", "csv:shifts"}

    bad = [
        (f"/api/v1/qa/reports/export.csv?{PERIOD}&table=secrets", "table"),
        (f"/api/v1/qa/reports?date_from={MONDAY}&date_to=2025-03-01", "before date_from"),
        ("/api/v1/qa/reports?date_from=2024-01-01&date_to=2025-03-01", "at most 366 days"),
        (f"/api/v1/qa/reports?date_from={MONDAY}", "date_to"),
        (f"/api/v1/qa/reports?{PERIOD}&language=fr", "language"),
    ]
    for url, fragment in bad:
        response = await api.get(url, user="qa1")
        assert response.status_code == 422, url
        assert fragment in response.json()["detail"], url


async def test_findings_become_training_topics_supervisors_follow(
    api: Api, engine: AsyncEngine
) -> None:
    made = await _scored(api, engine)
    critical = made["scored"]["c3"]
    topic = check(
        await api.post(
            "/api/v1/qa/training-topics",
            user="qa1",
            json={"evaluation_id": critical["id"], "item": "address_verified"},
        ),
        201,
    )
    assert (topic["operator"], topic["topic"], topic["status"]) == (
        "operator1", "Address or location verified", "open",
    )  # fmt: skip
    assert (topic["operator_name"], topic["created_by_name"]) == (
        "Dilnoza Karimova", "Malika Rahimova",
    )  # fmt: skip
    free = check(
        await api.post(
            "/api/v1/qa/training-topics",
            user="qa1",
            json={"operator": "operator2", "topic": "Keep a calm voice on long calls"},
        ),
        201,
    )
    mine = check(
        await api.get("/api/v1/qa/training-topics?operator=operator1", user="supervisor1"), 200
    )
    assert [t["id"] for t in mine] == [topic["id"]]
    everyone = check(
        await api.get("/api/v1/qa/training-topics?status=open", user="supervisor1"), 200
    )
    assert {t["id"] for t in everyone} == {topic["id"], free["id"]}
    russian = check(
        await api.get("/api/v1/qa/training-topics?language=ru", user="supervisor1"), 200
    )
    assert {(t["operator_name"], t["item_title"]) for t in russian} == {
        ("Dilnoza Karimova", "Адрес или место проверены"), ("Aleksandr Pak", None),
    }  # fmt: skip

    done = check(
        await api.patch(
            f"/api/v1/qa/training-topics/{topic['id']}",
            user="supervisor1",
            json={"status": "done", "note": "briefed on 12 March"},
        ),
        200,
    )
    assert (done["status"], done["closed_by"], done["closed_by_name"], done["note"]) == (
        "done", "supervisor1", "Bahodir Yusupov", "briefed on 12 March",
    )  # fmt: skip

    await add_specialist(api, "qa2")
    before = await fingerprint(engine)
    perfect = made["scored"]["c1"]
    cases = [
        ({"evaluation_id": perfect["id"], "item": "no_delay"}, 422, "answered yes"),
        ({"evaluation_id": perfect["id"], "item": "smiled"}, 422, "no item smiled"),
        ({"item": "no_delay"}, 422, "name the evaluation"),
        ({"topic": "x"}, 422, "name the operator"),
        ({"operator": "qa2", "topic": "x"}, 422, "not an operator"),
        ({"operator": "ghost", "topic": "x"}, 422, "no account"),
        ({"operator": "operator2"}, 422, "say what the training is about"),
        ({"operator": "operator2", "evaluation_id": critical["id"]}, 422, "not operator2's"),
        ({"evaluation_id": "6f0d7c1e-2a7d-4b59-8d0e-1f1e2d3c4b5a", "item": "x"}, 422,
         "no evaluation"),
    ]  # fmt: skip
    for body, status, fragment in cases:
        response = await api.post("/api/v1/qa/training-topics", user="qa1", json=body)
        assert response.status_code == status, (body, response.text)
        assert fragment in response.json()["detail"], (body, response.text)
    again = await api.patch(
        f"/api/v1/qa/training-topics/{topic['id']}", user="qa1", json={"status": "dropped"}
    )
    assert again.status_code == 409
    assert "is done" in again.json()["detail"]
    assert (await api.get("/api/v1/qa/training-topics", user="operator1")).status_code == 403
    assert await fingerprint(engine) == before
