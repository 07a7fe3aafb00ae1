"""The supervisor console beside an operator console, both in Debian's headless Chromium.

Two pages on one live server, each signed in through its own form: what the operator does shows
on the supervisor's floor (a call taken, its card, an escalation), and what the supervisor does
reaches the operator (the escalation taken, a call taken over, waiting calls moved to them by
command and by drag and drop, their state, queues and skills changed). Screenshots go to
``test-artifacts/supervisor-console/`` (or under ``$DISPATCH_TEST_ARTIFACTS``). Waits are
generous and never assert on time.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.consoles.conftest import GATEWAY, post_call, sign_in
from tests.consoles.pages import Shots, open_page, sign_in_page
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

shot = Shots("supervisor-console")


async def _consoles(browser: Browser, server: Live) -> tuple[Page, Page]:
    """operator1 on the operator console and supervisor1 on the supervisor console."""
    operator = await open_page(browser, f"{server.http}/operator/")
    supervisor = await open_page(browser, f"{server.http}/supervisor/")
    await sign_in_page(operator, "operator1")
    await sign_in_page(supervisor, "supervisor1")
    return operator, supervisor


async def _end_call(http: httpx.AsyncClient, call_id: str) -> None:
    body = {"event_id": f"end-{call_id}", "type": "ended", "at": datetime.now(UTC).isoformat()}
    response = await http.post(f"/api/v1/calls/{call_id}/events", json=body, headers=GATEWAY)
    assert response.status_code == 201, response.text


async def test_the_supervisor_sees_the_operators_call_and_escalation_and_takes_the_call_over(
    browser: Browser, server: Live
) -> None:
    operator, supervisor = await _consoles(browser, server)
    me = supervisor.locator('#operators tr[data-key="operator1"]')
    await expect(me).to_have_attribute("data-state", "signed_out")
    await shot(supervisor, "00-floor")
    await operator.keyboard.press("Alt+1")
    await expect(me).to_have_attribute("data-state", "available")

    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        # (1) A call taken on the operator console appears on the supervisor's floor.
        call = await post_call(http, caller_number="+998935550101")
        await expect(operator.locator("#offer")).to_contain_text("+998935550101")
        row = supervisor.locator(f'#calls tr[data-key="{call["id"]}"]')
        await expect(row).to_be_visible()
        await operator.keyboard.press("Alt+A")
        await expect(operator.locator("#state")).to_have_attribute("data-state", "on_call")
        await expect(row).to_have_attribute("data-status", "connected")
        await expect(row).to_contain_text("Dilnoza Karimova")
        await expect(me).to_have_attribute("data-state", "on_call")
        await expect(me).to_contain_text("+998935550101")
        card = supervisor.locator("#cards tr[data-key]")
        await expect(card).to_contain_text("Dilnoza Karimova")
        await expect(card).to_contain_text("%")
        await shot(supervisor, "01-call-taken")

        # (4) The operator escalates it; the escalation arrives with its reason.
        await operator.keyboard.press("Alt+S")
        await expect(operator.locator("#escalate-reason")).to_be_visible()
        await operator.keyboard.press("Tab")
        await operator.keyboard.type("Qo‘ng‘iroq qiluvchi tojik tilida gapiryapti")
        await operator.locator("#dialog-confirm").press("Enter")
        escalation = supervisor.locator("#escalations tr[data-status='open']")
        await expect(escalation).to_contain_text("tojik tilida")
        await expect(escalation).to_contain_text("Dilnoza Karimova")
        await shot(supervisor, "02-escalation-arrived")
        await escalation.locator("button[data-action='take']").click()
        taken = supervisor.locator("#escalations tr[data-status='taken']")
        await expect(taken).to_contain_text("Bahodir Yusupov")
        await expect(operator.locator("#escalation-list li[data-escalation-id]")).to_contain_text(
            "qabul qilindi"
        )

        # (3) Takeover from the keyboard: the escalations (Alt+3), take over its call (Alt+T).
        await supervisor.keyboard.press("Alt+3")
        await supervisor.keyboard.press("Alt+T")
        await expect(supervisor.locator("#dialog-title")).to_contain_text("+998935550101")
        await shot(supervisor, "03-takeover-dialog")
        await supervisor.keyboard.press("Enter")
        await expect(supervisor.locator("#my-call")).to_contain_text("+998935550101")
        await expect(row).to_contain_text("Bahodir Yusupov")
        await expect(operator.locator("#state")).to_have_attribute("data-state", "wrap_up")
        await expect(me).to_have_attribute("data-state", "wrap_up")
        await shot(supervisor, "04-taken-over")
        await shot(operator, "04-operator-released")

        # The supervisor resolves the escalation by command (Alt+X), the operator sees it.
        await supervisor.keyboard.press("Alt+3")
        await supervisor.keyboard.press("Alt+X")
        await expect(supervisor.locator("#resolution")).to_be_focused()
        await supervisor.keyboard.type("Tarjimon ulandi")
        await supervisor.keyboard.press("Enter")
        resolved = supervisor.locator("#escalations tr[data-status='resolved']")
        await expect(resolved).to_contain_text("Tarjimon ulandi")
        await expect(operator.locator("#escalation-list li[data-escalation-id]")).to_contain_text(
            "hal qilindi"
        )
        await _end_call(http, call["id"])
        await expect(supervisor.locator("#my-call")).to_be_hidden()
    assert operator.errors == []  # type: ignore[attr-defined]
    assert supervisor.errors == []  # type: ignore[attr-defined]


async def test_waiting_calls_moved_by_the_supervisor_ring_on_the_operator_console(
    browser: Browser, server: Live
) -> None:
    operator, supervisor = await _consoles(browser, server)
    await operator.keyboard.press("Alt+1")
    me = supervisor.locator('#operators tr[data-key="operator1"]')
    await expect(me).to_have_attribute("data-state", "available")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        # A video call: operator1 has no video skill, so it waits in its queue.
        first = await post_call(http, channel="video", caller_number="+998935550303")
        waiting = supervisor.locator(f'#calls tr[data-key="{first["id"]}"]')
        await expect(waiting).to_have_attribute("data-status", "waiting")
        await expect(supervisor.locator('#queues tr[data-key="video"]')).to_have_attribute(
            "data-waiting", "1"
        )
        await expect(operator.locator("#offer")).to_be_hidden()
        await shot(supervisor, "05-call-waiting")

        # (2a) By command: choose the call (Alt+1), move it (Alt+M) to the Uzbek voice queue.
        await supervisor.keyboard.press("Alt+1")
        await supervisor.keyboard.press("Alt+M")
        await supervisor.locator("#move-queue").select_option("voice-uz")
        await shot(supervisor, "06-move-dialog")
        await supervisor.locator("#dialog-confirm").click()
        await expect(operator.locator("#offer")).to_contain_text("+998935550303")
        await expect(waiting).to_have_attribute("data-status", "offered")
        await shot(operator, "07-moved-call-rings")
        await operator.keyboard.press("Alt+A")
        await expect(operator.locator("#state")).to_have_attribute("data-state", "on_call")
        await _end_call(http, first["id"])
        await expect(operator.locator("#state")).to_have_attribute("data-state", "wrap_up")
        await operator.keyboard.press("Alt+1")
        await expect(me).to_have_attribute("data-state", "available")

        # (2b) By drag and drop: another waiting video call dropped on operator1.
        second = await post_call(http, channel="video", caller_number="+998935550404")
        row = supervisor.locator(f'#calls tr[data-key="{second["id"]}"]')
        await expect(row).to_have_attribute("data-status", "waiting")
        await row.drag_to(me)
        await expect(operator.locator("#offer")).to_contain_text("+998935550404")
        await expect(row).to_contain_text("Dilnoza Karimova")
        await shot(supervisor, "08-dropped-on-operator")
        await shot(operator, "09-dropped-call-rings")
        await operator.keyboard.press("Alt+X")  # declined: it waits again, for anyone
        await expect(row).to_have_attribute("data-status", "waiting")
    assert operator.errors == []  # type: ignore[attr-defined]
    assert supervisor.errors == []  # type: ignore[attr-defined]


async def test_the_supervisor_changes_an_operator_by_drag_and_by_command_and_shows_the_wallboard(
    browser: Browser, server: Live
) -> None:
    operator, supervisor = await _consoles(browser, server)
    await operator.keyboard.press("Alt+1")
    me = supervisor.locator('#operators tr[data-key="operator1"]')
    await expect(me).to_have_attribute("data-state", "available")

    # By drag: a skill onto the operator, the operator onto a queue, then onto "on break".
    await supervisor.locator('#skill-palette [data-skill="sign_language"]').drag_to(me)
    await expect(me).to_contain_text("Imo-ishora tili")
    await me.drag_to(supervisor.locator('#queues tr[data-key="voice-ru"]'))
    await expect(me.locator("td").nth(5)).to_have_text("Ovozli, ruscha")
    await me.drag_to(supervisor.locator('#state-drops [data-state="on_break"]'))
    await expect(supervisor.locator("#break-reason")).to_be_visible()
    await supervisor.locator("#dialog-confirm").click()
    await expect(operator.locator("#state")).to_have_attribute("data-state", "on_break")
    await expect(me).to_have_attribute("data-state", "on_break")
    await shot(supervisor, "10-operator-changed-by-drag")
    # The reason chosen from the list is said in each reader's language (its code).
    await expect(me.locator(".state-badge")).to_have_text("Tanaffus: Dam olish")
    await operator.select_option("#language", "ru")
    await expect(operator.locator("#state")).to_have_text("Перерыв: Отдых")
    await operator.select_option("#language", "uz")

    # By command: choose operator1 (Alt+2, ↓ to them), change (Alt+S): available, every queue.
    await supervisor.keyboard.press("Alt+2")
    for _ in range(5):
        if await supervisor.evaluate("window.supervisorConsole.selected.operators") == "operator1":
            break
        await supervisor.keyboard.press("ArrowDown")
    await supervisor.keyboard.press("Alt+S")
    await supervisor.locator("#operator-state").select_option("available")
    await supervisor.locator("#operator-every-queue").check()
    await shot(supervisor, "11-operator-dialog")
    await supervisor.locator("#dialog-confirm").click()
    await expect(operator.locator("#state")).to_have_attribute("data-state", "available")
    await expect(me.locator("td").nth(5)).to_have_text("barcha navbatlar")

    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        listed = await http.get(
            "/api/v1/operators/operator1", headers={"Authorization": f"Bearer {token}"}
        )
        body = listed.json()
        assert (body["state"], body["queues"], body["skills"]["sign_language"]) == (
            "available",
            None,
            0,
        )
        await post_call(http, channel="video", caller_number="+998935550505")

    # The wallboard (Alt+B): big figures for the room, the waiting call counted.
    await supervisor.keyboard.press("Alt+B")
    await expect(supervisor.locator("#wallboard")).to_be_visible()
    await expect(supervisor.locator('#wallboard .tile[data-queue="all"] .big .count')).to_have_text(
        "1"
    )
    await expect(supervisor.locator("#floor")).to_be_hidden()
    await shot(supervisor, "12-wallboard")
    await supervisor.keyboard.press("Alt+B")
    await expect(supervisor.locator("#floor")).to_be_visible()

    # Help (?) lists the supervisor's keys in the user's language; Alt+G switches it.
    await supervisor.locator("#queues").click()
    await supervisor.keyboard.press("?")
    await expect(supervisor.locator("#dialog table.shortcuts")).to_contain_text(
        "Tanlangan qo‘ng‘iroqni o‘zimga olish"
    )
    await shot(supervisor, "13-help")
    await supervisor.keyboard.press("Escape")
    await supervisor.keyboard.press("Alt+G")
    await expect(supervisor.locator("#operators-table th").first).to_have_text("Оператор")
    await shot(supervisor, "14-russian")
    assert operator.errors == []  # type: ignore[attr-defined]
    assert supervisor.errors == []  # type: ignore[attr-defined]


async def test_an_operator_on_the_supervisor_console_is_told_it_is_for_supervisors(
    browser: Browser, server: Live
) -> None:
    page = await open_page(browser, f"{server.http}/supervisor/")
    await page.fill("#signin-username", "operator1")
    await page.fill("#signin-password", "operator1")
    await page.keyboard.press("Enter")
    await expect(page.locator("#signin-error")).to_contain_text("needs the role supervisor")
    await expect(page.locator("#console")).to_be_hidden()
    await shot(page, "15-operator-refused")
    assert page.errors == []  # type: ignore[attr-defined]
