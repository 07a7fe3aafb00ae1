"""QA uses the recorded protocol (issue 25): scorecard items scored by the server from the walk
on the call's card (key questions asked, instructions given, time to the first instruction), and
the report's compliance per protocol and per operator."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dispatch.cards.models import ProtocolRun
from dispatch.protocols.definition import Definition
from dispatch.qa import protocol_compliance
from dispatch.qa.schemas import AnswerValue, ProtocolSource
from tests.fixtures.api import Api
from tests.protocols.sample import sample
from tests.qa.conftest import GATEWAY, TZ, check

START = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def run(answers: dict[str, Any], given: dict[str, float]) -> ProtocolRun:
    """A walk as the cards keep it: raw answers, instructions given ``s`` after the start."""
    return ProtocolRun(
        id=uuid.uuid4(),
        protocol_code="test_arrest",
        protocol_version=1,
        started_at=START,
        started_by="operator1",
        answers=[{"node": node, "raw": value} for node, value in answers.items()],
        given=[
            {"node": node, "at": (START + timedelta(seconds=s)).isoformat()}
            for node, s in given.items()
        ],
    )


def test_a_walk_is_measured_against_the_path_its_answers_lead_along() -> None:
    definition = Definition.model_validate(sample())
    full = protocol_compliance.measure(
        run({"awake": False, "age": 40, "breathing": "none"}, {"push": 75}), definition
    )
    assert (full.asked, full.questions, full.given, full.instructions) == (3, 3, 1, 1)
    assert (full.first_instruction_s, full.complete) == (75.0, True)
    stopped = protocol_compliance.measure(run({"awake": False, "age": 0.5}, {}), definition)
    # The walk stands at the infant instruction: not given; breathing not reached yet.
    assert (stopped.asked, stopped.questions, stopped.given, stopped.instructions) == (2, 2, 0, 1)
    assert stopped.first_instruction_s is None
    walks = [full, stopped]
    assert protocol_compliance.item_answer(ProtocolSource.KEY_QUESTIONS, None, walks) == "yes"
    assert protocol_compliance.item_answer(ProtocolSource.INSTRUCTIONS, None, walks) == "no"
    assert protocol_compliance.item_answer(ProtocolSource.FIRST_INSTRUCTION, 60, [full]) == "no"
    assert protocol_compliance.item_answer(ProtocolSource.FIRST_INSTRUCTION, 90, [full]) == "yes"
    assert protocol_compliance.item_answer(ProtocolSource.INSTRUCTIONS, None, []) == AnswerValue.NA
    rows, per_operator = protocol_compliance.rows(walks)
    assert [(r.protocol, r.walks, r.complete, r.instructions_given) for r in rows] == [
        ("test_arrest", 2, 1, 0.5)
    ]
    assert per_operator[0].median_first_instruction_s == 75.0


def _scorecard() -> dict[str, Any]:
    return {
        "sections": [
            {
                "key": "protocol",
                "title": {"en": "Protocol"},
                "weight": 1,
                "items": [
                    {"key": "said_112", "text": {"en": "Said 112"}, "points": 10},
                    {
                        "key": "asked_key_questions",
                        "text": {"en": "Asked every key question"},
                        "points": 10,
                        "source": "protocol.key_questions",
                    },
                    {
                        "key": "gave_instructions",
                        "text": {"en": "Gave every instruction"},
                        "points": 10,
                        "source": "protocol.instructions",
                    },
                    {
                        "key": "first_instruction_fast",
                        "text": {"en": "First instruction within 2 minutes"},
                        "points": 10,
                        "source": "protocol.first_instruction",
                        "within_s": 120,
                    },
                ],
            }
        ],
        "deviation_weights": {"critical": 1, "major": 0.5, "moderate": 0.25, "minor": 0.1},
        "levels": [{"level": "good", "min_score": 90}, {"level": "poor", "min_score": 0}],
    }


async def _walked_call(api: Api) -> str:
    made = check(await api.post("/api/v1/protocols", user="methodologist1", json=sample()), 201)
    check(
        await api.post(f"/api/v1/protocol-versions/{made['id']}/submit", user="methodologist1"), 200
    )
    check(
        await api.post(
            f"/api/v1/protocol-versions/{made['id']}/review",
            user="methodologist2",
            json={"approve": True},
        ),
        200,
    )
    body = {"channel": "voice", "caller_number": "+998901234567", "language": "uz"}
    call = check(await api.post("/api/v1/calls", json=body, headers=GATEWAY), 201)
    card = check(
        await api.post(
            "/api/v1/cards",
            user="operator1",
            json={"call_id": call["id"], "incident": {"type": "medical.cardiac_arrest"}},
        ),
        201,
    )
    walk = check(
        await api.post(
            f"/api/v1/cards/{card['id']}/protocols", user="operator1", json={"code": "test_arrest"}
        ),
        201,
    )
    for node, value in (("awake", False), ("age", 50), ("breathing", "none")):
        check(
            await api.post(
                f"/api/v1/protocol-runs/{walk['run_id']}/steps",
                user="operator1",
                json={"node": node, "value": value},
            ),
            200,
        )
    # The CPR instruction is never marked given.
    now = datetime.now(UTC)
    for kind in ("answered", "ended"):
        event = {"event_id": f"{kind}-{call['id']}", "type": kind, "at": now.isoformat()}
        if kind == "answered":
            event["operator"] = "operator1"
        check(
            await api.post(f"/api/v1/calls/{call['id']}/events", json=event, headers=GATEWAY), 201
        )
    return str(call["id"])


@pytest.mark.asyncio
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_items_from_the_protocol_are_scored_by_the_server_and_reported(api: Api) -> None:
    first_day = datetime.now(TZ).date().isoformat()  # the centre's day may turn during the test
    check(
        await api.post(
            "/api/v1/qa/scorecards",
            user="admin",
            json={"key": "cpr", "title": "CPR calls", "definition": _scorecard()},
        ),
        201,
    )
    call_id = await _walked_call(api)
    by_hand = await api.post(
        "/api/v1/qa/evaluations",
        user="qa1",
        json={
            "call_id": call_id,
            "scorecard": "cpr",
            "answers": {"said_112": {"answer": "yes"}, "gave_instructions": {"answer": "yes"}},
        },
    )
    assert by_hand.status_code == 422
    assert "gave_instructions" in by_hand.json()["detail"]
    scored = check(
        await api.post(
            "/api/v1/qa/evaluations",
            user="qa1",
            json={
                "call_id": call_id,
                "scorecard": "cpr",
                "answers": {"said_112": {"answer": "yes"}},
            },
        ),
        201,
    )
    answers = {key: a["answer"] for key, a in scored["answers"].items()}
    assert answers == {
        "said_112": "yes",
        "asked_key_questions": "yes",
        "gave_instructions": "no",
        "first_instruction_fast": "no",
    }
    today = datetime.now(TZ).date().isoformat()  # the centre's day, as the report counts
    report = check(
        await api.get(
            f"/api/v1/qa/reports?date_from={first_day}&date_to={today}", user="supervisor1"
        ),
        200,
    )
    assert [
        (
            r["protocol"],
            r["walks"],
            r["complete"],
            r["key_questions_asked"],
            r["instructions_given"],
        )
        for r in report["protocols"]
    ] == [("test_arrest", 1, 0, 1.0, 0.0)]
    assert [r["operator"] for r in report["protocol_operators"]] == ["operator1"]
