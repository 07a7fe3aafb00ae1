"""Wellbeing in the operator console, in Debian's headless Chromium, by the keyboard: an
operator closes a card of violence against a child, is offered a break, cannot take it while
still on the call, and takes it with Alt+B once the call is over (on break in the ACD); the
regulation published meanwhile is a reminder with the training page a click away."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.consoles.conftest import GATEWAY, post_call, sign_in
from tests.consoles.pages import Shots, open_page, sign_in_page
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

_shot = Shots("operator-console")
TITLE = {"uz": "Bolalar bilan ishlash tartibi", "ru": "Порядок работы с детьми", "en": "Children"}


async def test_an_operator_closes_a_traumatic_card_and_takes_the_break_with_the_key(
    browser: Browser, server: Live
) -> None:
    page = await open_page(browser, f"{server.http}/operator/")
    await sign_in_page(page, "operator1")
    await expect(page.locator("#notices")).to_contain_text("Eslatma yo‘q")
    await page.keyboard.press("Alt+1")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        supervisor = {"Authorization": f"Bearer {await sign_in(http, 'supervisor1')}"}
        regulation = {
            "code": "order-children", "kind": "order", "title": TITLE, "summary": TITLE,
            "issued_on": "2026-11-20", "in_force_from": "2026-12-01", "roles": ["operator"],
        }  # fmt: skip
        published = await http.post("/api/v1/regulations", json=regulation, headers=supervisor)
        assert published.status_code == 201, published.text
        await expect(page.locator("#notices-unread")).to_have_text("1 ta hujjatni o‘qish kerak")
        await expect(page.locator("#notices-regulations li")).to_contain_text(TITLE["uz"])
        link = page.locator("#notices-open")
        await expect(link).to_have_attribute("href", "/training/")
        await expect(link).to_have_attribute("rel", "opener")  # the new tab keeps the sign-in

        call = await post_call(http, caller_number="+998935550777")
        await expect(page.locator("#offer")).to_be_visible()
        await page.keyboard.press("Alt+A")
        await expect(page.locator("#card-number")).to_be_visible()
        await page.keyboard.press("Alt+T")
        await page.keyboard.type("bolaga nisbatan")
        option = page.locator('#type-options li[data-code="violence.child_abuse"]')
        await expect(option).to_be_visible()
        await option.click()
        await expect(page.locator("#card")).to_contain_text("Bolaga nisbatan zo‘ravonlik")

        # Closed as advice given, each warning the server names ticked.
        await page.keyboard.press("Alt+C")
        dialog = page.locator("#dialog")
        await dialog.locator("#close-outcome").select_option("advice_given")
        await dialog.locator("#close-outcome").focus()
        await page.keyboard.press("Enter")
        warnings = dialog.locator("input[data-warning]")
        closed_or_asked = page.locator("#dialog:not([open])").or_(warnings)
        await expect(closed_or_asked.first).to_be_attached()
        if await warnings.count():
            for index in range(await warnings.count()):
                await warnings.nth(index).check()
            await warnings.first.focus()
            await page.keyboard.press("Enter")
        await expect(dialog).to_be_hidden()

        offer = page.locator("#wellbeing-offer")
        await expect(offer).to_be_visible()
        await expect(offer).to_contain_text(
            "Bu og‘ir qo‘ng‘iroq bo‘ldi. 10 daqiqa tanaffus qilasizmi?"
        )
        await expect(page.locator("#wellbeing .wellbeing-mine")).to_contain_text(
            "Siz uchun psixolog bilan suhbat belgilandi"
        )
        await _shot(page, "30-wellbeing-offer")

        # Still on the call: the break waits, and the operator is told why, in Uzbek.
        await page.keyboard.press("Alt+B")
        await expect(page.locator("#toast")).to_contain_text("Avval qo‘ng‘iroqni tugating")
        await expect(offer).to_be_visible()
        await expect(page.locator("#state")).to_have_attribute("data-state", "on_call")

        ended = {
            "event_id": f"end-{call['id']}",
            "type": "ended",
            "at": datetime.now(UTC).isoformat(),
        }
        answer = await http.post(f"/api/v1/calls/{call['id']}/events", json=ended, headers=GATEWAY)
        assert answer.status_code == 201, answer.text
        await expect(page.locator("#state")).not_to_have_attribute("data-state", "on_call")
        await page.keyboard.press("Alt+B")
        await expect(offer).to_be_hidden()
        await expect(page.locator("#state")).to_have_attribute("data-state", "on_break")
        await expect(page.locator("#state")).to_contain_text("Dam olish")
        await expect(page.locator("#wellbeing-break-until")).to_contain_text("Tanaffusingiz")
        await _shot(page, "31-wellbeing-break")
        # The break's end is the server's: still shown after a reload.
        await page.reload()
        await expect(page.locator("#connection")).to_have_attribute("data-status", "connected")
        await expect(page.locator("#wellbeing-break-until")).to_contain_text("Tanaffusingiz")
        await expect(offer).to_be_hidden()

        mine = await http.get(
            "/api/v1/wellbeing/mine",
            headers={"Authorization": f"Bearer {await sign_in(http, 'operator1')}"},
        )
        [case] = mine.json()
        assert (case["reasons"], case["offer"]["status"]) == (["violence_child"], "accepted")

    # The keys are in the help table.
    await page.keyboard.press("F1")
    help_table = page.locator("#dialog table.shortcuts")
    await expect(help_table).to_contain_text("Alt+B")
    await expect(help_table).to_contain_text("Alt+Shift+B")
    assert page.errors == []  # type: ignore[attr-defined]
