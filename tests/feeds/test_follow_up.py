"""Cards that stall at a service show up for follow-up; supervisors re-send or re-route."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

import cardschema
from cardschema import ServiceStatus
from dispatch.cards.models import CardRow
from dispatch.cards.routing import Classifier, UnknownIncidentType, default_classifier
from dispatch.core.clock import ManualClock
from dispatch.core.database import session_factory
from dispatch.core.settings import Settings
from dispatch.feeds import followup
from dispatch.feeds.followup import (
    DEFAULT_ACK_S,
    DEFAULT_COMPLETE_MIN,
    DONE,
    REFUSED,
    WINDOW,
    FollowUp,
)
from dispatch.feeds.models import ServiceProgress
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


def _old_follow_ups(
    documents: list[dict[str, Any]], classifier: Classifier, now: datetime
) -> list[FollowUp]:
    """The list as it was computed before the per-service table (every card's JSON parsed)."""
    found: list[FollowUp] = []
    for document in documents:
        card = cardschema.card_from_dict(document)
        if card.status.value not in ("routed", "closed") or card.updated_at < now - WINDOW:
            continue
        try:
            kind = classifier.get(card.incident.type) if card.incident.type else None
        except UnknownIncidentType:
            kind = None
        ack_s = kind.ack_deadline_s if kind else DEFAULT_ACK_S
        complete_min = kind.complete_deadline_min if kind else DEFAULT_COMPLETE_MIN
        for service in card.services:
            if service.status in DONE:
                continue
            reason, deadline = None, None
            if service.status in REFUSED:
                reason = "refused"
                since = service.history[-1].at if service.history else service.routed_at
            elif service.status is ServiceStatus.ROUTED and service.handoff is None:
                deadline = service.routed_at + timedelta(seconds=ack_s)
                reason = "not_acknowledged" if deadline <= now else None
                since = service.routed_at
            else:
                deadline = service.routed_at + timedelta(minutes=complete_min)
                reason = "not_completed" if deadline <= now else None
                since = service.routed_at
            if reason is not None:
                found.append(
                    FollowUp(
                        card_id=str(card.id),
                        number=card.number,
                        service=service.code,
                        service_status=service.status.value,
                        reason=reason,
                        since=since,
                        deadline=deadline,
                        incident_type=card.incident.type,
                        priority=card.incident.priority,
                    )
                )
    found.sort(key=lambda f: (f.priority or 9, f.deadline or f.since))
    # Ties were in the database's order then; now by card number and service.
    return sorted(found, key=followup.urgency)


async def _both(engine: AsyncEngine, now: datetime) -> tuple[list[FollowUp], list[FollowUp]]:
    classifier = default_classifier()
    async with session_factory(engine)() as session:
        documents = list((await session.scalars(select(CardRow.document))).all())
        table = await followup.follow_ups(session, classifier, now=now)
    return table, _old_follow_ups(documents, classifier, now)


async def _progress_rows(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(ServiceProgress.__table__).order_by(
                ServiceProgress.card_id, ServiceProgress.service_code
            )
        )
        return [tuple(row) for row in rows]


async def test_the_follow_up_table_agrees_with_parsing_every_card_and_is_backfilled(
    settings: Settings, engine: AsyncEngine
) -> None:
    clock = ManualClock(datetime(2026, 11, 22, 6, 0, tzinfo=UTC))
    async with running_api(settings, clock=clock) as api:
        ambulance = await service_key(api, "103")
        police = await service_key(api, "102")

        async def report(key: dict[str, str], code: str, card: Any, status: str) -> None:
            response = await api.post(
                f"/api/v1/feeds/{code}/cards/{card['id']}/status",
                headers=key,
                json={"status": status, "at": clock.now().isoformat()},
            )
            assert response.status_code == 201, response.text

        waiting = await routed_card(api, ["102", "103"])
        working = await routed_card(
            api, ["102", "103"], incident={"type": "fire.residential", "hazards": ["fire"]}
        )
        refused = await routed_card(api, ["103"], incident={"type": "medical.cardiac_arrest"})
        clock.advance(20)
        await report(ambulance, "103", working, "received")
        await report(police, "102", working, "received")
        await report(police, "102", working, "accepted")
        await report(ambulance, "103", refused, "received")
        await report(ambulance, "103", refused, "refused")
        done = await routed_card(api, ["103"])
        for status in ("received", "accepted", "response_started", "arrived", "in_progress"):
            await report(ambulance, "103", done, status)
        await report(ambulance, "103", done, "completed")
        handed = await routed_card(
            api, ["104"], incident={"type": "gas.smell_indoors", "hazards": ["gas_smell"]}
        )
        handoff = await api.post(
            f"/api/v1/cards/{handed['id']}/handoffs",
            user="operator1",
            json={"service": "104", "contact": "navbatchi"},
        )
        assert handoff.status_code == 201, handoff.text
        # A card with no incident type at a service: routing refuses one since issue 19, a
        # supervisor's reroute still sends it (and cards routed before are in the tables).
        untyped = await api.post("/api/v1/cards", user="operator1", json={})
        rerouted = await api.post(
            f"/api/v1/cards/{untyped.json()['id']}/reroute",
            user="supervisor1",
            json={"services": ["101"]},
        )
        assert rerouted.status_code == 200, rerouted.text
        # The deadline inputs change after routing: the rows follow the card.
        retyped = await api.patch(
            f"/api/v1/cards/{waiting['id']}",
            user="operator1",
            json={"incident": {"type": "medical.cardiac_arrest"}},
        )
        assert retyped.status_code == 200, retyped.text
        closed = await api.post(
            f"/api/v1/cards/{refused['id']}/close", user="operator1", json={"outcome": "dispatched"}
        )
        assert closed.status_code == 200, closed.text
        await api.post("/api/v1/cards", user="operator1", json={})  # open, never routed
        seen_any = False
        for step in (0, 10, 30, 300, 1800, 3600, 6 * 3600, 2 * 86400):
            clock.advance(step)
            table, parsed = await _both(engine, clock.now())
            assert table == parsed, step
            seen_any = seen_any or bool(table)
        assert {f.reason for f in table} == {"not_acknowledged", "not_completed", "refused"}
        assert seen_any
    live = await _progress_rows(engine)
    assert len(live) == 8  # 2 + 2 + 1 + 1 + 1 + 1 routed services; the open card has none

    # The migration's backfill, run on the same cards, writes exactly what was kept live.
    migration = _migration_0010()
    async with engine.begin() as connection:
        await connection.execute(delete(ServiceProgress))
        assert await connection.run_sync(migration.backfill) == len(live)
    assert await _progress_rows(engine) == live


def _migration_0010() -> Any:
    path = Path(followup.__file__).parents[1] / "migrations" / "versions" / "0010_feeds_lean.py"
    spec = importlib.util.spec_from_file_location("migration_0010", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
