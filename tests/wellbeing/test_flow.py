"""Wellbeing through the API: a traumatic card closed offers its operator a break and flags a
debrief; accepting puts them on break through the ACD, declining is recorded; a psychologist
holds the debrief; no other operator ever sees it; bad input changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.audit.models import AuditEntry
from tests.queues.conftest import Acd
from tests.wellbeing.conftest import (
    CHILD_ABUSE,
    DEATH,
    ORDINARY,
    case_of,
    close_card,
    counts,
    mine,
    on_a_call,
)

pytestmark = pytest.mark.asyncio

PSYCHOLOGIST = {"languages": {"ru": 0}, "channels": {"voice": 0}, "psychological_support": 0}


async def _actions(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        found = await connection.execute(
            select(AuditEntry.action).where(AuditEntry.action.like("wellbeing.%"))
        )
        return sorted(found.scalars().all())


async def test_a_traumatic_card_offers_its_operator_a_break_and_flags_a_debrief(
    acd: Acd, engine: AsyncEngine
) -> None:
    call_id = await on_a_call(acd)
    card = await close_card(acd, call_id, CHILD_ABUSE)
    case = await case_of(acd, card["id"])
    assert case["source"] == "card"
    assert case["reasons"] == ["violence_child"]
    assert case["card_number"] == card["number"]
    offer, debrief = case["offer"], case["debrief"]
    assert (offer["status"], offer["minutes"], offer["break_until"]) == ("offered", 10, None)
    assert (debrief["status"], debrief["username"]) == ("open", "operator1")
    assert debrief["name"] == "Dilnoza Karimova"
    assert await _actions(engine) == ["wellbeing.open"]

    # The operator is still on the call: the break waits, nothing changes.
    refused = await acd.api.post(f"/api/v1/wellbeing/offers/{offer['id']}/accept", user="operator1")
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail_code"] == "wellbeing_break_busy"
    assert (await acd.me("operator1"))["state"] == "on_call"
    assert (await mine(acd))[0]["offer"]["status"] == "offered"

    # The call ends: the break is taken through the ACD, with the centre's own reason.
    await acd.event(call_id, "ended")
    acd.clock.advance(30)
    taken = acd.check(
        await acd.api.post(f"/api/v1/wellbeing/offers/{offer['id']}/accept", user="operator1"), 200
    )
    assert taken["status"] == "accepted"
    now = acd.clock.now()
    assert taken["answered_at"] == now.isoformat().replace("+00:00", "Z")
    me = await acd.me("operator1")
    assert (me["state"], me["reason"], me["reason_code"]) == ("on_break", "Rest", "break_rest")
    assert (await mine(acd))[0]["offer"]["break_until"] == (
        (now + timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    )
    again = await acd.api.post(f"/api/v1/wellbeing/offers/{offer['id']}/decline", user="operator1")
    assert again.status_code == 409
    assert again.json()["detail_code"] == "wellbeing_offer_answered"
    assert await _actions(engine) == ["wellbeing.offer.accept", "wellbeing.open"]
    # the working-time report counts the break under the centre's reason
    log = await acd.log(operator="operator1")
    assert [line["data"].get("reason") for line in log if line["event"] == "pause"] == ["Rest"]


async def test_an_ordinary_card_or_one_where_nothing_happened_opens_no_case(
    acd: Acd, engine: AsyncEngine
) -> None:
    call_id = await on_a_call(acd)
    await close_card(acd, call_id, ORDINARY)
    await acd.event(call_id, "ended")
    second = await on_a_call(acd)
    await close_card(acd, second, CHILD_ABUSE, outcome="hoax")
    # a third card that does open one shows the listener has read the two before it
    await acd.event(second, "ended")
    third = await on_a_call(acd)
    card = await close_card(acd, third, DEATH)
    case = await case_of(acd, card["id"])
    assert case["reasons"] == ["death"]
    assert [c["card_id"] for c in await mine(acd)] == [card["id"]]
    assert await counts(engine) == (1, 1, 1)


async def test_declining_is_recorded_and_the_operator_keeps_working(
    acd: Acd, engine: AsyncEngine
) -> None:
    call_id = await on_a_call(acd)
    card = await close_card(acd, call_id, DEATH)
    offer = (await case_of(acd, card["id"]))["offer"]
    declined = acd.check(
        await acd.api.post(f"/api/v1/wellbeing/offers/{offer['id']}/decline", user="operator1"), 200
    )
    assert (declined["status"], declined["break_until"]) == ("declined", None)
    assert (await acd.me("operator1"))["state"] == "on_call"
    case = (await mine(acd))[0]
    assert (case["offer"]["status"], case["debrief"]["status"]) == ("declined", "open")
    assert await _actions(engine) == ["wellbeing.offer.decline", "wellbeing.open"]


async def test_one_break_is_offered_at_a_time_and_every_case_flags_a_debrief(
    acd: Acd, engine: AsyncEngine
) -> None:
    first = await on_a_call(acd)
    one = await close_card(acd, first, CHILD_ABUSE)
    await case_of(acd, one["id"])
    await acd.event(first, "ended")
    second = await on_a_call(acd)
    two = await close_card(acd, second, DEATH)
    case = await case_of(acd, two["id"])
    assert case["offer"] is None  # the first offer is still there to take
    assert case["debrief"]["status"] == "open"
    assert await counts(engine) == (2, 1, 2)


async def test_a_psychologist_holds_the_debrief_and_other_operators_never_see_it(
    acd: Acd, engine: AsyncEngine
) -> None:
    call_id = await on_a_call(acd)
    card = await close_card(acd, call_id, CHILD_ABUSE)
    case = await case_of(acd, card["id"])
    debrief_id, offer_id = case["debrief"]["id"], case["offer"]["id"]

    # operator2, no psychologist: another's debrief and offer do not exist for them
    listed = acd.check(await acd.api.get("/api/v1/wellbeing/debriefs", user="operator2"), 200)
    assert listed == []
    assert await mine(acd, "operator2") == []
    for path, body in (
        (f"debriefs/{debrief_id}/hold", {"note": "held"}),
        (f"debriefs/{debrief_id}/cancel", {}),
        (f"offers/{offer_id}/accept", None),
        (f"offers/{offer_id}/decline", None),
    ):
        answer = await acd.api.post(f"/api/v1/wellbeing/{path}", user="operator2", json=body)
        assert answer.status_code == 404, (path, answer.text)
        assert "operator1" not in answer.text
    # QA and analysts are refused by role
    for user in ("qa1", "analyst1"):
        refused = await acd.api.get("/api/v1/wellbeing/debriefs", user=user)
        assert refused.status_code == 403

    # the operator sees their own, without the psychologist's notes, and may not hold it
    own = acd.check(await acd.api.get("/api/v1/wellbeing/debriefs", user="operator1"), 200)
    assert [d["id"] for d in own] == [debrief_id]
    held_by_self = await acd.api.post(
        f"/api/v1/wellbeing/debriefs/{debrief_id}/hold", user="operator1", json={"note": "fine"}
    )
    assert held_by_self.status_code == 403
    assert held_by_self.json()["detail_code"] == "wellbeing_own_debrief"

    # operator2 given the skill is a psychologist: every open debrief, and holds it
    await acd.set_skills("operator2", **PSYCHOLOGIST)
    listed = acd.check(await acd.api.get("/api/v1/wellbeing/debriefs", user="operator2"), 200)
    assert [(d["id"], d["username"], d["reasons"]) for d in listed] == [
        (debrief_id, "operator1", ["violence_child"])
    ]
    assert "card_number" not in listed[0]  # the list names no card
    acd.clock.advance(45 * 60)
    held = acd.check(
        await acd.api.post(
            f"/api/v1/wellbeing/debriefs/{debrief_id}/hold",
            user="operator2",
            json={"note": "Talked it through; follow up in a week."},
        ),
        200,
    )
    assert (held["status"], held["closed_by"]) == ("held", "operator2")
    assert held["note"] == "Talked it through; follow up in a week."
    assert acd.check(await acd.api.get("/api/v1/wellbeing/debriefs", user="operator2"), 200) == []
    again = await acd.api.post(
        f"/api/v1/wellbeing/debriefs/{debrief_id}/cancel", user="supervisor1", json={}
    )
    assert again.status_code == 409
    assert again.json()["detail_code"] == "wellbeing_debrief_closed"
    # the operator's own view: held, the note kept from them
    theirs = (await mine(acd))[0]["debrief"]
    assert (theirs["status"], theirs["note"]) == ("held", None)
    assert "wellbeing.debrief.held" in await _actions(engine)


async def test_an_operator_cancels_their_own_debrief_and_a_trainer_sees_every_one(
    acd: Acd,
) -> None:
    call_id = await on_a_call(acd)
    card = await close_card(acd, call_id, DEATH)
    debrief_id = (await case_of(acd, card["id"]))["debrief"]["id"]
    seen = acd.check(await acd.api.get("/api/v1/wellbeing/debriefs", user="trainer1"), 200)
    assert [d["id"] for d in seen] == [debrief_id]
    cancelled = acd.check(
        await acd.api.post(
            f"/api/v1/wellbeing/debriefs/{debrief_id}/cancel",
            user="operator1",
            json={"note": "I am fine, thank you"},
        ),
        200,
    )
    assert (cancelled["status"], cancelled["note"]) == ("cancelled", None)
    closed = acd.check(
        await acd.api.get("/api/v1/wellbeing/debriefs?status=cancelled", user="trainer1"), 200
    )
    assert [(d["id"], d["note"]) for d in closed] == [(debrief_id, "I am fine, thank you")]


async def test_an_operator_asks_for_a_break_and_a_debrief_themselves(
    acd: Acd, engine: AsyncEngine
) -> None:
    call_id = await on_a_call(acd)
    card = await close_card(acd, call_id, ORDINARY)
    asked = acd.check(
        await acd.api.post(
            "/api/v1/wellbeing/requests",
            user="operator1",
            json={"card_id": card["id"], "note": "The caller's voice stays with me"},
        ),
        201,
    )
    assert (asked["source"], asked["reasons"], asked["card_number"]) == (
        "self", ["self_request"], card["number"]
    )  # fmt: skip
    assert (asked["offer"]["status"], asked["debrief"]["status"]) == ("offered", "open")
    await acd.set_skills("operator2", **PSYCHOLOGIST)
    listed = acd.check(await acd.api.get("/api/v1/wellbeing/debriefs", user="operator2"), 200)
    assert listed[0]["request_note"] == "The caller's voice stays with me"
    # the same card again: a conflict; without a card: another case
    twice = await acd.api.post(
        "/api/v1/wellbeing/requests", user="operator1", json={"card_id": card["id"]}
    )
    assert twice.status_code == 409
    assert twice.json()["detail_code"] == "wellbeing_case_exists"
    plain = acd.check(
        await acd.api.post("/api/v1/wellbeing/requests", user="operator1", json={}), 201
    )
    assert (plain["card_id"], plain["offer"]) == (None, None)  # one offer at a time
    assert await counts(engine) == (2, 1, 2)


# Each refused on one case (made once: a call, its card closed, the case opened), the counts
# checked after every request.
BAD_INPUT: list[tuple[str, dict[str, Any]]] = [
    ("requests", {"card_id": "00000000-0000-4000-8000-000000000000"}),
    ("requests", {"note": ""}),
    ("requests", {"note": "x" * 501}),
    ("requests", {"card": "112"}),
    ("requests", {"card_id": "not-a-uuid"}),
    ("debriefs/{debrief}/hold", {}),
    ("debriefs/{debrief}/hold", {"note": ""}),
    ("debriefs/{debrief}/hold", {"note": "x" * 2001}),
    ("debriefs/{debrief}/hold", {"note": "ok", "status": "cancelled"}),
    ("debriefs/{debrief}/cancel", {"note": ""}),
]


async def test_bad_input_is_a_422_and_changes_nothing(acd: Acd, engine: AsyncEngine) -> None:
    call_id = await on_a_call(acd)
    card = await close_card(acd, call_id, CHILD_ABUSE)
    case = await case_of(acd, card["id"])
    before = (await counts(engine), await _actions(engine), await mine(acd))
    for path, body in BAD_INPUT:
        url = "/api/v1/wellbeing/" + path.format(debrief=case["debrief"]["id"])
        answer = await acd.api.post(url, user="supervisor1", json=body)
        assert answer.status_code == 422, (path, body, answer.text)
        assert answer.json()["code"] in ("invalid_request", "invalid"), (path, body)
        after = (await counts(engine), await _actions(engine), await mine(acd))
        assert after == before, (path, body)


async def test_a_bad_debrief_status_or_report_period_is_a_422(acd: Acd) -> None:
    bad = await acd.api.get("/api/v1/wellbeing/debriefs?status=lost", user="supervisor1")
    assert bad.status_code == 422
    for query in (
        "",
        "?date_from=2026-11-22",
        "?date_from=2026-11-22&date_to=2026-11-21",
        "?date_from=2025-01-01&date_to=2026-11-22",
        "?date_from=22.11.2026&date_to=2026-11-22",
    ):
        answer = await acd.api.get(f"/api/v1/wellbeing/report{query}", user="supervisor1")
        assert answer.status_code == 422, (query, answer.text)


async def test_the_report_counts_each_local_day_and_names_people_only_to_supervisors_and_trainers(
    acd: Acd, engine: AsyncEngine
) -> None:
    # 09:00 Tashkent, Nov 22: a death on operator1's call; the break taken at once.
    call_id = await on_a_call(acd)
    first = await close_card(acd, call_id, DEATH)
    a = await case_of(acd, first["id"])
    await acd.event(call_id, "ended")
    acd.clock.advance(30)
    await acd.api.post(f"/api/v1/wellbeing/offers/{a['offer']['id']}/accept", user="operator1")
    await acd.set_skills("operator2", **PSYCHOLOGIST)
    acd.clock.advance(29 * 60 + 30)  # 09:30: held 30 min after the flag
    hold = f"/api/v1/wellbeing/debriefs/{a['debrief']['id']}/hold"
    acd.check(await acd.api.post(hold, user="operator2", json={"note": "a"}), 200)
    # 09:30: operator1 asks themselves; declines the break; held at 11:00 (90 min)
    b = acd.check(await acd.api.post("/api/v1/wellbeing/requests", user="operator1", json={}), 201)
    await acd.api.post(f"/api/v1/wellbeing/offers/{b['offer']['id']}/decline", user="operator1")
    acd.clock.advance(90 * 60)
    hold = f"/api/v1/wellbeing/debriefs/{b['debrief']['id']}/hold"
    acd.check(await acd.api.post(hold, user="supervisor1", json={"note": "b"}), 200)
    # 00:10 Tashkent on Nov 23 (19:10 UTC on Nov 22): child abuse; the debrief declined
    acd.clock.advance(13 * 3600 + 10 * 60)
    call_id = await on_a_call(acd)
    third = await close_card(acd, call_id, CHILD_ABUSE)
    c = await case_of(acd, third["id"])
    cancel = f"/api/v1/wellbeing/debriefs/{c['debrief']['id']}/cancel"
    acd.check(await acd.api.post(cancel, user="operator1", json={}), 200)

    url = "/api/v1/wellbeing/report?date_from=2026-11-22&date_to=2026-11-24"
    report = acd.check(await acd.api.get(url, user="supervisor1"), 200)
    zero = {
        "traumatic_calls": 0, "self_requests": 0, "breaks_offered": 0, "breaks_accepted": 0,
        "breaks_declined": 0, "debriefs_flagged": 0, "debriefs_held": 0,
        "debriefs_cancelled": 0, "mean_minutes_to_debrief": None,
    }  # fmt: skip
    day_22 = zero | {
        "day": "2026-11-22", "traumatic_calls": 1, "self_requests": 1, "breaks_offered": 2,
        "breaks_accepted": 1, "breaks_declined": 1, "debriefs_flagged": 2, "debriefs_held": 2,
        "mean_minutes_to_debrief": 60.0,
    }  # fmt: skip
    day_23 = zero | {
        "day": "2026-11-23", "traumatic_calls": 1, "breaks_offered": 1, "debriefs_flagged": 1,
        "debriefs_cancelled": 1,
    }  # fmt: skip
    assert report["days"] == [day_22, day_23, zero | {"day": "2026-11-24"}]
    assert report["total"] == zero | {
        "traumatic_calls": 2, "self_requests": 1, "breaks_offered": 3, "breaks_accepted": 1,
        "breaks_declined": 1, "debriefs_flagged": 3, "debriefs_held": 2, "debriefs_cancelled": 1,
        "mean_minutes_to_debrief": 60.0,
    }  # fmt: skip
    assert [
        (c["username"], c["name"], c["card_number"], c["reasons"], c["offer"], c["debrief"],
         c["minutes_to_debrief"], c["created_at"][:16])
        for c in report["cases"]
    ] == [
        ("operator1", "Dilnoza Karimova", first["number"], ["death"], "accepted", "held", 30.0,
         "2026-11-22T09:00"),
        ("operator1", "Dilnoza Karimova", None, ["self_request"], "declined", "held", 90.0,
         "2026-11-22T09:30"),
        ("operator1", "Dilnoza Karimova", third["number"], ["violence_child"], "offered",
         "cancelled", None, "2026-11-23T00:10"),
    ]  # fmt: skip
    assert "wellbeing.report.read" in await _actions(engine)
    trainer = acd.check(await acd.api.get(url, user="trainer1"), 200)
    assert len(trainer["cases"]) == 3
    reads = (await _actions(engine)).count("wellbeing.report.read")
    assert reads == 2
    # an admin gets the counts, no names, no cards: nothing to audit
    admin = acd.check(await acd.api.get(url, user="admin"), 200)
    assert admin["cases"] is None
    assert (admin["days"], admin["total"]) == (report["days"], report["total"])
    assert "operator1" not in str(admin)
    assert (await _actions(engine)).count("wellbeing.report.read") == reads
    for user in ("operator1", "operator2", "qa1", "analyst1"):
        assert (await acd.api.get(url, user=user)).status_code == 403
