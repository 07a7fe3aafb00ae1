"""Programmes (the standard's codes, the scorecard's items, files, a test) and sessions (the
trainees QA's open topics suggest, invitations, attendance, tests scored by the server,
feedback, a trainee's own view), with every refusal changing nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.api import Api
from tests.qa.conftest import MONDAY, CallSpec, check, evaluate, insert_calls, local
from tests.training.helpers import programme, put

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
PROGRAMMES = "/api/v1/training/programmes"
SESSIONS = "/api/v1/training/sessions"


async def _programmes(api: Api) -> list[Any]:
    return check(await api.get(PROGRAMMES, user="trainer1"), 200)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"functions": ["A1.04.3"]}, "A1.04.3 is not a task of the professional standard"),
        ({"functions": ["A1.02.3", "A1.02.3"]}, "a task is named twice"),
        ({"scorecard": "nope"}, "no scorecard 'nope'"),
        ({"items": ["address_verified", "made_up"]}, "has no item made_up"),
        (
            {"modules": [{"title": "m", "materials": [{"attachment_id": str(uuid.uuid4())}]}]},
            "no attachment with id",
        ),
    ],
)
async def test_a_programme_names_only_the_standard_the_scorecard_and_stored_files(
    api: Api, change: dict[str, Any], says: str
) -> None:
    refused = check(await api.post(PROGRAMMES, user="trainer1", json=programme(**change)), 422)
    assert says in refused["detail"]
    assert await _programmes(api) == []


@pytest.mark.parametrize(
    "change",
    [
        {"modules": [{"title": "m", "materials": [{"url": "http://plain.example/x"}]}]},
        {"modules": [{"title": "m", "materials": [{}]}]},
        {
            "test": {
                "pass_mark": 50,
                "questions": [{"text": "q", "choices": ["a", "b"], "answer": 2}],
            }
        },
        {
            "test": {
                "pass_mark": 0,
                "questions": [{"text": "q", "choices": ["a", "b"], "answer": 0}],
            }
        },
        {"title": {"uz": "a", "ru": "b"}},
    ],
)
async def test_a_malformed_programme_is_refused(api: Api, change: dict[str, Any]) -> None:
    check(await api.post(PROGRAMMES, user="trainer1", json=programme(**change)), 422)
    assert await _programmes(api) == []


async def test_a_programme_is_frozen_once_a_session_uses_it(api: Api) -> None:
    created = check(await api.post(PROGRAMMES, user="trainer1", json=programme()), 201)
    assert created["editable"] is True
    assert created["functions"] == ["A1.02.3", "D2.01.4"]
    changed = programme(items=["address_verified"])
    updated = check(
        await put(api, f"{PROGRAMMES}/{created['id']}", user="trainer1", json=changed), 200
    )
    assert updated["items"] == ["address_verified"]
    body = {"programme_id": created["id"], "starts_at": "2026-01-10T09:00:00+05:00"}
    check(await api.post(SESSIONS, user="supervisor1", json=body), 201)
    refused = check(
        await put(api, f"{PROGRAMMES}/{created['id']}", user="trainer1", json=programme()), 409
    )
    assert refused["detail_code"] == "training_programme_in_use"
    kept = check(await api.get(f"{PROGRAMMES}/{created['id']}", user="qa1"), 200)
    assert (kept["items"], kept["editable"], kept["sessions"]) == (["address_verified"], False, 1)
    standard = check(await api.get("/api/v1/training/standard", user="trainer1"), 200)
    assert len(standard) == 19
    assert {k: standard[8][k] for k in ("code", "function", "level")} == {
        "code": "B1.03.4",
        "function": "B1.4",
        "level": 4,
    }


async def _topic(api: Api, engine: AsyncEngine, operator: str, item: str) -> str:
    [call] = await insert_calls(engine, [CallSpec(at=local(MONDAY, 10), operator=operator)])
    scored = await evaluate(api, call, {item: "no"})
    body = {"evaluation_id": scored["id"], "item": item}
    topic = check(await api.post("/api/v1/qa/training-topics", user="qa1", json=body), 201)
    return str(topic["id"])


async def test_qa_topics_suggest_trainees_and_a_session_runs_its_course(
    api: Api, engine: AsyncEngine
) -> None:
    mine = await _topic(api, engine, "operator1", "all_key_questions")
    await _topic(api, engine, "operator2", "no_delay")  # not an item of the programme
    created = check(await api.post(PROGRAMMES, user="trainer1", json=programme()), 201)
    start = datetime.now(UTC) - timedelta(minutes=5)
    body = {"programme_id": created["id"], "starts_at": start.isoformat(), "place": "Room 2"}
    planned = check(await api.post(SESSIONS, user="trainer1", json=body), 201)
    assert (planned["status"], planned["trainer"]) == ("planned", "trainer1")
    url = f"{SESSIONS}/{planned['id']}"
    suggested_url = f"{PROGRAMMES}/{created['id']}/suggested-trainees?session_id={planned['id']}"
    [suggested] = check(await api.get(suggested_url, user="trainer1"), 200)
    assert (suggested["username"], suggested["invited"]) == ("operator1", False)
    assert [t["id"] for t in suggested["topics"]] == [mine]
    refused = await api.post(
        f"{url}/trainees", user="trainer1", json={"usernames": ["operator1", "analyst1"]}
    )
    assert refused.status_code == 422
    assert "analyst1 is a analyst" in refused.json()["detail"]
    assert check(await api.get(url, user="trainer1"), 200)["trainees"] == []
    invited = check(
        await api.post(
            f"{url}/trainees", user="trainer1", json={"usernames": ["operator1", "operator2"]}
        ),
        200,
    )
    sources = {t["username"]: (t["source"], t["topic_ids"]) for t in invited["trainees"]}
    assert sources == {"operator1": ("qa", [mine]), "operator2": ("hand", [])}
    [again] = check(await api.get(suggested_url, user="trainer1"), 200)
    assert again["invited"] is True
    # Before attendance: no test, no feedback.
    early = await put(
        api, f"{url}/trainees/operator1/test", user="trainer1", json={"answers": [0, 1]}
    )
    assert early.status_code == 409
    assert early.json()["detail_code"] == "training_not_attended"
    unknown = await put(
        api,
        f"{url}/attendance",
        user="trainer1",
        json={"attended": {"operator1": True, "supervisor1": True}},
    )
    assert unknown.status_code == 422
    held = check(
        await put(
            api,
            f"{url}/attendance",
            user="trainer1",
            json={"attended": {"operator1": True, "operator2": False}},
        ),
        200,
    )
    assert held["status"] == "held"
    # operator1's QA topic is done: the session covered it; nobody is suggested any more.
    topics = check(await api.get("/api/v1/qa/training-topics?operator=operator1", user="qa1"), 200)
    assert [(t["id"], t["status"], t["note"]) for t in topics] == [
        (mine, "done", f"Trained in session {planned['id']}")
    ]
    assert check(await api.get(suggested_url, user="trainer1"), 200) == []
    late = await api.post(f"{url}/trainees", user="trainer1", json={"usernames": ["operator2"]})
    assert late.status_code == 409
    assert late.json()["detail_code"] == "training_session_status"
    assert (await api.post(f"{url}/cancel", user="trainer1")).status_code == 409
    for answers in ([0], [0, 3]):
        wrong = await put(
            api, f"{url}/trainees/operator1/test", user="trainer1", json={"answers": answers}
        )
        assert wrong.status_code == 422, answers
    absent = await put(
        api,
        f"/api/v1/training/me/sessions/{planned['id']}/test",
        user="operator2",
        json={"answers": [0, 1]},
    )
    assert absent.status_code == 409
    result = check(
        await put(
            api,
            f"/api/v1/training/me/sessions/{planned['id']}/test",
            user="operator1",
            json={"answers": [0, 1]},
        ),
        200,
    )
    assert (result["test_score"], result["test_passed"]) == (100.0, True)
    bad = await put(
        api,
        f"/api/v1/training/me/sessions/{planned['id']}/feedback",
        user="operator1",
        json={"rating": 6},
    )
    assert bad.status_code == 422
    check(
        await put(
            api,
            f"/api/v1/training/me/sessions/{planned['id']}/feedback",
            user="operator1",
            json={"rating": 3, "comment": "more practice"},
        ),
        200,
    )
    [assignment] = check(await api.get("/api/v1/training/me", user="operator1"), 200)
    assert assignment["questions"][0] == {"text": "First?", "choices": ["address", "name"]}
    assert "answer" not in assignment["questions"][0]
    assert (assignment["status"], assignment["attended"], assignment["test_score"]) == (
        "held",
        True,
        100.0,
    )
    assert (assignment["rating"], assignment["comment"]) == (3, "more practice")
    assert check(await api.get("/api/v1/training/me", user="supervisor1"), 200) == []


async def test_attendance_waits_for_the_start_and_a_cancelled_session_is_final(
    api: Api,
) -> None:
    created = check(await api.post(PROGRAMMES, user="trainer1", json=programme()), 201)
    start = datetime.now(UTC) + timedelta(days=2)
    body = {"programme_id": created["id"], "starts_at": start.isoformat(), "trainer": "qa1"}
    refused = check(await api.post(SESSIONS, user="trainer1", json=body), 422)
    assert "qa1 is a qa" in refused["detail"]
    del body["trainer"]
    planned = check(await api.post(SESSIONS, user="trainer1", json=body), 201)
    url = f"{SESSIONS}/{planned['id']}"
    check(
        await api.post(f"{url}/trainees", user="trainer1", json={"usernames": ["operator1"]}), 200
    )
    early = await put(
        api, f"{url}/attendance", user="trainer1", json={"attended": {"operator1": True}}
    )
    assert early.status_code == 409
    assert early.json()["detail_code"] == "training_not_started"
    assert check(await api.post(f"{url}/cancel", user="trainer1"), 200)["status"] == "cancelled"
    assert (await api.post(f"{url}/cancel", user="trainer1")).status_code == 409
    [listed] = check(await api.get(f"{SESSIONS}?programme_id={created['id']}", user="qa1"), 200)
    assert (listed["status"], [t["attended"] for t in listed["trainees"]]) == ("cancelled", [None])
    missing = await api.get(f"{SESSIONS}/{uuid.uuid4()}", user="trainer1")
    assert missing.status_code == 404
