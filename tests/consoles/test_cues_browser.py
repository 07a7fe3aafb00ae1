"""Cues in text in the operator console (issue 25), in Debian's headless Chromium: an SMS
"onam nafas olmayapti" offers the CPR protocol first, with the caller's words shown, and Alt+Y
starts it."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.consoles.conftest import post_call
from tests.consoles.pages import Shots, available_operator
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

_shot = Shots("operator-console")


async def test_an_sms_saying_mother_is_not_breathing_offers_cpr_with_its_words(
    browser: Browser, server: Live
) -> None:
    page = await available_operator(browser, f"{server.http}/operator/")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        await post_call(
            http, channel="sms", caller_number="+998935550911", text="onam nafas olmayapti"
        )
        await expect(page.locator("#offer")).to_be_visible()
        await page.keyboard.press("Alt+A")
        await expect(page.locator("#card-number")).to_be_visible()
        first = page.locator("#protocol-panel .protocol-offer").first
        await expect(first).to_have_attribute("data-code", "cardiac_arrest")
        await expect(first.locator(".protocol-cue")).to_contain_text("«nafas olmayapti»")
        await _shot(page, "protocol-cue")
        await page.keyboard.press("Alt+Y")
        await expect(page.locator("#protocol-step")).to_be_visible()
        await expect(page.locator("#protocol-step")).to_have_attribute("data-node", "awake")
    await page.close()
