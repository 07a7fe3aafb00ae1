"""Dialogs behave the same everywhere (issue 19), on the supervisor console in Debian's headless
Chromium: each dialog opened as a supervisor opens it (its key, a drop, a row's button) puts the
focus on the field to fill, Escape closes it with nothing sent to the server, and Enter confirms,
from a list to choose from and from a text area alike. (The QA pages have no dialogs: their
forms are on the page.)

The dialogs that need an escalation, a stalled service or a callback task on the floor are
opened through the console's own module with a stand-in row: what is checked is the dialog,
not the floor.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, Page, Request, expect

from tests.consoles.conftest import post_call
from tests.consoles.pages import Shots, open_page, sign_in_page
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

shot = Shots("supervisor-dialogs")


def _writes(page: Page) -> list[str]:
    """Every request that could change something (not a GET), as "METHOD path"."""
    sent: list[str] = []

    def on_request(request: Request) -> None:
        if request.method != "GET" and "/api/" in request.url:
            sent.append(f"{request.method} {request.url.split('/api/v1', 1)[-1]}")

    page.on("request", on_request)
    return sent


async def _focus_then_escape(page: Page, writes: list[str], field: str, name: str) -> None:
    """The dialog ``name`` is open with ``field`` focused; Escape closes it, nothing sent."""
    dialog = page.locator("#dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_have_attribute("data-name", name)
    await expect(page.locator(field)).to_be_focused()
    before = list(writes)
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    assert writes == before, f"{name}: Escape sent {writes[len(before) :]}"


async def _open(page: Page, script: str) -> None:
    """Open a dialog through the console's own commands module (``c``) with a stand-in row."""
    await page.evaluate(
        f"""async () => {{
            const c = await import("/supervisor/js/commands.js");
            const services = window.supervisorConsole.reference.services;
            {script};
        }}"""
    )


async def test_every_supervisor_dialog_focuses_its_field_escape_cancels_enter_confirms(
    browser: Browser, server: Live
) -> None:
    page = await open_page(browser, f"{server.http}/supervisor/")
    await sign_in_page(page, "supervisor1")
    writes = _writes(page)
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        # Nobody is available: the call waits on the floor.
        call = await post_call(http, channel="video", caller_number="+998935550909")
    row = page.locator(f'#calls tr[data-key="{call["id"]}"]')
    await expect(row).to_have_attribute("data-status", "waiting")

    # The waiting call, chosen with Alt+1: move (Alt+M), priority (Alt+P), takeover (Alt+T).
    await page.keyboard.press("Alt+1")
    await page.keyboard.press("Alt+M")
    await shot(page, "01-move")
    await _focus_then_escape(page, writes, "#move-queue", "move")
    await page.keyboard.press("Alt+P")
    await _focus_then_escape(page, writes, "#priority-value", "priority")
    await page.keyboard.press("Alt+T")
    await _focus_then_escape(page, writes, "#dialog-confirm", "takeover")
    await expect(row).to_have_attribute("data-status", "waiting")

    # An operator, chosen with Alt+2: change them (Alt+S); dropped on "on break": its reason.
    await page.keyboard.press("Alt+2")
    for _ in range(5):
        if await page.evaluate("window.supervisorConsole.selected.operators") == "operator1":
            break
        await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Alt+S")
    await _focus_then_escape(page, writes, "#operator-state", "operator")
    me = page.locator('#operators tr[data-key="operator1"]')
    await me.drag_to(page.locator('#state-drops [data-state="on_break"]'))
    await _focus_then_escape(page, writes, "#break-reason", "break")
    await expect(me).to_have_attribute("data-state", "signed_out")

    # Help (?): nothing to fill, so its close button.
    await page.locator("#queues").click()
    await page.keyboard.press("?")
    await _focus_then_escape(page, writes, "#dialog-cancel", "help")

    # Resolve an escalation, re-route a card, cancel a callback.
    await _open(page, 'c.resolveDialog({ id: "e-1", reason: "Tojik tilida" }, "operator1")')
    await _focus_then_escape(page, writes, "#resolution", "resolve")
    await _open(
        page,
        'c.rerouteDialog({ card_id: "c-1", number: "112-1", service: "101" }, services)',
    )
    await _focus_then_escape(
        page, writes, "#reroute-services input[type=checkbox] >> nth=0", "reroute"
    )
    await _open(page, 'c.cancelCallbackDialog({ id: "cb-1", number: "+998935550909" })')
    await _focus_then_escape(page, writes, "#cancel-reason", "cancel-callback")
    assert writes == []

    # Enter confirms from a text area (Shift+Enter is a new line): here the stand-in task is
    # unknown, so the server's refusal stays in the open dialog.
    await _open(page, 'c.cancelCallbackDialog({ id: "cb-1", number: "+998935550909" })')
    await page.keyboard.type("Boshqa liniyada")
    await page.keyboard.press("Shift+Enter")
    assert writes == []
    await page.keyboard.press("Enter")
    await expect(page.locator("#dialog-error")).not_to_be_empty()
    assert writes == ["POST /callbacks/cb-1/cancel"]
    await page.keyboard.press("Escape")
    await expect(page.locator("#dialog")).to_be_hidden()

    # Enter confirms end to end: the call's priority chosen in its list, Enter, the floor shows it.
    await expect(row).not_to_contain_text("P7")
    await page.locator(f'#calls tr[data-key="{call["id"]}"]').focus()
    await page.keyboard.press("Alt+P")
    choose = page.locator("#priority-value")
    await expect(choose).to_be_focused()
    await choose.select_option("7")
    await expect(choose).to_be_focused()
    await shot(page, "02-priority")
    await page.keyboard.press("Enter")
    await expect(page.locator("#dialog")).to_be_hidden()
    await expect(row).to_contain_text("P7")
    assert writes[-1] == f"POST /calls/{call['id']}/priority"
    assert page.errors == []  # type: ignore[attr-defined]
