"""Cards that stall at a service show up for follow-up; supervisors re-send or re-route."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dispatch.core.clock import ManualClock
from dispatch.core.settings import Settings
from tests.feeds.conftest import routed_card, service_key
from tests.fixtures.api import running_api

pytestmark = pytest.mark.asyncio


async def test_unacknowledged_uncompleted_and_refused_cards_are_chased(settings: Settings) -> None:
    clock = ManualClock(datetime(2026, 11, 22, 6, 0, tzinfo=UTC))
    async with running_api(settings, clock=clock) as api:
        ambulance = await service_key(api, "103")
        # road.accident_injuries: acknowledge within its ack_deadline_s, complete within minutes.
        card = await routed_card(api, ["102", "103"])
        kind = (
            await api.get("/api/v1/incident-types/road.accident_injuries", user="operator1")
        ).json()
        assert (await api.get("/api/v1/feeds/follow-up", user="supervisor1")).json() == []

        clock.advance(kind["ack_deadline_s"] + 1)
        late = (await api.get("/api/v1/feeds/follow-up", user="supervisor1")).json()
        assert {(f["service"], f["reason"]) for f in late} == {
            ("102", "not_acknowledged"),
            ("103", "not_acknowledged"),
        }
        assert all(f["number"] == card["number"] for f in late)

        url = f"/api/v1/feeds/103/cards/{card['id']}/status"
        received = await api.post(
            url, headers=ambulance, json={"status": "received", "at": clock.now().isoformat()}
        )
        assert received.status_code == 201
        refused = await api.post(
            url,
            headers=ambulance,
            json={"status": "refused", "at": clock.now().isoformat(), "note": "No free crew"},
        )
        assert refused.status_code == 201
        chased = (await api.get("/api/v1/feeds/follow-up", user="analyst1")).json()
        assert {(f["service"], f["reason"]) for f in chased} == {
            ("102", "not_acknowledged"),
            ("103", "refused"),
        }

        rerouted = await api.post(
            f"/api/v1/cards/{card['id']}/reroute", user="supervisor1", json={"services": ["101"]}
        )
        assert rerouted.status_code == 200, rerouted.text
        assert [s["code"] for s in rerouted.json()["services"]] == ["102", "103", "101"]
        refused_by_operator = await api.post(
            f"/api/v1/cards/{card['id']}/reroute", user="operator1", json={"services": ["104"]}
        )
        assert refused_by_operator.status_code == 403

        clock.advance(kind["complete_deadline_min"] * 60)
        overdue = (await api.get("/api/v1/feeds/follow-up", user="supervisor1")).json()
        reasons = {(f["service"], f["reason"]) for f in overdue}
        assert ("101", "not_acknowledged") in reasons
        assert ("103", "refused") in reasons


async def test_a_closed_card_can_still_be_rerouted_by_a_supervisor(settings: Settings) -> None:
    async with running_api(settings) as api:
        card = await routed_card(api, ["102"])
        closed = await api.post(
            f"/api/v1/cards/{card['id']}/close", user="operator1", json={"outcome": "dispatched"}
        )
        assert closed.status_code == 200
        by_operator = await api.post(
            f"/api/v1/cards/{card['id']}/route", user="operator1", json={"services": ["103"]}
        )
        assert by_operator.status_code == 409
        rerouted = await api.post(
            f"/api/v1/cards/{card['id']}/reroute", user="supervisor1", json={"services": ["103"]}
        )
        assert rerouted.status_code == 200
        assert rerouted.json()["status"] == "closed"
        again = await api.post(
            f"/api/v1/cards/{card['id']}/reroute", user="supervisor1", json={"services": ["103"]}
        )
        assert again.status_code == 409
