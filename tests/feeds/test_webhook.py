"""Webhook push to two real HTTP receivers, one down for a while, across a server restart."""

from __future__ import annotations

import pytest

import cardschema
from dispatch.core.settings import Settings
from dispatch.feeds.delivery import signature
from tests.feeds.conftest import Receiver, routed_card
from tests.fixtures.api import Api, running_api
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio

SECRETS = {"102": "police-secret-0123456789", "103": "ambulance-secret-0123456789"}
PLACES = {
    "UZ-SA": {"lat": 39.6542, "lon": 66.9597},  # Samarqand
    "UZ-QR": {"lat": 42.4619, "lon": 59.6003},  # Nukus
    "UZ-TK": {"lat": 41.2995, "lon": 69.2401},  # Toshkent
}


async def _acknowledged(api: Api, want: dict[str, int]) -> dict[str, int]:
    """Acknowledged deliveries per service, once at least ``want`` are."""

    async def counts() -> dict[str, int] | None:
        status = (await api.get("/api/v1/feeds/status", user="supervisor1")).json()
        found = {s["service"]: s["acknowledged"] for s in status}
        return found if all(found.get(code, 0) >= n for code, n in want.items()) else None

    return await eventually(counts, what=f"acknowledged deliveries {want}")


async def _failed_head(api: Api, service: str) -> bool:
    deliveries = await api.get(f"/api/v1/feeds/deliveries?service={service}", user="supervisor1")
    return any(d["status"] == "failed" for d in deliveries.json())


async def test_cards_reach_both_receivers_in_order_signed_and_survive_a_restart(
    settings: Settings, receivers: list[Receiver]
) -> None:
    police, ambulance = receivers
    ambulance.failing = True
    fast = settings.model_copy(update={"feed_retry_base_s": 0.05, "feed_retry_max_s": 0.2})
    async with running_api(fast) as api:
        for code, receiver in (("102", police), ("103", ambulance)):
            response = await api.patch(
                f"/api/v1/services/{code}",
                user="admin",
                json={"webhook_url": receiver.url, "webhook_secret": SECRETS[code]},
            )
            assert response.status_code == 200, response.text
        # Three cards in three regions: each service's unit must be the one covering it.
        cards = [
            await routed_card(api, ["102", "103"], location=place) for place in PLACES.values()
        ]
        await eventually(lambda: len(police.bodies()) == 3, what="police receiving 3 bodies")
        # The receiver has the body before the server records its answer: wait for that too.
        acknowledged = await _acknowledged(api, want={"102": 3})
        # The ambulance receiver is down: its deliveries wait, counted as failed attempts.
        assert acknowledged.get("103", 0) == 0
        # Wait until the head of its line was tried and failed (polling the API is the point).
        await eventually(lambda: _failed_head(api, "103"), what="103's head tried and failed")
    # The server stops and starts again; the receiver comes back.
    ambulance.failing = False
    async with running_api(fast) as api:
        await eventually(lambda: len(ambulance.bodies()) == 3, what="ambulance receiving 3 bodies")
        assert await _acknowledged(api, want={"102": 3, "103": 3}) == {"102": 3, "103": 3}
    for code, receiver in (("102", police), ("103", ambulance)):
        got = receiver.bodies()
        assert [r.headers["X-Card-Id"] for r in got] == [c["id"] for c in cards]  # in order
        for received, region in zip(got, PLACES, strict=True):
            assert received.headers["X-Signature"] == signature(received.body, SECRETS[code])
            card = cardschema.parse(received.body)
            assert str(card.id) == received.headers["X-Card-Id"]
            units = {s.code: s.unit.code if s.unit else None for s in card.services}
            assert units == {"102": f"{region}-102", "103": f"{region}-103"}
    assert {r.headers["X-Redelivery"] for r in police.bodies()} == {"false"}
    # Only the head of the ambulance's line was tried while it was down (order is kept), so
    # only that card arrives marked as a redelivery.
    assert [r.headers["X-Redelivery"] for r in ambulance.bodies()] == ["true", "false", "false"]


async def test_a_card_whose_answer_was_lost_is_sent_again_marked_as_redelivery(
    settings: Settings, receivers: list[Receiver]
) -> None:
    receiver = receivers[0]
    receiver.stall_once_s = 1.0
    fast = settings.model_copy(update={"feed_retry_base_s": 0.05, "feed_webhook_timeout_s": 0.3})
    async with running_api(fast) as api:
        await api.patch("/api/v1/services/102", user="admin", json={"webhook_url": receiver.url})
        card = await routed_card(api, ["102"])
        await eventually(lambda: len(receiver.bodies()) == 2, what="receiver receiving 2 bodies")
        deliveries = await api.get("/api/v1/feeds/deliveries?service=102", user="supervisor1")
        assert deliveries.json()[0]["attempts"] >= 2
    got = receiver.bodies()
    assert [r.headers["X-Card-Id"] for r in got] == [card["id"], card["id"]]
    assert [r.headers["X-Redelivery"] for r in got] == ["false", "true"]
    assert "X-Signature" not in got[0].headers  # no secret configured: unsigned


async def test_a_receiver_that_hangs_holds_back_only_its_own_service(
    settings: Settings, receivers: list[Receiver]
) -> None:
    police, ambulance = receivers
    ambulance.stall_once_s = 3.0  # answers only after 3 s: the ambulance's line waits
    async with running_api(settings) as api:
        for code, receiver in (("102", police), ("103", ambulance)):
            response = await api.patch(
                f"/api/v1/services/{code}", user="admin", json={"webhook_url": receiver.url}
            )
            assert response.status_code == 200, response.text
        await routed_card(api, ["103"])  # the ambulance's receiver takes it and stalls
        await eventually(lambda: len(ambulance.bodies()) == 1, what="ambulance receiving 1 body")
        card = await routed_card(api, ["102"])
        # The police get their card and acknowledge it while the ambulance's answer is still
        # outstanding (nothing recorded for it yet): one hanging receiver stalls only itself.
        await _acknowledged(api, want={"102": 1})
        outstanding = (
            await api.get("/api/v1/feeds/deliveries?service=103", user="supervisor1")
        ).json()
        assert [(d["status"], d["attempts"]) for d in outstanding] == [("pending", 1)]
        assert [r.headers["X-Card-Id"] for r in police.bodies()] == [card["id"]]
        assert await _acknowledged(api, want={"102": 1, "103": 1}) == {"102": 1, "103": 1}
