"""A service's feed as a benchmark reads it: its whole backlog in pages, and what the outbox
says about a card that never arrived."""

from __future__ import annotations

import time

import httpx

from benchmarks.harness.stats import Latencies


async def catch_up_feed(
    http: httpx.AsyncClient, headers: dict[str, str], service: str
) -> dict[str, float | int | None]:
    """Pull a service's whole backlog in pages of 500: cards per second and time per page."""
    pages = Latencies()
    cards, after = 0, 0
    started = time.perf_counter()
    while True:
        before = time.perf_counter()
        response = await http.get(
            f"/api/v1/feeds/{service}/cards", params={"after": after, "limit": 500}, headers=headers
        )
        response.raise_for_status()
        page = response.json()
        if not page["items"]:
            break
        if len(page["items"]) == 500:
            pages.values.append(time.perf_counter() - before)
        cards += len(page["items"])
        after = page["next_cursor"]
    seconds = time.perf_counter() - started
    return {
        "cards": cards,
        "cards_per_s": round(cards / seconds),
        "page_of_500_p50_ms": pages.summary()["p50_ms"],
    }


async def where_is(
    http: httpx.AsyncClient, admin: dict[str, str], service: str, card_id: str, cursor: int
) -> str:
    """What the outbox says about a routed card the feed consumer never saw."""
    response = await http.get(
        "/api/v1/feeds/deliveries",
        params={"service": service, "card_id": card_id},
        headers=admin,
    )
    rows = response.json() if response.status_code == 200 else []
    found = ", ".join(f"cursor {r['id']} {r['status']}" for r in rows) or "no outbox row"
    return f"card {card_id}: {found}; the consumer's cursor is {cursor}"
