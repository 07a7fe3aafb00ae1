"""Where the incident is, set by the operator in the console (issue 19), in Debian's headless
Chromium: region then district chosen by keyboard alone and by mouse on a card without a
location, one card version per choice however many arrow keys moved through the lists; a point
placed on the map with a click and moved by dragging it becomes the operator's own confirmed
location; an AML position shows its uncertainty (circle and metres) until Alt+K confirms it.

PATCHes are counted from the page's own requests, and the card's version read through the API.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, Request, expect

from tests.consoles.conftest import post_call, sign_in
from tests.consoles.pages import Shots, available_operator
from tests.fixtures.live import Live
from tests.fixtures.waiting import eventually

_shot = Shots("operator-console")
UI = Path(__file__).resolve().parents[2] / "dispatch" / "web" / "common" / "js"
REGION = '[id="f-location.region"]'
DISTRICT = '[id="f-location.district"]'


class Patches:
    """The card PATCHes the page sends (each one a card version when it succeeds)."""

    def __init__(self, page: Page) -> None:
        self.sent: list[str] = []
        page.on("request", self._seen)

    def _seen(self, request: Request) -> None:
        if request.method == "PATCH" and "/api/v1/cards/" in request.url:
            self.sent.append(request.post_data or "")


async def _card(http: httpx.AsyncClient, token: str, card_id: str) -> dict[str, Any]:
    response = await http.get(
        f"/api/v1/cards/{card_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    card: dict[str, Any] = response.json()
    return card


async def _on_a_call(
    browser: Browser, server: Live, http: httpx.AsyncClient, **call: Any
) -> tuple[Page, str]:
    """The operator's console with the card of an accepted call open."""
    page = await available_operator(browser, f"{server.http}/operator/")
    await post_call(http, caller_number="+998935550321", **call)
    await expect(page.locator("#offer")).to_be_visible()
    await page.keyboard.press("Alt+A")
    await expect(page.locator("#card-number")).to_be_visible()
    card_id: str = await page.evaluate("window.dispatchConsole.activeCardId")
    assert card_id
    return page, card_id


async def _settled(page: Page) -> None:
    """Long enough for any save a key press would have sent to be on its way."""
    await page.wait_for_timeout(400)


@pytest.mark.asyncio
@pytest.mark.browser
async def test_region_then_district_by_keyboard_alone_is_one_version_per_choice(
    browser: Browser, server: Live
) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        page, card_id = await _on_a_call(browser, server, http, location=None)
        before = await _card(http, token, card_id)
        assert before["location"]["region"] is None
        patches = Patches(page)

        # From the address (Alt+L), Tab to the region; arrows move through the list.
        await page.keyboard.press("Alt+L")
        await page.keyboard.press("Tab")
        await expect(page.locator(REGION)).to_be_focused()
        for _ in range(5):
            await page.keyboard.press("ArrowDown")
        await _settled(page)
        assert patches.sent == [], "moving through the regions saved the card"
        region = await page.locator(REGION).input_value()
        assert region
        await page.keyboard.press("Enter")

        # Tab to the district: its list is the chosen region's at once.
        await page.keyboard.press("Tab")
        await expect(page.locator(DISTRICT)).to_be_focused()
        await expect(page.locator(f"{DISTRICT} option")).not_to_have_count(1)
        for _ in range(3):
            await page.keyboard.press("ArrowDown")
        await page.keyboard.press("ArrowUp")
        await page.keyboard.type("s")  # typing jumps to a name, as a step too
        await _settled(page)
        assert len(patches.sent) == 1, patches.sent
        district = await page.locator(DISTRICT).input_value()
        assert district.startswith(f"{region}-")
        await page.keyboard.press("Enter")
        await page.keyboard.press("Tab")  # leaving after Enter saves nothing more

        async def chosen() -> dict[str, Any] | None:
            card = await _card(http, token, card_id)
            return card if card["location"]["district"] else None

        card = await eventually(chosen, what="the district saved on the card", within=20)
        await _settled(page)
        assert card["location"]["region"]["code"] == region
        assert card["location"]["district"]["code"] == district
        assert len(patches.sent) == 2, patches.sent
        after = await _card(http, token, card_id)
        assert after["version"] == before["version"] + 2
        await expect(page.locator(DISTRICT)).to_have_value(district)
        await expect(page.locator("#map path.district.chosen")).to_have_attribute(
            "data-code", district
        )
        assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.asyncio
@pytest.mark.browser
async def test_region_then_district_by_mouse(browser: Browser, server: Live) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        page, card_id = await _on_a_call(browser, server, http, location=None)
        before = await _card(http, token, card_id)
        patches = Patches(page)

        await page.locator(REGION).click()
        await page.locator(REGION).select_option("UZ-TK")
        await expect(page.locator(f'{DISTRICT} option[value="UZ-TK-chilonzor"]')).to_have_count(1)
        await page.locator(DISTRICT).click()
        await page.locator(DISTRICT).select_option("UZ-TK-chilonzor")
        await page.locator("#note").click()  # leaving the field saves nothing more

        async def chosen() -> dict[str, Any] | None:
            card = await _card(http, token, card_id)
            return card if card["location"]["district"] else None

        card = await eventually(chosen, what="the district saved on the card", within=20)
        await _settled(page)
        assert card["location"]["region"]["code"] == "UZ-TK"
        assert card["location"]["district"]["code"] == "UZ-TK-chilonzor"
        assert len(patches.sent) == 2, patches.sent
        assert (await _card(http, token, card_id))["version"] == before["version"] + 2
        await expect(page.locator(REGION)).to_have_value("UZ-TK")
        await expect(page.locator(DISTRICT)).to_have_value("UZ-TK-chilonzor")


@pytest.mark.asyncio
@pytest.mark.browser
async def test_a_region_moved_through_but_not_chosen_is_not_saved_on_the_next_card(
    browser: Browser, server: Live
) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        page, card_id = await _on_a_call(browser, server, http, location=None)
        own = await sign_in(http, "operator1")
        made = await http.post("/api/v1/cards", headers={"Authorization": f"Bearer {own}"}, json={})
        assert made.status_code == 201, made.text
        other = made.json()["id"]
        await expect(page.locator("#card-list li")).to_have_count(2)
        patches = Patches(page)

        await page.locator(REGION).focus()
        for _ in range(3):
            await page.keyboard.press("ArrowDown")
        await page.keyboard.press("Alt+ArrowDown")  # on to the other card (the form is rebuilt)
        await expect(page.locator("#card-number")).to_contain_text(made.json()["number"])
        await _settled(page)
        assert patches.sent == []
        for card in (card_id, other):
            assert (await _card(http, token, card))["location"]["region"] is None


async def _centre(page: Page, selector: str) -> tuple[float, float]:
    box = await page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.asyncio
@pytest.mark.browser
async def test_a_point_placed_and_dragged_on_the_map_is_the_operators_confirmed_location(
    browser: Browser, server: Live
) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        page, card_id = await _on_a_call(browser, server, http, location=None)
        patches = Patches(page)

        # No location yet: the whole country is drawn, and a click places the point.
        region = page.locator('#map path[data-code="UZ-TK"]')
        await expect(region).to_be_visible()
        # A locator's click waits until the map stops moving (the panels above it settle as
        # the call's parts arrive) and checks that the point it clicks is the region's.
        await region.click()

        async def placed() -> dict[str, Any] | None:
            card = await _card(http, token, card_id)
            return card if card["location"]["lat"] is not None else None

        card = await eventually(placed, what="the point saved on the card", within=20)
        where = card["location"]
        assert (where["source"], where["confirmed"], where["radius_m"]) == ("operator", True, None)
        assert where["region"]["code"] == "UZ-TK"
        await _settled(page)  # the page's request events reach the test a moment later
        assert len(patches.sent) == 1, patches.sent
        await expect(page.locator("#map-point")).to_be_visible()
        await expect(page.locator("#map-point-area")).to_have_count(0)
        await expect(page.locator("#location-confirmed")).to_have_class("ok")
        await expect(page.locator("#confirm-location")).to_have_count(0)
        await expect(page.locator("#confirmed-point")).not_to_contain_text("null")
        await _shot(page, "31-point-placed")

        # Drag the point into another district: one save when it is let go.
        target = page.locator(
            f'#map path.district:not([data-code="{where["district"]["code"]}"])'
        ).first
        code = await target.get_attribute("data-code")
        x, y = await _centre(page, "#map-point")
        tx, ty = await _centre(page, f'#map path[data-code="{code}"]')
        await page.mouse.move(x, y)
        await page.mouse.down()
        await page.mouse.move(tx, ty, steps=12)
        await page.mouse.up()

        async def moved() -> dict[str, Any] | None:
            card = await _card(http, token, card_id)
            return card if card["location"]["lat"] != where["lat"] else None

        card = await eventually(moved, what="the dragged point saved", within=20)
        assert (card["location"]["source"], card["location"]["confirmed"]) == ("operator", True)
        await _settled(page)
        assert len(patches.sent) == 2, patches.sent
        assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.asyncio
@pytest.mark.browser
async def test_an_aml_position_shows_its_radius_until_alt_k_confirms_it(
    browser: Browser, server: Live
) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        aml = {"lat": 39.6542, "lon": 66.9597, "radius_m": 350, "source": "aml"}
        page, card_id = await _on_a_call(browser, server, http, location=aml)
        where = (await _card(http, token, card_id))["location"]
        assert (where["source"], where["confirmed"], where["radius_m"]) == ("aml", False, 350)
        patches = Patches(page)

        await expect(page.locator("#map-point-area")).to_be_visible()
        await expect(page.locator("#map-uncertainty")).to_contain_text("350 m")
        await expect(page.locator("#confirmed-point")).to_contain_text("350 m")
        await expect(page.locator("#confirm-location")).to_contain_text("Alt+K")
        await _shot(page, "30-aml-uncertainty")

        await page.locator("#note").focus()  # Alt+K works while typing in a field
        await page.keyboard.press("Alt+K")

        async def confirmed() -> dict[str, Any] | None:
            card = await _card(http, token, card_id)
            return card if card["location"]["confirmed"] else None

        card = await eventually(confirmed, what="the location confirmed", within=20)
        # Confirmed as it is: the same point, its source and radius kept.
        assert {k: card["location"][k] for k in aml} == aml
        await _settled(page)
        assert len(patches.sent) == 1, patches.sent
        await expect(page.locator("#location-confirmed")).to_have_class("ok")
        await expect(page.locator("#map-point-area")).to_have_count(0)
        await expect(page.locator("#map-uncertainty")).to_have_count(0)
        await expect(page.locator("#confirm-location")).to_have_count(0)
        await page.keyboard.press("Alt+K")  # nothing left to confirm: no save
        await _settled(page)
        assert len(patches.sent) == 1, patches.sent


@pytest.mark.asyncio
@pytest.mark.browser
async def test_the_map_point_by_keyboard_confirms_moves_and_saves_and_says_where_it_is(
    browser: Browser, server: Live
) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        aml = {"lat": 39.6542, "lon": 66.9597, "radius_m": 350, "source": "aml"}
        page, card_id = await _on_a_call(browser, server, http, location=aml)
        patches = Patches(page)
        status = page.locator("#map-status")
        await expect(page.locator("#map-point-area")).to_be_visible()

        # Alt+J: the map has the focus and says where the point is and what the keys do.
        await page.locator("#note").focus()
        await page.keyboard.press("Alt+J")
        await expect(page.locator("#map")).to_be_focused()
        assert await page.locator("#map").get_attribute("aria-label") == (
            "Xarita. Strelkalar nuqtani suradi, Enter uni saqlaydi yoki joylashuvni tasdiqlaydi"
        )
        await expect(status).to_contain_text("Kenglik 39,65420, uzunlik 66,95970")
        await expect(status).to_contain_text("Strelkalar nuqtani suradi")

        # Enter on the untouched point confirms the location as it is.
        await page.keyboard.press("Enter")

        async def confirmed() -> dict[str, Any] | None:
            card = await _card(http, token, card_id)
            return card if card["location"]["confirmed"] else None

        card = await eventually(confirmed, what="the location confirmed by Enter", within=20)
        assert {k: card["location"][k] for k in aml} == aml
        await expect(status).to_contain_text("Joylashuv tasdiqlandi")
        await expect(page.locator("#map-point-area")).to_have_count(0)
        await _settled(page)
        assert len(patches.sent) == 1, patches.sent

        # Arrows move the point without saving; each step is said; Escape puts it back.
        dot = page.locator("#map-point")
        start = (await dot.get_attribute("cx"), await dot.get_attribute("cy"))
        await page.keyboard.press("ArrowRight")
        await expect(status).to_contain_text("Enter bu nuqtani saqlaydi")
        await expect(status).not_to_contain_text("uzunlik 66,95970")
        assert (await dot.get_attribute("cx"), await dot.get_attribute("cy")) != start
        await page.keyboard.press("Escape")
        await expect(status).to_contain_text("Nuqta qaytarildi")
        await expect(page.locator("#map-point")).to_have_attribute("cx", start[0] or "")
        await expect(page.locator("#map")).to_be_focused()
        await _settled(page)
        assert len(patches.sent) == 1, patches.sent

        # Right twice, down once (Shift: a small step), Enter: one save, the operator's point.
        for key in ("ArrowRight", "ArrowRight", "Shift+ArrowDown"):
            await page.keyboard.press(key)
        await expect(status).to_contain_text("Enter bu nuqtani saqlaydi")
        await _settled(page)
        assert len(patches.sent) == 1, patches.sent
        await page.keyboard.press("Enter")

        async def moved() -> dict[str, Any] | None:
            card = await _card(http, token, card_id)
            return card if card["location"]["source"] == "operator" else None

        card = await eventually(moved, what="the point moved by keyboard saved", within=20)
        where = card["location"]
        assert where["lon"] > aml["lon"]
        assert where["lat"] < aml["lat"]
        assert (where["confirmed"], where["radius_m"]) == (True, None)
        assert where["district"] is not None
        await expect(status).to_contain_text("Nuqta saqlandi")
        await _settled(page)
        assert len(patches.sent) == 2, patches.sent
        await _shot(page, "32-point-by-keyboard")
        assert page.errors == []  # type: ignore[attr-defined]


def test_confirm_location_has_a_shortcut_of_its_own() -> None:
    source = (UI / "keys.js").read_text(encoding="utf-8")
    bound = re.findall(r'\{ keys: "([^"]+)", label: "[a-z_]+", action: "(\w+)"', source)
    assert ("Alt+K", "confirmLocation") in bound
    keys = [key for key, _ in bound]
    assert keys.count("Alt+K") == 1
