"""Sentences the server writes are read in the person's language (issue 19), in Debian's
headless Chromium, in Russian: the automatic break after missed offers on the operator's own
badge and on the supervisor's floor, and a refusal the operator meets (the call already waits
for a supervisor) in the dialog, from their codes; the English text stays in the API. An
unreachable caller's escalation (a sentence within a sentence) and an unknown code, said by the
console's own i18n.said."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.consoles.conftest import post_call, sign_in
from tests.consoles.pages import Shots, open_page, sign_in_page
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

_shot = Shots("operator-language")


async def test_the_automatic_break_and_a_refusal_are_said_in_russian(
    browser: Browser, server: Live
) -> None:
    supervisor = await open_page(browser, f"{server.http}/supervisor/")
    await sign_in_page(supervisor, "supervisor1")
    await supervisor.select_option("#language", "ru")
    operator = await open_page(browser, f"{server.http}/operator/")
    await sign_in_page(operator, "operator1")
    await operator.select_option("#language", "ru")
    await expect(operator.locator("html")).to_have_attribute("lang", "ru")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        boss = {"Authorization": f"Bearer {await sign_in(http, 'supervisor1')}"}
        short = await http.patch(
            "/api/v1/queues/voice-uz", json={"offer_timeout_s": 1}, headers=boss
        )
        assert short.status_code == 200, short.text
        await operator.keyboard.press("Alt+1")
        await expect(operator.locator("#state")).to_have_attribute("data-state", "available")
        call = await post_call(http, caller_number="+998935550808")

        # Two offers ring out (the second after the rest that follows the first): a break.
        state = operator.locator("#state")
        await expect(state).to_have_attribute("data-state", "on_break")
        await expect(state).to_have_text("Перерыв: нет ответа на 2 предложения вызова")
        row = supervisor.locator('#operators tr[data-key="operator1"] .state-badge')
        await expect(row).to_have_text("Перерыв: нет ответа на 2 предложения вызова")
        seen = (await http.get("/api/v1/operators/operator1", headers=boss)).json()
        assert seen["reason"] == "no answer to 2 offer(s)"
        await _shot(operator, "10-break-no-answer-ru")

        # Back, with time to answer: the call is taken and escalated.
        longer = await http.patch(
            "/api/v1/queues/voice-uz", json={"offer_timeout_s": 120}, headers=boss
        )
        assert longer.status_code == 200, longer.text
        await operator.keyboard.press("Alt+1")
        await expect(operator.locator("#offer")).to_contain_text("+998935550808")
        await operator.keyboard.press("Alt+A")
        await expect(state).to_have_attribute("data-state", "on_call")
        dialog = operator.locator("#dialog")
        for _ in range(2):
            await expect(dialog).to_be_hidden()
            await operator.keyboard.press("Alt+S")
            await expect(operator.locator("#escalate-kind")).to_be_focused()
            await operator.locator("#escalate-reason").fill("Говорит только по-таджикски")
            await dialog.locator("#dialog-confirm").click()
        # The second time the call already waits: the refusal in Russian, in the dialog.
        await expect(dialog.locator("#dialog-error")).to_have_text(
            "Этот вызов уже передан супервайзеру (operator1) и ждёт его"
        )
        await _shot(operator, "11-escalation-refused-ru")
        await operator.keyboard.press("Escape")
        listed = (await http.get("/api/v1/escalations", headers=boss)).json()
        assert [e["call_id"] for e in listed] == [call["id"]]
    # An unreachable caller's escalation as the server words it (tests/callbacks/
    # test_sentences.py): counted, with the card's note inside, in Russian.
    reason = await operator.evaluate(
        """async () => {
            const { said } = await import("/common/js/i18n.js");
            const note = { code: "callback_card_routed", text: "card 112-7 routed to 102, 103",
                params: { card: "112-7", services: ["102", "103"] } };
            return said("caller +998935550808 unreachable after 3 callback attempt(s); ...",
                "callback_unreachable", { number: "+998935550808", count: 3, note });
        }"""
    )
    assert reason == (
        "Абонент +998935550808 недоступен после 3 попыток обратного звонка. "
        "Карточка 112-7 передана службам 102, 103"
    )
    unknown = await operator.evaluate(
        """async () => {
            const { said } = await import("/common/js/i18n.js");
            return said("as the server said", "new_code", {});
        }"""
    )
    assert unknown == "as the server said"
    assert operator.errors == []  # type: ignore[attr-defined]
    assert supervisor.errors == []  # type: ignore[attr-defined]
