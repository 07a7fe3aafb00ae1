"""The supervisor console names what it shows in the person's language (issue 19), in Debian's
headless Chromium: in Russian, the floor with a call waiting, an offer rung out at an operator
(its alert), an operator with chosen queues and language skills and an escalation shows no
queue code, state, alert kind, skill key or language code and no username where a person is
meant — in the panels, the wallboard, the move, operator and resolve dialogs and the toast of
a drop. Screenshots go to ``test-artifacts/supervisor-language/``. Waits are generous and never
assert on time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.consoles.conftest import post_call, sign_in
from tests.consoles.pages import Shots, open_page, sign_in_page
from tests.fixtures.live import Live
from tests.fixtures.waiting import eventually

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

_shot = Shots("supervisor-language")

# Codes the stream carries; none may reach a person's eyes as it is.
RAW = (
    "voice-uz",
    "voice-ru",
    "voice-kaa",
    "voice-other",
    "video-sign",
    "signed_out",
    "on_break",
    "on_call",
    "wrap_up",
    "long_wait",
    "service_level",
    "ring_no_answer",
    "lang:",
    "channel:",
)
# A language code alone ("UZ"), not the one a language's name carries ("узбекский (UZ)").
_BARE_LANGUAGE = re.compile(r"(?<![\w(])(?:UZ|RU|KAA|EN)(?![\w)])")


def _raw(text: str) -> list[str]:
    found = [code for code in RAW if code in text]
    return found + _BARE_LANGUAGE.findall(text)


async def _floor_in_russian(browser: Browser, server: Live) -> tuple[Page, Page]:
    """supervisor1 in Russian; operator1 serving two queues with three languages, an offer
    rung out at them, then a call taken and escalated."""
    supervisor = await open_page(browser, f"{server.http}/supervisor/")
    # Tall enough for the whole floor: a drag that scrolls the page would start on another row.
    await supervisor.set_viewport_size({"width": 1600, "height": 2400})
    await sign_in_page(supervisor, "supervisor1")
    await supervisor.select_option("#language", "ru")
    await expect(supervisor.locator("html")).to_have_attribute("lang", "ru")
    operator = await open_page(browser, f"{server.http}/operator/")
    await sign_in_page(operator, "operator1")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        boss = {"Authorization": f"Bearer {await sign_in(http, 'supervisor1')}"}
        for method, url, body in (
            ("PATCH", "/api/v1/queues/voice-uz", {"offer_timeout_s": 1}),
            ("PUT", "/api/v1/operators/operator1/queues", {"queues": ["voice-ru", "voice-uz"]}),
            (
                "PUT",
                "/api/v1/operators/operator1/skills",
                {"languages": {"uz": 0, "ru": 1, "kaa": 2}, "channels": {"voice": 0}},
            ),
        ):
            answer = await http.request(method, url, json=body, headers=boss)
            assert answer.status_code == 200, answer.text
        await operator.keyboard.press("Alt+1")
        call = await post_call(http, caller_number="+998935550606")
        # Nobody answers the first offer: it rings out (an alert naming operator1).
        alert = supervisor.locator('#alerts li[data-kind="ring_no_answer"]')
        await expect(alert).to_be_visible()
        # The call comes back to operator1 after their rest (10 s): time to answer it then.
        longer = await http.patch(
            "/api/v1/queues/voice-uz", json={"offer_timeout_s": 120}, headers=boss
        )
        assert longer.status_code == 200, longer.text
        # The offer made under the longer time (the one that rang out showed the same caller,
        # and a 1 s offer made before the change could ring out again under the key press).
        lasting = await eventually(
            lambda: _lasting_offer(http, boss), what="operator1 offered the call for 120 s"
        )
        again = operator.locator(f'#offer:not([hidden])[data-offer-id="{lasting}"]')
        await expect(again).to_contain_text("+998935550606")
        await operator.keyboard.press("Alt+A")
        await expect(operator.locator("#state")).to_have_attribute("data-state", "on_call")
        mine = {"Authorization": f"Bearer {await sign_in(http, 'operator1')}"}
        raised = await http.post(
            f"/api/v1/calls/{call['id']}/escalate",
            json={"reason": "Говорит только по-таджикски", "kind": "language"},
            headers=mine,
        )
        assert raised.status_code == 201, raised.text
        await post_call(http, caller_number="+998935550707", language="ru")
    await expect(supervisor.locator("#escalations tr[data-key]")).to_have_count(1)
    await expect(supervisor.locator('#calls tr[data-status="waiting"]')).to_have_count(1)
    return supervisor, operator


async def test_the_supervisor_console_in_russian_names_queues_people_skills_and_languages(
    browser: Browser, server: Live
) -> None:
    page, operator = await _floor_in_russian(browser, server)
    await _shot(page, "01-floor-russian")
    floor = await page.locator("#floor").inner_text()
    alerts = await page.locator("#alerts").inner_text()
    assert _raw(floor) == [], floor
    assert _raw(alerts) == [], alerts
    # Queues by their Russian names: the queue table, the calls, the operator's queues.
    queues = await page.locator("#queues").inner_text()
    assert "Голос, узбекский" in queues, queues
    assert "Голос, русский" in queues, queues
    waiting = page.locator('#calls tr[data-status="waiting"]')
    await expect(waiting).to_contain_text("Голос, русский")
    await expect(waiting.locator("[data-language]")).to_have_text("русский (RU)")
    me = page.locator('#operators tr[data-key="operator1"]')
    await expect(me.locator("td").nth(5)).to_have_text("Голос, русский, Голос, узбекский")
    skills = await me.locator(".skills").inner_text()
    for name in ("узбекский", "русский", "каракалпакский", "Голос"):
        assert name in skills, skills
    # The alert says who let the offer ring out by name; its queue by name too.
    assert "Dilnoza Karimova" in alerts, alerts
    assert "operator1" not in alerts, alerts
    assert "Голос, узбекский" in alerts, alerts
    assert await page.locator("#language").get_attribute("aria-label") == "Язык"

    # The move dialog and the operator dialog list queues (and skills) by name.
    await waiting.click()
    await page.keyboard.press("Alt+M")
    options = await page.locator("#move-queue option").all_inner_texts()
    assert "Голос, узбекский" in options, options
    assert _raw(" ".join(options)) == [], options
    await _shot(page, "02-move-dialog")
    await page.keyboard.press("Escape")
    await me.click()
    await page.keyboard.press("Alt+S")
    queue_choices = await page.locator("#operator-queues").inner_text()
    assert "Видео, жестовый язык" in queue_choices, queue_choices
    skill_choices = await page.locator("#operator-skills").inner_text()
    assert "каракалпакский" in skill_choices, skill_choices
    assert _raw(queue_choices + skill_choices) == [], queue_choices + skill_choices
    await _shot(page, "03-operator-dialog")
    await page.keyboard.press("Escape")

    # Resolving the escalation names its operator; a drop onto a queue names the queue.
    await page.locator("#escalations tr[data-key]").click()
    await page.keyboard.press("Alt+X")
    await expect(page.locator("#dialog-title")).to_have_text("Решить обращение Dilnoza Karimova")
    await page.keyboard.press("Escape")
    await me.drag_to(page.locator('#queues tr[data-key="sms"]'))
    await expect(page.locator("#toast")).to_have_text("Dilnoza Karimova теперь обслуживает SMS")
    await me.drag_to(page.locator('#queues tr[data-key="voice-kaa"]'))
    await expect(page.locator("#toast")).to_contain_text("Голос, каракалпакский")

    # The wallboard: tiles by queue name.
    await page.keyboard.press("Alt+B")
    await expect(page.locator("#wallboard")).to_be_visible()
    wall = await page.locator("#wallboard").inner_text()
    assert "Голос, русский" in wall, wall
    assert _raw(wall) == [], wall
    await _shot(page, "04-wallboard-russian")
    assert page.errors == []  # type: ignore[attr-defined]
    assert operator.errors == []  # type: ignore[attr-defined]


async def _lasting_offer(http: httpx.AsyncClient, boss: dict[str, str]) -> str | None:
    """operator1's active offer's id once it is one that lasts (made at the 120 s setting)."""
    seen = (await http.get("/api/v1/operators/operator1", headers=boss)).json()
    offer = seen.get("offer")
    if not offer or offer["status"] != "active":
        return None
    lasting = datetime.fromisoformat(offer["expires_at"]) - datetime.fromisoformat(
        offer["offered_at"]
    )
    return str(offer["id"]) if lasting > timedelta(seconds=60) else None
