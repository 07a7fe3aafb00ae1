"""The operator console in Debian's headless Chromium, driven by the keyboard.

A real server on a loopback port, a test gateway posting calls over HTTP, and the browser doing
what an operator does. Screenshots go to ``test-artifacts/operator-console/`` (or under
``$DISPATCH_TEST_ARTIFACTS``). Waits are generous and never assert on time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.consoles.conftest import GATEWAY, post_call, sign_in
from tests.consoles.pages import Shots, open_page, sign_in_page
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

_shot = Shots("operator-console")


async def _page(browser: Browser, server: Live) -> Page:
    return await open_page(browser, f"{server.http}/operator/")


async def _sign_in(page: Page, username: str) -> None:
    await sign_in_page(page, username)


async def _choose_type(page: Page, query: str, code: str) -> None:
    """Search the incident type as the operator types, move to ``code`` with ↓, take it."""
    await page.keyboard.press("Alt+T")
    await page.keyboard.type(query)
    await expect(page.locator(f'#type-options li[data-code="{code}"]')).to_be_visible()
    for _ in range(8):
        if await page.locator("#type-options li.active").get_attribute("data-code") == code:
            break
        await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Enter")


async def _card(http: httpx.AsyncClient, token: str, card_id: str) -> dict[str, Any]:
    response = await http.get(
        f"/api/v1/cards/{card_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def _end_call(http: httpx.AsyncClient, call_id: str) -> None:
    body = {"event_id": f"end-{call_id}", "type": "ended", "at": datetime.now(UTC).isoformat()}
    response = await http.post(f"/api/v1/calls/{call_id}/events", json=body, headers=GATEWAY)
    assert response.status_code == 201, response.text


async def test_an_operator_takes_a_call_fills_and_routes_the_card_and_escalates_another(
    browser: Browser, server: Live
) -> None:
    page = await _page(browser, server)
    await _shot(page, "00-sign-in")
    await _sign_in(page, "operator1")
    await expect(page.locator("#state")).to_have_attribute("data-state", "signed_out")
    await page.keyboard.press("Alt+1")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")

    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        call = await post_call(http, caller_number="+998935550101")
        offer = page.locator("#offer")
        await expect(offer).to_be_visible()
        await expect(offer).to_contain_text("+998935550101")
        await _shot(page, "01-call-offered")
        await page.keyboard.press("Alt+A")
        await expect(offer).to_be_hidden()
        await expect(page.locator("#state")).to_have_attribute("data-state", "on_call")
        await expect(page.locator("#card-number")).to_be_visible()

        # The card, with the keyboard only: type, address, victims, a note.
        await _choose_type(page, "yo‘l hodisasi jabrlangan", "road.accident_injuries")
        await expect(page.locator("#script-steps li").first).to_contain_text("Hodisa qayerda")
        await expect(page.locator('#card [data-field="incident.victims"]')).to_have_class(
            "field required missing"
        )
        await page.keyboard.type("Registon ko‘chasi 5, 2-kirish")  # the cursor is in the address
        await page.keyboard.press("Enter")
        await page.keyboard.press("Alt+V")
        await page.keyboard.type("2")
        await page.keyboard.press("Enter")
        await page.keyboard.press("Alt+N")
        await page.keyboard.type("Ikki yengil mashina to‘qnashgan")
        await page.keyboard.press("Enter")
        await expect(page.locator("#completeness-percent")).to_have_text("100%")
        await expect(page.locator("#notes li")).to_contain_text("Ikki yengil mashina")
        await expect(page.locator("#map path.district.chosen")).to_have_attribute(
            "data-code", "UZ-SA-samarkand"
        )
        await _shot(page, "02-card-filled")

        # Route: the suggested services are ticked, the covering units shown (by their names in
        # the interface language; the card keeps the unit's one name, what the services read).
        await page.keyboard.press("Alt+R")
        dialog = page.locator("#dialog")
        await expect(dialog.locator('input[data-service="102"]')).to_be_checked()
        await expect(dialog.locator('input[data-service="103"]')).to_be_checked()
        await expect(dialog.locator('input[data-service="101"]')).not_to_be_checked()
        await expect(dialog.locator('[data-unit-for="103"]')).to_contain_text(
            "103 — Tez tibbiy yordam, Samarqand viloyati"
        )
        await _shot(page, "03-route-dialog")
        await page.keyboard.press("Enter")
        services = page.locator("#services")
        await expect(services.locator('li[data-service="102"] .unit')).to_have_text(
            "102 — Politsiya, Samarqand viloyati"
        )
        await expect(services.locator('li[data-service="103"] .unit')).to_have_text(
            "103 — Tez tibbiy yordam, Samarqand viloyati"
        )
        await _shot(page, "04-card-routed")

        card_id = await page.evaluate("window.dispatchConsole.activeCardId")
        card = await _card(http, token, card_id)
        assert card["call_id"] == call["id"]
        assert card["incident"]["type"] == "road.accident_injuries"
        assert card["incident"]["victims"] == 2
        assert card["location"]["address"] == "Registon ko‘chasi 5, 2-kirish"
        assert [(s["code"], s["unit"]) for s in card["services"]] == [
            ("102", {"code": "UZ-SA-102", "name": "102 — Samarkand region police"}),
            ("103", {"code": "UZ-SA-103", "name": "103 — Samarkand region ambulance"}),
        ]
        assert card["notes"][0]["text"] == "Ikki yengil mashina to‘qnashgan"

        # The caller hangs up: wrap-up with its countdown, ended early with Alt+1.
        await _end_call(http, call["id"])
        await expect(page.locator("#state")).to_have_attribute("data-state", "wrap_up")
        await expect(page.locator("#state")).to_contain_text("Yakunlash 0:")
        await _shot(page, "05-wrap-up")
        await page.keyboard.press("Alt+1")
        await expect(page.locator("#state")).to_have_attribute("data-state", "available")

        # Another call, non-standard: escalate it to the supervisor with a reason.
        second = await post_call(http, caller_number="+998935550202")
        await expect(page.locator("#offer")).to_contain_text("+998935550202")
        await page.keyboard.press("Alt+A")
        await expect(page.locator("#state")).to_have_attribute("data-state", "on_call")
        await expect(page.locator("#card-number")).to_contain_text("000002")
        await page.keyboard.press("Alt+S")
        await expect(dialog.locator("#dialog-title")).to_contain_text("+998935550202")
        await expect(dialog.locator("#escalate-reason")).to_be_visible()
        await page.keyboard.press("Tab")
        await page.keyboard.type("Qo‘ng‘iroq qiluvchi tojik tilida gapiryapti")
        await _shot(page, "06-escalate-dialog")
        await page.locator("#dialog-confirm").press("Enter")
        escalation = page.locator("#escalation-list li[data-escalation-id]")
        await expect(escalation).to_contain_text("tojik tilida")
        await expect(escalation).to_contain_text("kutilmoqda")
        await _shot(page, "07-escalated")
        listed = await http.get("/api/v1/escalations", headers={"Authorization": f"Bearer {token}"})
        assert [(e["call_id"], e["raised_by"]) for e in listed.json()] == [
            (second["id"], "operator1")
        ]

    # Every action is in the help (?), in the user's language, which they can switch (Alt+G).
    await page.keyboard.press("Escape")
    await page.locator("#card-list").click()
    await page.keyboard.press("?")
    await expect(dialog.locator("table.shortcuts")).to_contain_text("Supervayzerga yuborish")
    await _shot(page, "08-help")
    await page.keyboard.press("Escape")
    await page.keyboard.press("Alt+G")
    await expect(page.locator("#state")).to_contain_text("На вызове")
    await expect(page.locator("#f-location\\.district")).to_have_value("UZ-SA-samarkand")
    await _shot(page, "09-russian")
    assert page.errors == []  # type: ignore[attr-defined]


async def test_an_sms_conversation_is_answered_from_the_console(
    browser: Browser, server: Live
) -> None:
    page = await _page(browser, server)
    await _sign_in(page, "operator1")
    await page.keyboard.press("Alt+1")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        call = await post_call(
            http,
            channel="sms",
            caller_number="+998971112233",
            text="Uyda gaz hidi bor, yordam bering",
        )
        await expect(page.locator("#offer")).to_contain_text("SMS")
        await page.keyboard.press("Alt+A")
        panel = page.locator("#conversation-panel")
        await expect(panel).to_be_visible()
        await expect(panel.locator("li.incoming")).to_contain_text("Uyda gaz hidi bor")
        await page.keyboard.press("Alt+M")
        await page.keyboard.type("Gaz kranini yoping va uydan chiqing. Yordam yo‘lda.")
        await page.keyboard.press("Control+Enter")
        await expect(panel.locator("li.outgoing")).to_contain_text("Gaz kranini yoping")
        more = await http.post(
            "/api/v1/calls",
            json={"channel": "sms", "caller_number": "+998971112233", "text": "Chiqdik"},
            headers=GATEWAY,
        )
        assert more.status_code == 200, more.text  # the same conversation
        await expect(panel.locator("li.incoming").last).to_contain_text("Chiqdik")
        await _choose_type(page, "gaz hidi", "gas.smell_indoors")
        await expect(page.locator("#script-steps")).to_contain_text("Chiroqni yoqmang")
        await _shot(page, "10-sms-conversation")
        messages = await http.get(
            f"/api/v1/calls/{call['id']}/messages",
            headers={"Authorization": f"Bearer {await sign_in(http, 'supervisor1')}"},
        )
        assert [m["direction"] for m in messages.json()] == ["in", "out", "in"]
    assert page.errors == []  # type: ignore[attr-defined]
