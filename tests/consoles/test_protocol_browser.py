"""A protocol walked in the operator console (issue 24), in Debian's headless Chromium, by the
keyboard: a cardiac-arrest call from the offer (Alt+Y) through the answers to telephone CPR with
the metronome beating, the instruction given, the determinant (priority 1, 103) shown, a reload
that finds the walk where it was, the route — and the card's XML, valid, holds the protocol
with every answer and instruction. Overriding the proposed priority needs a reason.
Timers run in the browser only: while the metronome beats, nothing is sent."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from playwright.async_api import Browser, Page, Request, expect

import cardschema
from tests.consoles.conftest import post_call, sign_in
from tests.consoles.pages import Shots, open_page, sign_in_page
from tests.consoles.test_accessibility_browser import _violations
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

_shot = Shots("operator-console")


def _requests(page: Page) -> list[str]:
    """Every request the console sends that is not a read: method and path."""
    sent: list[str] = []

    def on_request(request: Request) -> None:
        if request.method != "GET":
            sent.append(f"{request.method} {request.url.split('/api/v1', 1)[-1]}")

    page.on("request", on_request)
    return sent


async def _beats(page: Page) -> int:
    beats = await page.locator('#protocol-timers .timer[data-kind="metronome"]').get_attribute(
        "data-beats"
    )
    return int(beats or 0)


async def _answer(page: Page, key: str, node_after: str) -> None:
    """Press ``key`` on the step and wait for the walk to stand at ``node_after``."""
    await page.keyboard.press(key)
    step = page.locator("#protocol-step")
    await expect(step).to_have_attribute("data-node", node_after)
    await expect(page.locator("#protocol-step:focus-within")).to_have_count(1)


async def test_an_operator_walks_cardiac_arrest_by_keyboard_from_the_offer_to_the_route(
    browser: Browser, server: Live
) -> None:
    page = await open_page(browser, f"{server.http}/operator/")
    await sign_in_page(page, "operator1")
    sent = _requests(page)
    await page.keyboard.press("Alt+1")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        auth = {"Authorization": f"Bearer {token}"}
        await post_call(http, caller_number="+998935552424")
        await expect(page.locator("#offer")).to_be_visible()
        await page.keyboard.press("Alt+A")
        await expect(page.locator("#card-number")).to_be_visible()
        await page.keyboard.press("Alt+T")
        await page.keyboard.type("Yurak to‘xtashi")
        first = page.locator("#type-options li").first
        await expect(first).to_have_attribute("data-code", "medical.cardiac_arrest")
        await page.keyboard.press("Enter")

        # The protocol that fits the type is offered, a draft.
        panel = page.locator("#protocol-panel")
        offer = panel.locator('.protocol-offer[data-code="cardiac_arrest"]')
        await expect(offer).to_contain_text("Alt+Y")
        await expect(offer.locator(".badge-draft")).to_have_text("QORALAMA — tasdiqlanmagan")

        # Alt+Y starts it: the first question, focused, in the caller's language (Uzbek).
        await page.keyboard.press("Alt+Y")
        step = panel.locator("#protocol-step")
        await expect(step).to_have_attribute("data-node", "awake")
        await expect(step).to_be_focused()
        await expect(step).to_contain_text("Bemor hushidami?")
        await expect(panel.locator("#protocol-draft")).to_be_visible()
        await expect(panel.locator(".protocol-guidance summary")).to_be_visible()
        await expect(panel.locator(".protocol-guidance")).to_contain_text(
            "European Resuscitation Council Guidelines 2021"
        )
        await expect(page.locator("#protocol-live")).to_contain_text("Bemor hushidami?")

        await _answer(page, "n", "breathing")  # not awake
        await _answer(page, "2", "age_band")  # not breathing normally
        determinant = panel.locator("#protocol-determinant")
        await expect(determinant).to_have_attribute("data-code", "CA-1")
        await expect(determinant).to_have_attribute("data-priority", "1")
        await expect(determinant).to_contain_text("103")
        await _answer(page, "1", "speaker")  # an adult
        await _answer(page, "Enter", "others_present")  # the phone on speaker: given
        await _answer(page, "n", "position")  # nobody else there
        await _answer(page, "Enter", "trained")
        await _answer(page, "n", "adult_hands_only")  # not trained: compressions only

        # CPR: the metronome runs at 110 a minute and counts; the browser sends nothing.
        metronome = panel.locator('#protocol-timers .timer[data-kind="metronome"]')
        await expect(metronome).to_have_attribute("data-running", "true")
        await expect(metronome).to_contain_text("110")
        before, posts = await _beats(page), len(sent)
        await asyncio.sleep(2.5)
        after = await _beats(page)
        assert after >= before + 3, (before, after)
        assert sent[posts:] == []
        await expect(panel).not_to_contain_text("null")
        await _shot(page, "protocol-cpr")

        # Space pauses it, Space again resumes.
        await page.keyboard.press("Space")
        await expect(metronome).to_have_attribute("data-running", "false")
        await page.keyboard.press("Space")
        await expect(metronome).to_have_attribute("data-running", "true")

        # Given: on to the next instruction, the metronome still beating.
        await _answer(page, "Enter", "aed_or_continue")
        await expect(metronome).to_have_attribute("data-running", "true")
        path = panel.locator("#protocol-path")
        await expect(path.locator('li[data-node="trained"]')).to_contain_text("Yo‘q")
        await expect(path.locator('li[data-node="adult_hands_only"]')).to_contain_text("✓")

        # A reload finds the walk where it was, the metronome running again.
        await page.reload()
        await expect(page.locator("#console")).to_be_visible()
        await expect(panel.locator("#protocol-step")).to_have_attribute(
            "data-node", "aed_or_continue"
        )
        await expect(path.locator("li")).to_have_count(8)
        await expect(metronome).to_have_attribute("data-running", "true")
        await expect(determinant).to_have_attribute("data-priority", "1")

        # An earlier answer corrected: ↓ from the step through the answers, Enter on one.
        await page.keyboard.press("Alt+Y")
        await expect(panel.locator("#protocol-step")).to_be_focused()
        for _ in range(4):  # awake, breathing, age_band, others_present
            await page.keyboard.press("ArrowDown")
        await expect(path.locator('li[data-node="others_present"] button')).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(panel.locator(".protocol-correcting")).to_be_visible()
        await _answer(page, "y", "aed_nearby")  # someone else is there after all
        await _answer(page, "n", "aed_or_continue")  # no defibrillator near
        await expect(metronome).to_have_attribute("data-running", "true")

        # Routed as the other tests route: the ambulance is suggested and ticked.
        await page.keyboard.press("Alt+L")
        await page.keyboard.type("Registon ko‘chasi 7")
        await page.keyboard.press("Enter")
        await page.keyboard.press("Alt+V")
        await page.keyboard.type("1")
        await page.keyboard.press("Enter")
        await expect(page.locator("#completeness-percent")).to_have_text("100%")
        await page.keyboard.press("Alt+R")
        dialog = page.locator("#dialog")
        await expect(dialog.locator('input[data-service="103"]')).to_be_checked()
        await dialog.locator('input[data-service="103"]').focus()
        await page.keyboard.press("Enter")
        await expect(dialog).to_be_hidden()
        await expect(page.locator('#services li[data-service="103"]')).to_be_visible()

        card_id = await page.evaluate("window.dispatchConsole.activeCardId")
        xml = await http.get(
            f"/api/v1/cards/{card_id}", headers={**auth, "Accept": "application/xml"}
        )
        assert xml.status_code == 200, xml.text
        cardschema.validate(xml.content)
        card = cardschema.parse(xml.content)
        assert card.incident.priority == 1
        (record,) = card.protocols
        assert record.code == "cardiac_arrest"
        assert not record.approved
        answers = {answer.node: answer.value for answer in record.answers}
        assert answers == {
            "awake": "no",
            "breathing": "no",
            "age_band": "adult: Katta yoshli yoki o‘smir",
            "others_present": "yes",
            "aed_nearby": "no",
            "trained": "no",
        }
        assert [i.node for i in record.instructions] == ["speaker", "position", "adult_hands_only"]
        assert record.determinant is not None
        assert (record.determinant.code, record.determinant.priority) == ("CA-1", 1)
        assert record.determinant.services == ("103",)

        # Overriding the proposed priority: the reason is asked for; nothing goes without it.
        posts = len(sent)
        await page.keyboard.press("Alt+Y")
        await expect(panel.locator("#protocol-step")).to_be_focused()
        await page.keyboard.press("p")
        await expect(dialog).to_have_attribute("data-name", "protocol-override")
        priority = dialog.locator("#protocol-override-priority")
        await expect(priority).to_be_focused()
        await page.keyboard.press("ArrowDown")
        await expect(priority).to_have_value("2")
        await page.keyboard.press("Enter")
        await expect(dialog.locator("#dialog-error")).to_have_text(
            "Ustuvorlik protokol taklif qilganidan nega farq qilishini yozing"
        )
        await expect(dialog.locator("#protocol-override-reason")).to_be_focused()
        assert [s for s in sent[posts:] if "/override" in s] == []
        await page.keyboard.type("Brigada yetib keldi, bemor nafas olmoqda")
        await page.keyboard.press("Enter")
        await expect(dialog).to_be_hidden()
        await expect(determinant).to_have_attribute("data-priority", "2")
        await expect(determinant.locator(".protocol-overridden")).to_contain_text("Brigada")
        await expect(panel.locator("#protocol-step")).to_be_focused()
        walks = await http.get(f"/api/v1/cards/{card_id}/protocols", headers=auth)
        (walk,) = walks.json()
        assert walk["priority_override"] == 2
        assert walk["override_reason"] == "Brigada yetib keldi, bemor nafas olmoqda"
    assert page.errors == []  # type: ignore[attr-defined]


async def test_a_screen_at_high_risk_asks_for_the_escalation_until_it_is_made(
    browser: Browser, server: Live
) -> None:
    # Without the page's CSP, for axe-core (the other test records any breach of the policy).
    page = await open_page(browser, f"{server.http}/operator/", bypass_csp=True)
    await sign_in_page(page, "operator1")
    await page.keyboard.press("Alt+1")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        await post_call(http, caller_number="+998935552525")
    await expect(page.locator("#offer")).to_be_visible()
    await page.keyboard.press("Alt+A")
    await expect(page.locator("#card-number")).to_be_visible()

    # No type yet: nothing is offered; Alt+Shift+Y chooses among every protocol (a digit
    # picks one of the first nine, ↑ ↓ any).
    panel = page.locator("#protocol-panel")
    await expect(panel.locator("#protocol")).to_contain_text("Alt+Shift+Y")
    await page.keyboard.press("Alt+Shift+Y")
    dialog = page.locator("#dialog")
    await expect(dialog).to_have_attribute("data-name", "protocol-choose")
    codes = await dialog.locator("label[data-code]").evaluate_all(
        "(labels) => labels.map((label) => label.dataset.code)"
    )
    assert len(codes) >= 5, codes
    radios = dialog.locator("input[name=protocol]")
    await expect(radios.nth(0)).to_be_focused()
    await page.keyboard.press("2")
    await expect(radios.nth(1)).to_be_checked()
    await page.keyboard.press("1")
    await expect(radios.nth(0)).to_be_checked()
    for _ in range(codes.index("suicide_risk_screen")):
        await page.keyboard.press("ArrowDown")
    await expect(radios.nth(codes.index("suicide_risk_screen"))).to_be_checked()
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_hidden()
    step = panel.locator("#protocol-step")
    await expect(step).to_have_attribute("data-node", "caller_is")
    await expect(step).to_be_focused()

    await _answer(page, "1", "danger_self")  # about themselves
    await _answer(page, "y", "immediate_help")  # in danger now
    determinant = panel.locator("#protocol-determinant")
    await expect(determinant).to_have_attribute("data-code", "SR-1")
    await expect(determinant).to_contain_text("1146")
    banner = panel.locator("#protocol-escalation")
    await expect(banner).to_have_text("Yopishdan oldin eskalatsiya kerak — Alt+S")
    await _shot(page, "protocol-escalation-required")
    assert await _violations(page) == []

    # Alt+S: the escalate dialog; once escalated, the banner says when instead.
    await page.keyboard.press("Alt+S")
    await expect(dialog).to_have_attribute("data-name", "escalate")
    await page.keyboard.press("Tab")
    await expect(dialog.locator("#escalate-reason")).to_be_focused()
    await page.keyboard.type("Yuqori xavf: psixolog kerak")
    await page.keyboard.press("Shift+Tab")
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_hidden()
    await expect(banner).to_have_count(0)
    await expect(panel.locator(".protocol-escalated")).to_be_visible()
    assert page.errors == []  # type: ignore[attr-defined]


async def test_childbirth_numbers_in_a_field_a_counter_tapped_and_a_stopwatch(
    browser: Browser, server: Live
) -> None:
    page = await open_page(browser, f"{server.http}/operator/", bypass_csp=True)  # for axe
    await sign_in_page(page, "operator1")
    sent = _requests(page)
    await page.keyboard.press("Alt+1")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        await post_call(http, caller_number="+998935552626")
        await expect(page.locator("#offer")).to_be_visible()
        await page.keyboard.press("Alt+A")
        await expect(page.locator("#card-number")).to_be_visible()
        await page.keyboard.press("Alt+T")
        await page.keyboard.type("Tug‘ruq")
        first = page.locator("#type-options li").first
        await expect(first).to_have_attribute("data-code", "medical.childbirth")
        await page.keyboard.press("Enter")
        panel = page.locator("#protocol-panel")
        await expect(panel.locator('.protocol-offer[data-code="childbirth"]')).to_be_visible()
        await page.keyboard.press("Alt+Y")
        step = panel.locator("#protocol-step")
        await expect(step).to_have_attribute("data-node", "weeks_known")
        await _answer(page, "y", "weeks")

        # A number in its field: out of bounds it is refused and the step stays; then Enter.
        field = panel.locator("#protocol-input")
        await expect(field).to_be_focused()
        await expect(step).to_contain_text("10–45")
        await page.keyboard.type("50")
        await page.keyboard.press("Enter")
        await expect(page.locator("#toast")).to_contain_text("45")
        await expect(step).to_have_attribute("data-node", "weeks")
        await field.fill("38")
        await page.keyboard.press("Enter")
        await expect(step).to_have_attribute("data-node", "bleeding_now")
        await expect(step).to_be_focused()  # the field went with its question
        await _answer(page, "n", "head_visible")
        await _answer(page, "n", "waters")
        await _answer(page, "y", "count_contractions")

        # The contractions counted by Space; then the stopwatch runs beside the counter.
        counter = panel.locator('#protocol-timers .timer[data-kind="counter"]')
        posts = len(sent)
        for _ in range(3):
            await page.keyboard.press("Space")
        await expect(counter).to_have_attribute("data-count", "3")
        assert sent[posts:] == []  # taps stay in the browser
        await _answer(page, "Enter", "time_interval")
        stopwatch = panel.locator('#protocol-timers .timer[data-kind="stopwatch"]')
        await expect(stopwatch).to_have_attribute("data-running", "true")
        await expect(stopwatch.locator(".timer-time")).to_have_text("0:01")
        await page.keyboard.press("Space")  # the newest counter: one more contraction
        await expect(counter).to_have_attribute("data-count", "4")
        assert await _violations(page) == []
        await _answer(page, "Enter", "interval_min")
        await page.keyboard.type("4")
        await page.keyboard.press("Enter")
        await expect(step).to_have_attribute("data-node", "urge_to_push")
        await _answer(page, "n", "early_labour")
        await _answer(page, "Enter", "")
        await expect(step).to_have_attribute("data-kind", "finished")
        await expect(panel.locator("#protocol-timers .timer")).to_have_count(0)

        card_id = await page.evaluate("window.dispatchConsole.activeCardId")
        walks = await http.get(
            f"/api/v1/cards/{card_id}/protocols", headers={"Authorization": f"Bearer {token}"}
        )
        (walk,) = walks.json()
        assert walk["finished"]
        answers = {a["node"]: a["value"] for a in walk["answers"]}
        assert answers["weeks"] == "38 weeks"
        assert answers["interval_min"] == "4 min"
    assert page.errors == []  # type: ignore[attr-defined]
