"""Closing a card from the operator console (issue 19), in Debian's headless Chromium, by the
keyboard: no outcome is chosen for the operator, a contradiction is shown as an error in the
operator's language, and a warning is closed over only once the operator ticks it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.consoles.conftest import post_call, sign_in
from tests.consoles.pages import Shots, available_operator
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

_shot = Shots("operator-console")


async def test_closing_a_card_shows_what_is_wrong_and_asks_for_each_warning(
    browser: Browser, server: Live
) -> None:
    page = await available_operator(browser, f"{server.http}/operator/")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        headers = {"Authorization": f"Bearer {token}"}
        await post_call(http, caller_number="+998935550303")
        await expect(page.locator("#offer")).to_be_visible()
        await page.keyboard.press("Alt+A")
        await expect(page.locator("#card-number")).to_be_visible()
        # A gas smell, its hazard not ticked: a warning the operator may accept.
        await page.keyboard.press("Alt+T")
        await page.keyboard.type("gaz hidi")
        option = page.locator('#type-options li[data-code="gas.smell_indoors"]')
        await expect(option).to_be_visible()
        await option.click()
        await expect(page.locator("#script-steps")).to_contain_text("Chiroqni yoqmang")
        card_id = await page.evaluate("window.dispatchConsole.activeCardId")

        async def card() -> dict[str, Any]:
            answer = await http.get(f"/api/v1/cards/{card_id}", headers=headers)
            assert answer.status_code == 200, answer.text
            found: dict[str, Any] = answer.json()
            return found

        # Escape leaves the dialog and the card as they were.
        await page.keyboard.press("Alt+C")
        dialog = page.locator("#dialog")
        outcome = dialog.locator("#close-outcome")
        await expect(outcome).to_be_focused()
        await page.keyboard.press("Escape")
        await expect(dialog).to_be_hidden()
        version = (await card())["version"]

        # No outcome is chosen for the operator: Enter asks for one.
        await page.keyboard.press("Alt+C")
        await expect(outcome).to_be_focused()
        assert await outcome.input_value() == ""
        await page.keyboard.press("Enter")
        await expect(dialog.locator("#dialog-error")).to_have_text("Natijani tanlang")
        await expect(dialog).to_be_visible()

        # "Dispatched" with nothing routed contradicts the card: an error, in Uzbek.
        await outcome.select_option("dispatched")
        await outcome.focus()
        await page.keyboard.press("Enter")
        contradiction = dialog.locator(
            '.finding.contradiction[data-code="dispatched_without_services"]'
        )
        await expect(contradiction).to_contain_text("Hech qaysi xizmat yuborilmagan")
        await expect(dialog.locator("#dialog-error")).to_contain_text("Karta o‘ziga zid")
        assert (await card())["version"] == version

        # Another outcome forgets that verdict; the server names the warning, to be ticked.
        await outcome.select_option("advice_given")
        await expect(contradiction).to_be_hidden()
        await outcome.focus()
        await page.keyboard.press("Enter")
        warning = dialog.locator('input[data-warning="expected_hazard_missing"]')
        await expect(warning).to_be_focused()
        await expect(
            dialog.locator('.finding.warning[data-code="expected_hazard_missing"]')
        ).to_contain_text("Hodisa turi bildiradigan xavf belgilanmagan")
        await _shot(page, "11-close-warning")
        await page.keyboard.press("Enter")  # not ticked: nothing is sent
        await expect(dialog.locator("#dialog-error")).to_contain_text("belgilang")
        await expect(dialog).to_be_visible()
        assert (await card())["version"] == version

        await page.keyboard.press("Space")
        await expect(warning).to_be_checked()
        await page.keyboard.press("Enter")
        await expect(dialog).to_be_hidden()
        closed = await card()
        assert (closed["status"], closed["outcome"]) == ("closed", "advice_given")
        history = await http.get(f"/api/v1/cards/{card_id}/history", headers=headers)
        assert history.json()[-1]["detail"] == {
            "outcome": "advice_given",
            "acknowledged": ["expected_hazard_missing"],
        }
    assert page.errors == []  # type: ignore[attr-defined]
