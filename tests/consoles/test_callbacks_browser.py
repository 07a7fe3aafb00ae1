"""Callbacks on the consoles in Debian's headless Chromium: a call drops, the operator console
shows the dial the ACD started (the gateway got ``originate``) and the supervisor's floor shows
it too; the operator records outcomes, the supervisor cancels a second callback from the panel.
Screenshots go to ``test-artifacts/operator-callbacks/``. Waits are generous and never assert
on time."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.consoles.conftest import call_event, post_call
from tests.consoles.pages import Shots, dropped_and_dialled, open_page, sign_in_page
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

_shot = Shots("operator-callbacks")


async def test_a_dropped_call_is_called_back_from_the_console(
    browser: Browser, server: Live
) -> None:
    page = await open_page(browser, f"{server.http}/operator/")
    supervisor = await open_page(browser, f"{server.http}/supervisor/")
    await sign_in_page(page, "operator1")
    await sign_in_page(supervisor, "supervisor1")
    await page.keyboard.press("Alt+1")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")

    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        # The ACD dials the caller back from operator1's set (they had the call).
        mine = await dropped_and_dialled(page, http, "+998935550177")
        await expect(page.locator("#state")).to_have_attribute("data-state", "on_call")
        await _shot(page, "01-dialling")
        task_id = await mine.get_attribute("data-callback-id")
        floor = supervisor.locator(f'#callbacks tr[data-key="{task_id}"]')
        await expect(floor).to_have_attribute("data-status", "dialing")
        await expect(floor).to_contain_text("+998935550177")
        await _shot(supervisor, "01-floor-dialling")

        await mine.locator('button[data-outcome="reached"]').click()
        await expect(page.locator("#callbacks li.mine")).to_have_count(0)
        await expect(page.locator("#state")).to_have_attribute("data-state", "wrap_up")
        await expect(page.locator("#card-number")).to_be_visible()
        await _shot(page, "02-reached")


async def test_a_supervisor_cancels_a_pending_callback_from_the_floor(
    browser: Browser, server: Live
) -> None:
    supervisor = await open_page(browser, f"{server.http}/supervisor/")
    await sign_in_page(supervisor, "supervisor1")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        # Nobody is available: the abandoned caller's callback waits on the floor.
        call = await post_call(http, caller_number="+998935550188")
        await call_event(http, call["id"], "abandoned")
        row = supervisor.locator('#callbacks tr[data-status="pending"]')
        await expect(row).to_contain_text("+998935550188")
        await row.locator('button[data-action="cancel-callback"]').click()
        await supervisor.locator("#cancel-reason").fill("the caller came in on another line")
        await supervisor.locator("#dialog-form").evaluate("form => form.requestSubmit()")
        await expect(supervisor.locator('#callbacks tr[data-status="pending"]')).to_have_count(0)
        await _shot(supervisor, "02-floor-cancelled")
