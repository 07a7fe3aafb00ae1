"""The card's files in the operator console (issue 23), in Debian's headless Chromium: the
operator attaches a photo to the card and it is listed on it; a file the server refuses (not a
photo or video) is said and changes nothing."""

from __future__ import annotations

import base64

import httpx
import pytest
from playwright.async_api import Browser, FilePayload, expect

from tests.consoles.conftest import post_call, sign_in
from tests.consoles.pages import available_operator
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

# A 1×1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


async def test_the_operator_attaches_a_photo_to_the_card_and_a_text_file_is_refused(
    browser: Browser, server: Live
) -> None:
    page = await available_operator(browser, f"{server.http}/operator/")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        await post_call(http, caller_number="+998935550933")
        await expect(page.locator("#offer")).to_be_visible()
        await page.keyboard.press("Alt+A")
        await expect(page.locator("#card-number")).to_be_visible()
        await expect(page.locator("#card-file-list")).to_contain_text("Fayllar yo‘q")
        await page.set_input_files(
            "#attach-file", files=[FilePayload(name="fire.png", mimeType="image/png", buffer=PNG)]
        )
        listed = page.locator("#card-file-list .card-file")
        await expect(listed).to_have_count(1)
        await expect(listed).to_contain_text("fire.png")
        await page.set_input_files(
            "#attach-file",
            files=[FilePayload(name="notes.txt", mimeType="text/plain", buffer=b"hello")],
        )
        await expect(page.locator("#toast")).to_have_class("toast error")
        await expect(listed).to_have_count(1)
        card_id = await page.evaluate("window.dispatchConsole.activeCardId")
        token = await sign_in(http, "operator1")
        card = await http.get(
            f"/api/v1/cards/{card_id}", headers={"Authorization": f"Bearer {token}"}
        )
        assert [a["file_name"] for a in card.json()["attachments"]] == ["fire.png"]
    await page.close()
