"""The operator console under late answers and second presses (Debian's headless Chromium).

An answer the console waited for may come after the operator has moved on: to another card, to
another dialog. It must not show the first card's nearby incidents under the second (their
"join" buttons act on the first), nor replace the dialog the operator opened since. A second
Enter or click while the first is on its way must not add a note twice, nor count a callback
attempt twice (three attempts is all a caller gets). Each test holds the first request back
(``tests.consoles.pages.Held``); every one of them fails on the console before the fix.
"""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from playwright.async_api import Browser, expect

from dispatch.cards.consistency import ALL_WARNINGS
from tests.consoles.conftest import sign_in
from tests.consoles.pages import (
    Held,
    after_late,
    available_operator,
    dropped_and_dialled,
    never,
    open_page,
    sign_in_page,
)
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

# A courtyard in Tashkent's Yunusobod, away from the other browser tests' places.
LAT, LON = 41.3650, 69.2870


async def test_a_card_switched_to_shows_its_own_incidents_and_dialogs_and_notes_once(
    browser: Browser, server: Live
) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        other = {"Authorization": f"Bearer {await sign_in(http, 'operator2')}"}
        mine = {"Authorization": f"Bearer {await sign_in(http, 'operator1')}"}
        fire = {"incident": {"type": "fire.residential"}}
        made = await http.post(
            "/api/v1/cards",
            headers=other,
            json={**fire, "location": {"lat": LAT, "lon": LON, "address": "Amir Temur 1"}},
        )
        assert made.status_code == 201, made.text
        near = await http.post(
            "/api/v1/cards",
            headers=mine,
            json={**fire, "location": {"lat": LAT + 0.0002, "lon": LON, "address": "Amir Temur 3"}},
        )
        assert near.status_code == 201, near.text
        bare = await http.post("/api/v1/cards", headers=mine, json=fire)
        assert bare.status_code == 201, bare.text
        first, second = near.json(), bare.json()

        page = await open_page(browser, f"{server.http}/operator/")
        suggestions = Held()
        await page.route(
            re.compile(rf"/api/v1/cards/{first['id']}/incident-suggestions"), suggestions.handle
        )
        await sign_in_page(page, "operator1")
        await page.locator(f'#card-list li[data-card-id="{first["id"]}"] button').click()
        await asyncio.wait_for(suggestions.arrived.wait(), timeout=30)

        # On to the card with no place yet: no suggestions, whatever the first card's answer says.
        await page.locator(f'#card-list li[data-card-id="{second["id"]}"] button').click()
        await expect(page.locator("#card-number")).to_contain_text(second["number"])
        panel = page.locator("#incidents-panel")
        await expect(panel).to_be_hidden()
        async with page.expect_response(re.compile(r"/incident-suggestions")):
            suggestions.release()
        await never(page, "!document.getElementById('incidents-panel').hidden")
        await expect(panel.locator("li.incident")).to_have_count(0)

        # The route dialog's suggestions come after the close dialog was opened: it stays.
        routes = Held()
        await page.route(
            re.compile(rf"/api/v1/cards/{second['id']}/suggested-services"), routes.handle
        )
        await page.keyboard.press("Alt+R")
        await asyncio.wait_for(routes.arrived.wait(), timeout=30)
        await page.keyboard.press("Alt+C")
        dialog = page.locator("#dialog")
        await expect(dialog).to_have_attribute("data-name", "close")
        async with page.expect_response(re.compile(r"/suggested-services")):
            routes.release()
        await never(page, "document.getElementById('dialog').dataset.name !== 'close'")
        await page.keyboard.press("Escape")
        await expect(dialog).to_be_hidden()

        # A second Enter while the note is on its way does not add it twice.
        notes = Held()
        await page.route(re.compile(rf"/api/v1/cards/{second['id']}/notes$"), notes.handle)
        note = page.locator("#note")
        await note.fill("Qo‘shni eshikni ochmayapti")
        await note.press("Enter")
        await asyncio.wait_for(notes.arrived.wait(), timeout=30)
        await note.press("Enter")
        async with page.expect_response(re.compile(r"/notes$")):
            notes.release()
        await expect(note).to_have_value("")
        await after_late()  # a second note, if sent, has its answer by now
        stored = (await http.get(f"/api/v1/cards/{second['id']}", headers=mine)).json()
        assert [n["text"] for n in stored["notes"]] == ["Qo‘shni eshikni ochmayapti"]
        assert notes.count == 1

        # A card closed leaves the list and the console's memory (a shift sees hundreds).
        kept = "window.dispatchConsole.latest.has(%r)"
        assert await page.evaluate(kept % first["id"])
        version = (await http.get(f"/api/v1/cards/{first['id']}", headers=mine)).json()["version"]
        closed = await http.post(
            f"/api/v1/cards/{first['id']}/close",
            headers={**mine, "If-Match": f'"{version}"'},
            json={"outcome": "advice_given", "acknowledge": sorted(ALL_WARNINGS)},
        )
        assert closed.status_code == 200, closed.text
        await expect(page.locator(f'#card-list li[data-card-id="{first["id"]}"]')).to_have_count(0)
        assert not await page.evaluate(kept % first["id"])
        assert await page.evaluate(kept % second["id"])
        assert page.errors == []  # type: ignore[attr-defined]


async def test_a_second_click_on_a_callback_outcome_is_not_a_second_attempt(
    browser: Browser, server: Live
) -> None:
    page = await available_operator(browser, f"{server.http}/operator/")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        dialing = await dropped_and_dialled(page, http, "+998935550188")
        task_id = await dialing.get_attribute("data-callback-id")

        attempts = Held()
        await page.route(re.compile(rf"/api/v1/callbacks/{task_id}/attempts"), attempts.handle)
        no_answer = dialing.locator('button[data-outcome="no_answer"]')
        await no_answer.click()
        await asyncio.wait_for(attempts.arrived.wait(), timeout=30)
        await no_answer.click()
        async with page.expect_response(re.compile(r"/attempts")):
            attempts.release()
        await after_late()  # a second attempt, if sent, has its answer by now
        headers = {"Authorization": f"Bearer {await sign_in(http, 'supervisor1')}"}
        task = (await http.get(f"/api/v1/callbacks/{task_id}", headers=headers)).json()
        assert task["attempts"] == 1, task
        assert [a["outcome"] for a in task["history"]] == ["no_answer"]
        assert attempts.count == 1
