"""The surge policy on the consoles (issue 22), in Debian's headless Chromium: the operator
console shows the banner (why, and what it means for the operator) while a supervisor has
switched surge on through the API and hides it once switched off; the supervisor switches it
from the keyboard (Alt+U): Escape sends nothing, a blank reason is refused by the server with
its words in the dialog and nothing changed, a reason switches it on and the banner and the
state under the staffing hint say so; axe-core finds nothing in the dialog or the banner.
Screenshots in ``test-artifacts/surge/``."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, Request, expect

from tests.consoles.conftest import sign_in
from tests.consoles.pages import Shots, open_page, sign_in_page
from tests.consoles.test_accessibility_browser import _violations
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

shot = Shots("surge")


def _puts(page: Page) -> list[str]:
    """The bodies of every PUT /api/v1/surge the page sends."""
    sent: list[str] = []

    def on_request(request: Request) -> None:
        if request.method == "PUT" and request.url.endswith("/api/v1/surge"):
            sent.append(request.post_data or "")

    page.on("request", on_request)
    return sent


async def _surge(http: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await http.get("/api/v1/surge", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def _set(http: httpx.AsyncClient, token: str, mode: str, reason: str | None) -> None:
    response = await http.put(
        "/api/v1/surge",
        json={"mode": mode, "reason": reason},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text


async def test_the_operator_console_shows_the_surge_while_a_supervisor_has_it_on(
    browser: Browser, server: Live
) -> None:
    page = await open_page(browser, f"{server.http}/operator/")
    await sign_in_page(page, "operator1")
    banner = page.locator("#surge")
    # The part came with the snapshot, not in surge: nothing is shown.
    await page.wait_for_function("window.dispatchConsole.parts.surge?.active === false")
    await expect(banner).to_be_hidden()
    await expect(banner).to_have_attribute("role", "status")

    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        boss = await sign_in(http, "supervisor1")
        await _set(http, boss, "on", "Zilzila: Namangan")
        await expect(banner).to_be_visible()
        await expect(banner).to_have_attribute("data-why", "switched_on")
        await expect(banner).to_contain_text("Markaz ortiqcha yuklama rejimida")
        await expect(banner).to_contain_text("supervisor1 qo‘lda yoqdi: Zilzila: Namangan")
        await expect(banner).to_have_text(
            re.compile(
                r"^⚠\s*Markaz ortiqcha yuklama rejimida \d\d:\d\d dan beri:"
                r"\s*supervisor1 qo‘lda yoqdi: Zilzila: Namangan"
                r"\s*Avval jonli qo‘ng‘iroqlar; tasniflanmagan qo‘ng‘iroqlarning qayta"
                r" qo‘ng‘iroqlari kutadi\.$"
            )
        )
        await shot(page, "00-operator-banner")

        # In the next language at once (Alt+G: Russian), the same sentences.
        await page.keyboard.press("Alt+G")
        await expect(page.locator("html")).to_have_attribute("lang", "ru")
        await expect(banner).to_contain_text("Центр в режиме перегрузки")
        await expect(banner).to_contain_text("включён вручную (supervisor1): Zilzila: Namangan")
        await expect(banner).to_contain_text("Сначала живые вызовы")

        # The figures of an automatic judgement, in the language's plural forms.
        said = await page.evaluate(
            """async () => {
                const { surgeWhy } = await import("/common/js/surge.js");
                return [
                    surgeWhy({ why: "short_erlang", figures: { needed: 12, staffed: 1 } }),
                    surgeWhy({ why: "short_waiting", figures: { waiting_past_target: 5 } }),
                ];
            }"""
        )
        assert said == [
            "по Erlang C нужно 12 операторов, работает 1",
            "5 абонентов ждут дольше цели, свободных операторов нет",
        ]

        await _set(http, boss, "off", "Yetarli operator keldi")
        await expect(banner).to_be_hidden()
        await expect(banner).to_be_empty()
    assert page.errors == []  # type: ignore[attr-defined]


async def test_the_supervisor_switches_surge_on_by_keyboard_with_a_reason(
    browser: Browser, server: Live
) -> None:
    page = await open_page(browser, f"{server.http}/supervisor/", bypass_csp=True)  # axe
    await sign_in_page(page, "supervisor1")
    puts = _puts(page)
    state = page.locator("#surge-now")
    banner = page.locator("#surge")
    dialog = page.locator('#dialog[data-name="surge"]')
    await expect(state).to_have_attribute("data-mode", "auto")
    await expect(state).to_have_attribute("data-active", "false")
    await expect(state).to_contain_text("Ortiqcha yuklama rejimi: avtomatik · amalda emas")
    await expect(banner).to_be_hidden()

    # The key is in the help.
    await page.keyboard.press("F1")
    help_dialog = page.locator('#dialog[data-name="help"]')
    await expect(help_dialog.locator("tr", has_text="Alt+U")).to_contain_text(
        "Ortiqcha yuklama rejimi: avtomatik, yoqish yoki o‘chirish"
    )
    await page.keyboard.press("Escape")
    await expect(help_dialog).to_be_hidden()

    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        boss = await sign_in(http, "supervisor1")

        # Escape sends nothing, whatever was chosen and written.
        await page.keyboard.press("Alt+U")
        await expect(dialog).to_be_visible()
        await expect(page.locator("#surge-mode-auto")).to_be_focused()
        await expect(page.locator("#surge-mode-auto")).to_be_checked()
        await page.keyboard.press("ArrowDown")
        await expect(page.locator("#surge-mode-on")).to_be_checked()
        await page.keyboard.press("Tab")
        await expect(page.locator("#surge-reason")).to_be_focused()
        await page.keyboard.type("sinov")
        await page.keyboard.press("Escape")
        await expect(dialog).to_be_hidden()
        assert puts == []

        # On without a reason: the server refuses, its words stay in the dialog, nothing changed.
        await page.keyboard.press("Alt+U")
        await expect(dialog).to_be_visible()
        await expect(page.locator("#surge-reason")).to_have_value("")
        await page.keyboard.press("ArrowDown")
        await expect(page.locator("#surge-mode-on")).to_be_checked()
        await expect(page.locator("#surge-reason")).to_have_attribute("aria-required", "true")
        await page.keyboard.press("Enter")
        # The server's refusal, said in the console's language (detail_code surge_reason_needed).
        await expect(dialog.locator("#dialog-error")).to_contain_text(
            "qo‘lda almashtirilayotganini yozing"
        )
        await expect(dialog).to_be_visible()
        assert [json.loads(body) for body in puts] == [{"mode": "on", "reason": None}]
        assert (await _surge(http, boss))["mode"] == "auto"
        await expect(banner).to_be_hidden()
        await shot(page, "01-refused")
        assert await _violations(page) == []

        # With a reason: on, the banner and the state say so.
        await page.keyboard.press("Tab")
        await expect(page.locator("#surge-reason")).to_be_focused()
        await page.keyboard.type("Zilzila: Namangan")
        await page.keyboard.press("Enter")
        await expect(dialog).to_be_hidden()
        await expect(banner).to_be_visible()
        await expect(banner).to_have_attribute("data-why", "switched_on")
        await expect(banner).to_contain_text("supervisor1 qo‘lda yoqdi: Zilzila: Namangan")
        await expect(banner).not_to_contain_text("Avval jonli")  # the operator's words
        await expect(banner).to_have_text(  # all it says, and nothing else
            re.compile(
                r"^⚠\s*Markaz ortiqcha yuklama rejimida \d\d:\d\d dan beri:"
                r"\s*supervisor1 qo‘lda yoqdi: Zilzila: Namangan$"
            )
        )
        await expect(state).to_have_attribute("data-mode", "on")
        await expect(state).to_have_attribute("data-active", "true")
        await expect(state).to_contain_text("qo‘lda yoqilgan · amalda")
        found = await _surge(http, boss)
        assert (found["mode"], found["active"], found["mode_reason"]) == (
            "on",
            True,
            "Zilzila: Namangan",
        )
        await shot(page, "02-in-surge")
        assert await _violations(page) == []

        # Back to automatic: no reason needed; nothing short of staff, so no surge.
        await page.keyboard.press("Alt+U")
        await expect(page.locator("#surge-mode-on")).to_be_focused()
        await page.keyboard.press("ArrowUp")
        await expect(page.locator("#surge-mode-auto")).to_be_checked()
        await page.keyboard.press("Enter")
        await expect(dialog).to_be_hidden()
        await expect(state).to_have_attribute("data-mode", "auto")
        await expect(banner).to_be_hidden()
        assert [json.loads(body)["mode"] for body in puts] == ["on", "on", "auto"]
        assert (await _surge(http, boss))["active"] is False
    assert page.errors == []  # type: ignore[attr-defined]
