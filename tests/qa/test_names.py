"""What a person reads in QA is names, not codes: people's full names, incident type, channel
and stratum names, scorecard titles in the language asked, beside the codes that stay; and a
call's recording that is missing gives a clear answer, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.api import Api
from tests.qa.conftest import MONDAY, CallSpec, check, evaluate, insert_calls, local

pytestmark = pytest.mark.asyncio


async def test_a_plan_names_operators_incident_types_channels_and_strata(
    api: Api, engine: AsyncEngine
) -> None:
    await insert_calls(
        engine,
        [
            CallSpec(at=local(MONDAY, 9)),
            CallSpec(at=local(MONDAY, 10), operator="operator2", channel="sms"),
            CallSpec(at=local(MONDAY, 11), incident_type=None),
        ],
    )
    plan = check(
        await api.post(
            "/api/v1/qa/plans?language=ru",
            user="qa1",
            json={"date_from": str(MONDAY), "date_to": str(MONDAY), "share": 1, "seed": 1},
        ),
        201,
    )
    calls = {(c["operator"], c["channel"], c["incident_type"]): c for c in plan["calls"]}
    first = calls[("operator1", "voice", "fire.building")]
    assert (first["operator_name"], first["incident_type_name"], first["channel_name"]) == (
        "Dilnoza Karimova", "Пожар в нежилом здании", "Голос",
    )  # fmt: skip
    assert first["stratum"] == "fire.building/voice"  # the code stays
    assert first["stratum_name"] == "Пожар в нежилом здании / Голос"
    assert calls[("operator2", "sms", "fire.building")]["operator_name"] == "Aleksandr Pak"
    unclassified = calls[("operator1", "voice", None)]
    assert (unclassified["incident_type_name"], unclassified["stratum_name"]) == (
        None, "без типа / Голос",
    )  # fmt: skip
    assert {s["stratum"]: s["stratum_name"] for s in plan["strata"]} == {
        "fire.building/sms": "Пожар в нежилом здании / SMS",
        "fire.building/voice": "Пожар в нежилом здании / Голос",
        "unclassified/voice": "без типа / Голос",
    }
    assert plan["operator_names"] == {
        "operator1": "Dilnoza Karimova",
        "operator2": "Aleksandr Pak",
    }
    assert plan["created_by_name"] == "Malika Rahimova"

    uzbek = check(await api.get(f"/api/v1/qa/plans/{plan['id']}?language=uz", user="qa1"), 200)
    assert {s["stratum_name"] for s in uzbek["strata"]} == {
        "Noturar binoda yong‘in / SMS",
        "Noturar binoda yong‘in / Ovozli",
        "turi yo‘q / Ovozli",
    }
    english = check(await api.get("/api/v1/qa/plans", user="qa1"), 200)
    assert english[0]["strata"][0]["stratum_name"] == "Fire in a non-residential building / SMS"
    refused = await api.get(f"/api/v1/qa/plans/{plan['id']}?language=fr", user="qa1")
    assert refused.status_code == 422


async def test_a_calibration_names_its_specialists_and_items(api: Api, engine: AsyncEngine) -> None:
    body = {"username": "qa2", "role": "qa", "password": "qa2-password", "full_name": "Zarina Olim"}
    check(await api.post("/api/v1/users", user="admin", json=body), 201)
    await api.token("qa2", "qa2-password")
    calls = await insert_calls(engine, [CallSpec(at=local(MONDAY, 9 + n)) for n in range(2)])
    made = check(
        await api.post(
            "/api/v1/qa/calibrations",
            user="qa1",
            json={"title": "names", "call_ids": [str(c) for c in calls], "scorecard": "ace"},
        ),
        201,
    )
    for user in ("qa1", "qa2"):
        for call in calls:
            await evaluate(api, call, user=user, calibration_id=made["id"])
    url = f"/api/v1/qa/calibrations/{made['id']}?language=ru"
    report = check(await api.get(url, user="qa1"), 200)
    assert report["participants"] == ["qa1", "qa2"]
    assert report["participant_names"] == {"qa1": "Malika Rahimova", "qa2": "Zarina Olim"}
    items = {i["item"]: i for i in report["items"]}
    assert (items["no_delay"]["item_title"], items["no_delay"]["section_title"]) == (
        "Без лишних задержек", "Обслуживание заявителя",
    )  # fmt: skip
    pair = items["no_delay"]["pairs"][0]
    assert (pair["evaluators"], pair["evaluator_names"]) == (
        ["qa1", "qa2"], ["Malika Rahimova", "Zarina Olim"],
    )  # fmt: skip
    listed = check(await api.get("/api/v1/qa/calibrations?language=en", user="qa1"), 200)
    assert listed[0]["items"][0]["item_title"] == "Address or location verified"


async def test_the_call_view_names_people_and_the_incident_type(
    api: Api, engine: AsyncEngine
) -> None:
    (call,) = await insert_calls(
        engine, [CallSpec(at=local(MONDAY, 9), media_url="file:///var/rec/gone.wav")]
    )
    await evaluate(api, call)
    listed = check(await api.get(f"/api/v1/qa/evaluations?call_id={call}", user="qa1"), 200)
    assert [(e["evaluator_name"], e["operator_name"]) for e in listed] == [
        ("Malika Rahimova", "Dilnoza Karimova")
    ]
    one = check(await api.get(f"/api/v1/qa/evaluations/{listed[0]['id']}", user="qa1"), 200)
    assert (one["evaluator"], one["evaluator_name"]) == ("qa1", "Malika Rahimova")
    review = check(await api.get(f"/api/v1/qa/calls/{call}?language=uz", user="qa1"), 200)
    assert review["call"]["operator"] == "operator1"
    assert review["names"] == {"operator1": "Dilnoza Karimova", "qa1": "Malika Rahimova"}
    assert review["incident_type_name"] == "Noturar binoda yong‘in"
    # The recording's file is not the server's: the view still answers, with its URL.
    assert review["call"]["media_url"] == "file:///var/rec/gone.wav"


async def test_a_recording_that_is_not_there_is_a_clear_refusal(
    api: Api, engine: AsyncEngine
) -> None:
    (silent,) = await insert_calls(engine, [CallSpec(at=local(MONDAY, 9))])
    response = await api.post(f"/api/v1/qa/calls/{silent}/plays", user="qa1", json={})
    assert response.status_code == 409, response.text
    refusal = response.json()
    assert refusal["code"] == "conflict"
    assert "has no recording" in refusal["detail"]
    ghost = "6f0d7c1e-2a7d-4b59-8d0e-1f1e2d3c4b5a"
    for missing in (
        await api.get(f"/api/v1/qa/calls/{ghost}", user="qa1"),
        await api.post(f"/api/v1/qa/calls/{ghost}/plays", user="qa1", json={}),
    ):
        assert missing.status_code == 404, missing.text
        assert ghost in missing.json()["detail"]
    # The call can still be scored without its recording.
    scored = await evaluate(api, silent)
    assert scored["score"] == 100
