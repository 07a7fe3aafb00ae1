"""The referral directory in the operator console (issue 25, A2.01), in Debian's headless
Chromium: Alt+Q opens it filtered by the card's region and the call's language, the operator
types to search, moves with ↑ ↓, writes a note and Enter records the referral on the card,
which shows the note; the dialog is labelled and axe-clean."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.consoles.conftest import post_call, sign_in
from tests.consoles.pages import open_page, sign_in_page
from tests.consoles.test_accessibility_browser import _violations
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

SAMARKAND_CENTRE = "Women's rehabilitation and adaptation centre — Samarkand region branch"


async def test_the_operator_finds_a_referral_by_region_and_records_it_on_the_card(
    browser: Browser, server: Live
) -> None:
    page = await open_page(browser, f"{server.http}/operator/", bypass_csp=True)  # for axe
    await sign_in_page(page, "operator1")
    await page.keyboard.press("Alt+1")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        await post_call(http, caller_number="+998935557711")  # voice, Uzbek, in Samarqand
        await expect(page.locator("#offer")).to_be_visible()
        await page.keyboard.press("Alt+A")
        await expect(page.locator("#card-number")).to_be_visible()
        await expect(page.locator("#f-location\\.region")).to_have_value("UZ-SA")

        await page.keyboard.press("Alt+Q")
        dialog = page.locator("#dialog")
        await expect(dialog).to_have_attribute("data-name", "referrals")
        search = dialog.locator("#referral-search")
        await expect(search).to_be_focused()
        # Filtered by the card's region and the call's language by default.
        await expect(dialog.locator("#referral-region")).to_have_value("UZ-SA")
        await expect(dialog.locator("#referral-language")).to_have_value("uz")
        options = dialog.locator("#referral-options [role=option]")
        await expect(options.first).to_contain_text("Samarqand viloyati")  # the region's own
        await expect(options.first).to_have_attribute("aria-selected", "true")
        assert await _violations(page) == []

        # Type to search: the women's centre of Samarqand and the national ones matching.
        await page.keyboard.type("reabilitatsiya")
        await expect(options.first).to_contain_text("Samarqand viloyati bo‘limi")
        await expect(options).to_have_count(2)
        await expect(options.nth(1)).to_contain_text("Respublika")
        await page.keyboard.press("ArrowDown")
        await expect(options.nth(1)).to_have_attribute("aria-selected", "true")
        await expect(search).to_have_attribute("aria-activedescendant", "referral-option-1")
        await page.keyboard.press("ArrowUp")
        await expect(options.first).to_have_attribute("aria-selected", "true")
        for _ in range(5):  # region, language, kind, the list, then the note
            await page.keyboard.press("Tab")
        await expect(dialog.locator("#referral-note")).to_be_focused()
        await page.keyboard.type("Ertaga boradi")
        await page.keyboard.press("Enter")
        await expect(dialog).to_be_hidden()

        expected = f"Referral: {SAMARKAND_CENTRE} — no phone on file (shelter). Ertaga boradi"
        await expect(page.locator("#notes li").last).to_contain_text(expected)
        card_id = await page.evaluate("window.dispatchConsole.activeCardId")
        token = await sign_in(http, "supervisor1")
        card = await http.get(
            f"/api/v1/cards/{card_id}", headers={"Authorization": f"Bearer {token}"}
        )
        assert card.json()["notes"][-1]["text"] == expected
        assert card.json()["notes"][-1]["author"] == "operator1"
    assert page.errors == []  # type: ignore[attr-defined]
    await page.close()
