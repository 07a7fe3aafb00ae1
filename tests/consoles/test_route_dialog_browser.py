"""The route dialog of the operator console (issue 19), in Debian's headless Chromium, by the
keyboard: a service suggested for the incident type that the operator unticks is left out only
after a question naming it in the UI's language; Escape goes back to the dialog on that
service's box, Enter routes without it. (A console rule: the route API takes the services named,
tests/cards/test_consistency.py.)"""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, Page, Request, expect

from tests.consoles.conftest import post_call, sign_in
from tests.consoles.pages import Shots, open_page, sign_in_page
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

_shot = Shots("operator-console")


def _routes(page: Page) -> list[str]:
    """The bodies of every route request the console sends."""
    sent: list[str] = []

    def on_request(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/route"):
            sent.append(request.post_data or "")

    page.on("request", on_request)
    return sent


async def test_leaving_out_a_suggested_service_is_asked_by_name_escape_goes_back(
    browser: Browser, server: Live
) -> None:
    page = await open_page(browser, f"{server.http}/operator/")
    await sign_in_page(page, "operator1")
    routes = _routes(page)
    await page.keyboard.press("Alt+1")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        await post_call(http, caller_number="+998935550404")
        await expect(page.locator("#offer")).to_be_visible()
        await page.keyboard.press("Alt+A")
        await expect(page.locator("#card-number")).to_be_visible()
        await page.keyboard.press("Alt+T")
        await page.keyboard.type("yo‘l hodisasi jabrlangan")
        option = page.locator('#type-options li[data-code="road.accident_injuries"]')
        await expect(option).to_be_visible()
        await option.click()
        await page.keyboard.press("Alt+L")
        await page.keyboard.type("Registon ko‘chasi 5")
        await page.keyboard.press("Enter")
        await page.keyboard.press("Alt+V")
        await page.keyboard.type("2")
        await page.keyboard.press("Enter")
        await expect(page.locator("#completeness-percent")).to_have_text("100%")

        # 102 and 103 are suggested and ticked; the operator unticks the ambulance.
        await page.keyboard.press("Alt+R")
        dialog = page.locator("#dialog")
        ambulance = dialog.locator('input[data-service="103"]')
        await expect(ambulance).to_be_checked()
        await expect(dialog.locator('input[data-service="102"]')).to_be_checked()
        await ambulance.focus()
        await page.keyboard.press("Space")
        await expect(ambulance).not_to_be_checked()

        # Enter asks, naming the service in Uzbek; the focus is on the answer that confirms.
        await page.keyboard.press("Enter")
        question = page.locator("#question")
        await expect(question).to_be_visible()
        await expect(question).to_have_attribute("data-name", "route-left-out")
        await expect(question.locator("#question-title")).to_have_text(
            "Taklif qilingan xizmat belgilanmagan"
        )
        await expect(question.locator("#question-text")).to_contain_text("103 Tez tibbiy yordam")
        await expect(question.locator("#question-text")).not_to_contain_text("102")
        await expect(question.locator("#question-confirm")).to_be_focused()
        await _shot(page, "05-route-left-out")
        assert routes == []

        # Escape goes back to the dialog, on the box left unticked; nothing was sent.
        await page.keyboard.press("Escape")
        await expect(question).to_be_hidden()
        await expect(dialog).to_be_visible()
        await expect(ambulance).to_be_focused()
        await expect(ambulance).not_to_be_checked()
        await expect(dialog.locator("#dialog-error")).to_be_empty()
        assert routes == []

        # Asked again; Enter routes to the police alone.
        await page.keyboard.press("Enter")
        await expect(question.locator("#question-confirm")).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(question).to_be_hidden()
        await expect(dialog).to_be_hidden()
        await expect(page.locator('#services li[data-service="102"]')).to_be_visible()
        await expect(page.locator('#services li[data-service="103"]')).to_have_count(0)
        assert len(routes) == 1, routes
        assert '"services":["102"]' in routes[0], routes
        card_id = await page.evaluate("window.dispatchConsole.activeCardId")
        card = await http.get(
            f"/api/v1/cards/{card_id}", headers={"Authorization": f"Bearer {token}"}
        )
        assert [s["code"] for s in card.json()["services"]] == ["102"]

        # Routing again: 102 is sent (disabled), 103 still suggested. Ticked, nothing is asked.
        await page.keyboard.press("Alt+R")
        await expect(dialog.locator('input[data-service="102"]')).to_be_disabled()
        await expect(ambulance).to_be_checked()
        await ambulance.focus()
        await page.keyboard.press("Enter")
        await expect(dialog).to_be_hidden()
        await expect(question).to_be_hidden()
        await expect(page.locator('#services li[data-service="103"]')).to_be_visible()
    assert page.errors == []  # type: ignore[attr-defined]


async def test_the_question_is_asked_once_when_the_server_then_names_a_warning(
    browser: Browser, server: Live
) -> None:
    page = await open_page(browser, f"{server.http}/operator/")
    await sign_in_page(page, "operator1")
    routes = _routes(page)
    await page.keyboard.press("Alt+1")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        await post_call(http, caller_number="+998935550505")
    await expect(page.locator("#offer")).to_be_visible()
    await page.keyboard.press("Alt+A")
    await expect(page.locator("#card-number")).to_be_visible()
    # A gas smell with its hazard not ticked: routing it is a warning to acknowledge.
    await page.keyboard.press("Alt+T")
    await page.keyboard.type("gaz hidi")
    option = page.locator('#type-options li[data-code="gas.smell_indoors"]')
    await expect(option).to_be_visible()
    await option.click()
    await expect(page.locator("#script-steps")).to_contain_text("Chiroqni yoqmang")

    await page.keyboard.press("Alt+R")
    dialog = page.locator("#dialog")
    suggested = dialog.locator("input[data-suggested]")
    await expect(suggested.first).to_be_checked()
    assert await suggested.count() >= 2
    left_out = suggested.last
    await left_out.focus()
    await page.keyboard.press("Space")
    await page.keyboard.press("Enter")
    question = page.locator("#question")
    await expect(question).to_be_visible()
    await page.keyboard.press("Enter")  # leave it out
    warning = dialog.locator('input[data-warning="expected_hazard_missing"]')
    await expect(warning).to_be_focused()
    assert len(routes) == 1  # refused: the warning is not acknowledged yet
    await page.keyboard.press("Space")
    await page.keyboard.press("Enter")  # not asked again: the same service is left out
    await expect(dialog).to_be_hidden()
    await expect(question).to_be_hidden()
    assert len(routes) == 2, routes
    assert '"acknowledge":["expected_hazard_missing"]' in routes[1], routes
    assert f'"{await left_out.get_attribute("value")}"' not in routes[1], routes
    assert page.errors == []  # type: ignore[attr-defined]
