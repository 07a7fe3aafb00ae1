"""The lean feed path: each owed card version rendered once and sent as kept by every transport;
one delivery lifecycle that refuses illegal moves; one acknowledgement event for every path."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

import cardschema
from dispatch.core.bus import Event, InProcessBus
from dispatch.core.database import session_factory
from dispatch.core.settings import Settings
from dispatch.errors import NotFound
from dispatch.feeds import outbox, payloads
from dispatch.feeds.delivery import claim
from dispatch.feeds.eido import card_to_eido
from dispatch.feeds.models import Delivery, FeedPayload
from dispatch.feeds.states import (
    DELIVERY_TRANSITIONS,
    OUTBOX,
    DeliveryStatus,
    IllegalDeliveryTransition,
    check_transition,
    move,
)
from tests.feeds.conftest import Receiver, routed_card, service_key
from tests.fixtures.api import Api, running_api
from tests.fixtures.databases import fingerprint
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio

ACK_KEYS = {"service", "cursor", "cursors", "count", "via", "card_ids"}


def _drain(subscription: Any) -> list[Event]:
    received: list[Event] = []
    while not subscription.queue.empty():
        item = subscription.queue.get_nowait()
        if item is not None:
            received.append(item)
    return received


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> list[uuid.UUID]:
    """Record every XML rendering of a card (the real one runs)."""
    built: list[uuid.UUID] = []
    real = cardschema.build

    def counting(card: cardschema.Card) -> bytes:
        built.append(card.id)
        return real(card)

    monkeypatch.setattr(cardschema, "build", counting)
    return built


async def _kept(engine: AsyncEngine) -> dict[tuple[str, int], str]:
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(FeedPayload.card_id, FeedPayload.card_version, FeedPayload.xml)
        )
        return {(str(card_id), version): xml for card_id, version, xml in rows}


async def test_each_version_is_rendered_once_and_every_transport_sends_the_kept_xml(
    settings: Settings,
    engine: AsyncEngine,
    receivers: list[Receiver],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = _count_builds(monkeypatch)
    police = receivers[0]
    async with running_api(settings) as api:
        hooked = await api.patch(
            "/api/v1/services/102", user="admin", json={"webhook_url": police.url}
        )
        assert hooked.status_code == 200, hooked.text
        ambulance = await service_key(api, "103")
        card = await routed_card(api, ["102", "103"])
        noted = await api.post(
            f"/api/v1/cards/{card['id']}/notes", user="operator1", json={"text": "Ikki kishi"}
        )
        assert noted.status_code == 201, noted.text
        # Two owed versions, each sent to two services: rendered twice, once per version.
        assert built.count(uuid.UUID(str(card["id"]))) == 2
        await eventually(lambda: len(police.bodies()) == 2, what="police receiving 2 bodies")
        pulled = (await api.get("/api/v1/feeds/103/cards", headers=ambulance)).json()["items"]
        again = (await api.get("/api/v1/feeds/103/cards", headers=ambulance)).json()["items"]
        assert built.count(uuid.UUID(str(card["id"]))) == 2  # delivering rendered nothing
    kept = await _kept(engine)
    version = int(str(card["version"]))
    assert set(kept) == {(str(card["id"]), version), (str(card["id"]), version + 1)}
    assert [r.body.decode() for r in police.bodies()] == [
        kept[(str(card["id"]), v)] for v in (version, version + 1)
    ]
    for item in pulled + again:
        assert item["xml"] == kept[(item["card_id"], item["version"])]
    assert [i["redelivery"] for i in again] == [True, True]


async def test_a_version_owed_before_payloads_were_kept_is_rendered_on_first_use_and_kept(
    api: Api, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    police = await service_key(api, "102")
    card = await routed_card(api, ["102"])
    async with session_factory(engine)() as session, session.begin():
        await session.execute(delete(FeedPayload))  # as rows owed before 0010
    built = _count_builds(monkeypatch)
    first = (await api.get("/api/v1/feeds/102/cards", headers=police)).json()["items"]
    second = (await api.get("/api/v1/feeds/102/cards", headers=police)).json()["items"]
    assert len(built) == 1
    assert first[0]["xml"] == second[0]["xml"]
    assert cardschema.parse(first[0]["xml"].encode()).number == card["number"]
    assert list((await _kept(engine)).values()) == [first[0]["xml"]]


async def test_an_eido_is_rendered_once_per_version_for_every_subscriber(
    api: Api, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = await routed_card(api, ["103"])
    rendered: list[str] = []
    real = card_to_eido

    def counting(card: cardschema.Card) -> dict[str, Any]:
        rendered.append(str(card.id))
        return real(card)

    monkeypatch.setattr(payloads, "card_to_eido", counting)
    key = (uuid.UUID(str(card["id"])), int(str(card["version"])))
    documents = []
    for _ in range(2):  # two subscribers, one after the other
        async with session_factory(engine)() as session, session.begin():
            documents.append(
                await payloads.eido_for(session, [key], now=datetime.now(UTC), service="103")
            )
    assert rendered == [card["id"]]
    assert documents[0] == documents[1]
    assert documents[0][key]["$id"].endswith(uuid.UUID(str(card["id"])).hex + ":112.uz")


async def test_the_delivery_lifecycle_table() -> None:
    assert DELIVERY_TRANSITIONS[DeliveryStatus.ACKNOWLEDGED] == frozenset()
    assert not any(DeliveryStatus.PENDING in t for t in DELIVERY_TRANSITIONS.values())
    check_transition(1, DeliveryStatus.PENDING, DeliveryStatus.ACKNOWLEDGED)
    for current, new in (
        (DeliveryStatus.ACKNOWLEDGED, DeliveryStatus.FAILED),
        (DeliveryStatus.ACKNOWLEDGED, DeliveryStatus.DELIVERED),
        (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED),
        (DeliveryStatus.FAILED, DeliveryStatus.PENDING),
    ):
        with pytest.raises(IllegalDeliveryTransition, match=f"cannot become {new.value}"):
            check_transition(7, current, new)


async def test_an_illegal_delivery_move_is_refused_and_changes_nothing(
    api: Api, engine: AsyncEngine
) -> None:
    police = await service_key(api, "102")
    await routed_card(api, ["102"])
    (item,) = (await api.get("/api/v1/feeds/102/cards", headers=police)).json()["items"]
    ack = await api.post("/api/v1/feeds/102/ack", headers=police, json={"cursor": item["cursor"]})
    assert ack.json()["acknowledged"] == 1
    before = await fingerprint(engine)
    cursor = item["cursor"]
    sessions = session_factory(engine)
    for to, match in (
        (DeliveryStatus.FAILED, "is acknowledged; it cannot become failed"),
        (DeliveryStatus.DELIVERED, "is acknowledged; it cannot become delivered"),
        (DeliveryStatus.PENDING, "no delivery may become pending"),
    ):
        async with sessions() as session:
            with pytest.raises(IllegalDeliveryTransition, match=match):
                await move(session, to, OUTBOX.c.id == cursor, require=[cursor])
            await session.rollback()
    async with sessions() as session:
        with pytest.raises(NotFound):
            await move(session, DeliveryStatus.FAILED, OUTBOX.c.id == 10**9, require=[10**9])
        # Without ``require`` the acknowledged row is simply not moved.
        assert await move(session, DeliveryStatus.FAILED, OUTBOX.c.id == cursor) == []
        # Acknowledging again is not a change, and not an error.
        again = await outbox.acknowledge(
            session, "102", via="pull", now=datetime.now(UTC), cursors=[cursor]
        )
        assert again == 0
        await session.commit()
    assert await fingerprint(engine) == before


async def test_a_late_webhook_failure_never_unacknowledges_a_card(
    api: Api, engine: AsyncEngine
) -> None:
    ambulance = await service_key(api, "103")
    card = await routed_card(api, ["103"])
    await api.get("/api/v1/feeds/103/cards", headers=ambulance)  # sent: a report acknowledges it
    report = await api.post(
        f"/api/v1/feeds/103/cards/{card['id']}/status",
        headers=ambulance,
        json={"status": "received", "at": datetime.now(UTC).isoformat()},
    )
    assert report.status_code == 201, report.text
    async with session_factory(engine)() as session, session.begin():
        moved = await move(
            session,
            DeliveryStatus.FAILED,
            OUTBOX.c.card_id == uuid.UUID(str(card["id"])),
            values={"last_error": "HTTP 503"},
        )
        assert moved == []
        status = await session.scalar(
            select(Delivery.status).where(Delivery.card_id == uuid.UUID(str(card["id"])))
        )
    assert status == DeliveryStatus.ACKNOWLEDGED.value


async def test_every_acknowledgement_path_emits_one_event_of_one_shape(
    settings: Settings, engine: AsyncEngine, receivers: list[Receiver]
) -> None:
    police_hook = receivers[0]
    async with running_api(settings) as api:
        bus = api.runtime.bus
        assert isinstance(bus, InProcessBus)
        acks = bus.subscribe("feed.acknowledged")
        police = await service_key(api, "102")
        ambulance = await service_key(api, "103")

        pulled_card = await routed_card(api, ["102"])
        items = (await api.get("/api/v1/feeds/102/cards", headers=police)).json()["items"]
        await api.post("/api/v1/feeds/102/ack", headers=police, json={"cursor": items[0]["cursor"]})
        (pull,) = _drain(acks)

        reported = await routed_card(api, ["103"])
        await api.get("/api/v1/feeds/103/cards", headers=ambulance)  # what a report acknowledges
        await api.post(
            f"/api/v1/feeds/103/cards/{reported['id']}/status",
            headers=ambulance,
            json={"status": "received", "at": datetime.now(UTC).isoformat()},
        )
        (status,) = _drain(acks)

        handed = await routed_card(api, ["104"])
        await api.post(
            f"/api/v1/cards/{handed['id']}/handoffs",
            user="operator1",
            json={"service": "104", "contact": "navbatchi"},
        )
        (handoff,) = _drain(acks)

        await api.patch("/api/v1/services/101", user="admin", json={"webhook_url": police_hook.url})
        pushed = await routed_card(api, ["101"])

        async def one_webhook_ack() -> list[Event] | None:
            found = _drain(acks)
            return found or None

        webhook = await eventually(one_webhook_ack, what="the webhook's acknowledgement")
        await acks.close()
    assert len(webhook) == 1
    shapes = {"pull": pull, "status": status, "manual": handoff, "webhook": webhook[0]}
    for via, event in shapes.items():
        assert set(event.payload) == ACK_KEYS, via
        assert event.payload["via"] == via
        assert event.payload["count"] == 1 == len(event.payload["cursors"])
        assert event.payload["cursor"] == event.payload["cursors"][-1]
    assert pull.payload["card_ids"] == [pulled_card["id"]]
    assert status.payload["card_ids"] == [reported["id"]]
    assert handoff.payload["card_ids"] == [handed["id"]]
    assert webhook[0].payload["card_ids"] == [pushed["id"]]
    assert {e.payload["service"] for e in shapes.values()} == {"101", "102", "103", "104"}
    async with session_factory(engine)() as session:
        open_rows = await session.scalar(
            select(Delivery.id).where(Delivery.status != DeliveryStatus.ACKNOWLEDGED.value)
        )
    assert open_rows is None


async def test_a_webhook_claim_takes_the_due_head_of_the_line_in_order(
    api: Api, engine: AsyncEngine
) -> None:
    cards = [await routed_card(api, ["102"]) for _ in range(3)]
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        # The second row backs off: only the first may go, never the third past it.
        second = (await session.scalars(select(Delivery.id).order_by(Delivery.id))).all()[1]
        await session.execute(
            update(Delivery)
            .where(Delivery.id == second)
            .values(next_attempt_at=now.replace(year=now.year + 1))
        )
    async with sessions() as session, session.begin():
        claimed = await claim(session, "102", now, 10.0)
        assert [str(c.card_id) for c in claimed] == [cards[0]["id"]]
        assert claimed[0].attempts == 1
        # Leased: a second claimer finds the head taken and claims nothing.
        assert await claim(session, "102", now, 10.0) == []
