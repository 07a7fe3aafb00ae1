"""An operator fills the card faster than the server answers (a loaded server, a slow link):
every field still arrives, each save sent against the version the one before it produced (no
save is refused as stale, which, twice in a row, lost a field). In Debian's headless Chromium,
with the answers about the card held back on the way to the page."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Route, expect

from tests.consoles.conftest import post_call, sign_in
from tests.consoles.pages import open_page, sign_in_page
from tests.fixtures.live import Live
from tests.fixtures.waiting import eventually

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

DELAY_S = 0.6  # longer than the operator takes between two fields


async def _slow_card_saves(route: Route) -> None:
    """Hold back the answer of every card PATCH (the request itself reaches the server)."""
    response = await route.fetch()
    await asyncio.sleep(DELAY_S)
    await route.fulfill(response=response)


async def _card(http: httpx.AsyncClient, token: str, card_id: str) -> dict[str, Any]:
    response = await http.get(
        f"/api/v1/cards/{card_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def test_fields_typed_faster_than_the_server_answers_are_all_saved(
    browser: Browser, server: Live
) -> None:
    page = await open_page(browser, f"{server.http}/operator/")
    await sign_in_page(page, "operator1")
    await page.keyboard.press("Alt+1")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    await page.route("**/api/v1/cards/*", _slow_card_saves)
    clashes: list[str] = []  # saves the server refused as made against an older version
    page.on(
        "response",
        lambda response: (
            clashes.append(response.url)
            if response.status == 409 and response.request.method == "PATCH"
            else None
        ),
    )
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        await post_call(http, caller_number="+998935550199")
        await expect(page.locator("#offer")).to_be_visible()
        await page.keyboard.press("Alt+A")
        await expect(page.locator("#card-number")).to_be_visible()
        card_id = await page.evaluate("window.dispatchConsole.activeCardId")
        assert card_id

        # Victims, then the address, then a description, each committed with Enter while
        # the answer to the one before is still on its way.
        await page.keyboard.press("Alt+V")
        await page.keyboard.type("3")
        await page.keyboard.press("Enter")
        address = page.locator('[id="f-location.address"]')
        await address.fill("Registon ko‘chasi 7")
        await address.press("Enter")
        description = page.locator('[id="f-incident.description"]')
        await description.fill("Uch kishi jabrlangan")
        await description.press("Control+Enter")

        async def all_saved() -> dict[str, Any] | None:
            card = await _card(http, token, card_id)
            incident, location = card["incident"], card["location"]
            complete = (
                incident.get("victims") == 3
                and location.get("address") == "Registon ko‘chasi 7"
                and incident.get("description") == "Uch kishi jabrlangan"
            )
            return card if complete else None

        saved = await eventually(all_saved, what="every field of the card saved", within=20)
        assert saved["version"] >= 4
        assert clashes == [], "saves were sent side by side against the same version"
        for path in ("incident.victims", "location.address", "incident.description"):
            await expect(page.locator(f'[id="f-{path}"]')).not_to_have_class("invalid")
