"""The card's revision 1.2 fields in the operator console, in Debian's headless Chromium: the
caller's conditions, the address in parts, persons and vehicles filled, changed and removed
with the keyboard, every field labelled, each saved on the card, and no WCAG violation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.consoles.conftest import post_call, sign_in
from tests.consoles.pages import open_page, sign_in_page
from tests.consoles.test_accessibility_browser import _violations
from tests.fixtures.live import Live
from tests.fixtures.waiting import eventually

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]


async def _card(http: httpx.AsyncClient, token: str, card_id: str) -> dict[str, Any]:
    response = await http.get(
        f"/api/v1/cards/{card_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    card: dict[str, Any] = response.json()
    return card


async def _unlabelled(page: Page, scope: str) -> list[str]:
    """The form controls in ``scope`` without a label that names them."""
    found: list[str] = await page.evaluate(
        """(scope) => [...document.querySelectorAll(`${scope} input, ${scope} select,
            ${scope} button`)].filter((c) => {
                const named = c.getAttribute("aria-label") || (c.labels && [...c.labels]
                    .some((l) => l.textContent.trim())) || (c.tagName === "BUTTON"
                    && c.textContent.trim());
                return !named;
            }).map((c) => c.id || c.outerHTML)""",
        scope,
    )
    return found


async def test_an_operator_fills_persons_vehicles_address_and_conditions_by_keyboard(
    browser: Browser, server: Live
) -> None:
    page = await open_page(browser, f"{server.http}/operator/", bypass_csp=True)
    await sign_in_page(page, "operator1")
    await page.keyboard.press("Alt+1")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        await post_call(http, caller_number="+998935550412")
        await expect(page.locator("#offer")).to_be_visible()
        await page.keyboard.press("Alt+A")
        await expect(page.locator("#card-number")).to_be_visible()
        card_id = await page.evaluate("window.dispatchConsole.activeCardId")
        assert card_id

        # The caller's conditions: Space ticks a box.
        await page.locator("#condition-hearing_impaired").focus()
        await page.keyboard.press("Space")
        await expect(page.locator("#condition-hearing_impaired")).to_be_checked()
        # The address in parts: typed, each committed with Enter.
        for part, value in (
            ("street", "Registon ko‘chasi"),
            ("flat", "45"),
            ("mahalla", "Registon"),
        ):
            field = page.locator(f'[id="f-location.structured_address.{part}"]')
            await field.focus()
            await page.keyboard.type(value)
            await page.keyboard.press("Enter")

        # A person: Enter on "add", then the fields, each committed with Enter.
        await page.locator("#add-persons").focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#persons-0-role")).to_be_focused()
        await page.locator("#persons-0-name").focus()
        await page.keyboard.type("Malika Karimova")
        await page.keyboard.press("Enter")
        await page.locator("#persons-0-age").focus()
        await page.keyboard.type("7")
        await page.keyboard.press("Enter")
        await page.locator("#persons-0-sex").select_option("female")
        # A second person, a suspect, then removed again.
        await page.locator("#add-persons").focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#persons-1-role")).to_be_focused()
        await page.locator("#persons-1-role").select_option("suspect")
        # A vehicle with its plate.
        await page.locator("#add-vehicles").focus()
        await page.keyboard.press("Enter")
        await page.locator("#vehicles-0-plate").focus()
        await page.keyboard.type("01 A 777 BC")
        await page.keyboard.press("Enter")

        async def filled() -> dict[str, Any] | None:
            card = await _card(http, token, card_id)
            persons = card.get("persons", [])
            done = (
                len(persons) == 2
                and persons[1]["role"] == "suspect"
                and persons[0]["sex"] == "female"
                and card.get("vehicles", [{}])[0].get("plate") == "01 A 777 BC"
                and card["location"].get("structured_address", {}).get("mahalla") == "Registon"
            )
            return card if done else None

        card = await eventually(filled, what="persons, vehicle and address saved")
        assert card["caller"]["conditions"] == ["hearing_impaired"]
        assert card["persons"][0] == {
            "role": "victim",
            "name": "Malika Karimova",
            "age": 7,
            "age_band": None,
            "sex": "female",
            "condition": None,
            "description": None,
        }
        assert card["location"]["structured_address"]["street"] == "Registon ko‘chasi"
        assert card["location"]["structured_address"]["flat"] == "45"

        assert await _unlabelled(page, "#parties") == []
        assert await _unlabelled(page, "#address-parts") == []
        assert await _unlabelled(page, "#caller-conditions") == []
        assert await _violations(page) == []

        # The suspect removed with the keyboard: Enter on its remove button.
        await page.locator("#persons-1-remove").focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#persons-rows .party-row")).to_have_count(1)
        await expect(page.locator("#add-persons")).to_be_focused()

        async def removed() -> dict[str, Any] | None:
            card = await _card(http, token, card_id)
            return card if len(card.get("persons", [])) == 1 else None

        card = await eventually(removed, what="the suspect removed")
        assert card["persons"][0]["name"] == "Malika Karimova"
        # What the card holds is what the form shows after a reload.
        await page.reload()
        await expect(page.locator("#persons-0-name")).to_have_value("Malika Karimova")
        await expect(page.locator("#vehicles-0-plate")).to_have_value("01 A 777 BC")
        await expect(page.locator('[id="f-location.structured_address.flat"]')).to_have_value("45")
        await expect(page.locator("#condition-hearing_impaired")).to_be_checked()
