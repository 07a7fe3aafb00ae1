"""The competency register: the rules (as data) suggest the standard's tasks a person showed —
a passed test of a programme serving the task, and QA answers on its items at 80 % of at least
ten over 90 days — and a supervisor records them at the task's level with the evidence kept;
without the suggestion a note is required."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.api import Api
from tests.qa.conftest import CallSpec, check, evaluate, insert_calls
from tests.training.helpers import programme, put

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
URL = "/api/v1/competencies"


async def _trained(api: Api, engine: AsyncEngine) -> None:
    """operator1 passed the test and missed one of ten answers on the items since; operator2
    failed it."""
    now = datetime.now(UTC)
    created = check(await api.post("/api/v1/training/programmes", user="trainer1",
                                   json=programme()), 201)  # fmt: skip
    start = now - timedelta(days=20)
    body = {"programme_id": created["id"], "starts_at": start.isoformat(), "minutes": 60}
    planned = check(await api.post("/api/v1/training/sessions", user="trainer1", json=body), 201)
    url = f"/api/v1/training/sessions/{planned['id']}"
    invite = {"usernames": ["operator1", "operator2"]}
    check(await api.post(f"{url}/trainees", user="trainer1", json=invite), 200)
    came = {"attended": {"operator1": True, "operator2": True}}
    check(await put(api, f"{url}/attendance", user="trainer1", json=came), 200)
    for who, answers in (("operator1", [0, 1]), ("operator2", [1, 0])):
        test = {"answers": answers}
        check(await put(api, f"{url}/trainees/{who}/test", user="trainer1", json=test), 200)
    specs = [CallSpec(at=now - timedelta(days=10 - i)) for i in range(5)]
    specs.append(CallSpec(at=now - timedelta(days=100)))  # outside the 90 days
    ids = await insert_calls(engine, specs)
    for index, call in enumerate(ids):
        misses = {"address_verified": "no"} if index in (0, 5) else {}
        await evaluate(api, call, misses)


def _task(register: dict[str, Any], code: str) -> dict[str, Any]:
    [task] = [t for t in register["tasks"] if t["code"] == code]
    return dict(task)


async def test_the_rules_suggest_and_a_supervisor_records(api: Api, engine: AsyncEngine) -> None:
    await _trained(api, engine)
    mine = check(await api.get(f"{URL}/operator1", user="trainer1"), 200)
    assert len(mine["tasks"]) == 19
    shown = _task(mine, "A1.02.3")
    assert (shown["evidence"]["qa_yes"], shown["evidence"]["qa_no"]) == (9, 1)
    assert shown["evidence"]["qa_share"] == 0.9
    assert [t["test_passed"] for t in shown["evidence"]["trainings"]] == [True]
    assert (shown["suggested"], _task(mine, "D2.01.4")["suggested"]) == (True, True)
    assert _task(mine, "A1.01.3")["suggested"] is False  # no programme serves it
    recorded = check(
        await api.post(f"{URL}/operator1", user="supervisor1", json={"code": "A1.02.3"}), 200
    )
    [entry] = _task(recorded, "A1.02.3")["recorded"]
    assert (entry["level"], entry["suggested"], entry["recorded_by"]) == (3, True, "supervisor1")
    assert entry["evidence"]["qa_share"] == 0.9
    own = check(await api.get(f"{URL}/me", user="operator1"), 200)
    assert [r["id"] for r in _task(own, "A1.02.3")["recorded"]] == [entry["id"]]
    # operator2 failed the test: nothing suggested; a record needs a note saying why.
    theirs = check(await api.get(f"{URL}/operator2", user="supervisor1"), 200)
    assert _task(theirs, "A1.02.3")["suggested"] is False
    refused = check(
        await api.post(f"{URL}/operator2", user="supervisor1", json={"code": "A1.02.3"}), 422
    )
    assert refused["detail_code"] == "competency_note_required"
    noted = {"code": "A1.02.3", "note": "Observed on shift for a month"}
    after = check(await api.post(f"{URL}/operator2", user="supervisor1", json=noted), 200)
    [by_note] = _task(after, "A1.02.3")["recorded"]
    assert (by_note["suggested"], by_note["note"]) == (False, "Observed on shift for a month")
    check(await api.post(f"{URL}/operator2", user="supervisor1", json={"code": "A1.04.3"}), 422)
    check(await api.get(f"{URL}/nobody", user="supervisor1"), 404)
    # The page's staff list: the call-takers first, each with the tasks recorded.
    staff = check(await api.get(URL, user="trainer1"), 200)
    assert [(p["username"], p["role"], p["recorded"]) for p in staff[:3]] == [
        ("operator2", "operator", 1),  # Aleksandr Pak before Dilnoza Karimova
        ("operator1", "operator", 1),
        ("supervisor1", "supervisor", 0),
    ]
    assert staff[0]["last_recorded_at"] is not None
    assert "gateway1" not in {p["username"] for p in staff}
    async with engine.connect() as connection:
        audited = (
            await connection.execute(
                text("SELECT detail FROM audit_log WHERE action = 'competency.record'")
            )
        ).all()
    assert len(audited) == 2
