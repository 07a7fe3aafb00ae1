"""The supervisor console's roster dialog (Alt+O) in Debian's headless Chromium: who is missing
or late now, tomorrow's forecast against the roster (from a history written by the ACD's own
queue-log writer), a shift planned from the keyboard, a roster file refused with its line and
nothing stored, and a shift deleted; axe-core finds nothing in the dialog. Screenshots in
``test-artifacts/supervisor-roster/``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, FilePayload, expect

from dispatch.core.database import unit_of_work
from dispatch.queues import queue_log
from dispatch.queues.states import QueueEvent
from tests.consoles.conftest import sign_in
from tests.consoles.pages import Shots, open_page, sign_in_page
from tests.consoles.test_accessibility_browser import _violations
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

shot = Shots("supervisor-roster")
TZ = ZoneInfo("Asia/Tashkent")


async def _history(server: Live, tomorrow: datetime) -> None:
    """Three calls at 10:05 on tomorrow's weekday in each of the four weeks before it."""
    runtime = server.app.state.runtime
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        for weeks in range(1, 5):
            at = (tomorrow - timedelta(weeks=weeks)).replace(hour=10, minute=5)
            for n in range(3):
                await queue_log.write(
                    session,
                    QueueEvent.ENTER,
                    at=(at + timedelta(seconds=n)).astimezone(UTC),
                    queue="voice-uz",
                    call_id=uuid.uuid4(),
                )


async def test_the_roster_dialog_shows_who_is_missing_and_tomorrows_forecast(
    browser: Browser, server: Live
) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    tomorrow = datetime.combine(datetime.now(TZ).date() + timedelta(days=1), time(0), TZ)
    await _history(server, tomorrow)
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        boss = {"Authorization": f"Bearer {await sign_in(http, 'supervisor1')}"}
        for user, start, end in (
            ("operator2", now - timedelta(minutes=30), now + timedelta(hours=1)),
            ("operator1", now - timedelta(minutes=40), now + timedelta(hours=1)),
            ("operator1", tomorrow + timedelta(hours=8), tomorrow + timedelta(hours=20)),
        ):
            made = await http.post(
                "/api/v1/rosters",
                headers=boss,
                json={
                    "username": user,
                    "starts_at": start.isoformat(),
                    "ends_at": end.isoformat(),
                    # operator1 is planned for sign language now, which the ACD does not give
                    "skills": ["sign_language"] if user == "operator1" and start < now else [],
                },
            )
            assert made.status_code == 201, made.text
        operator = {"Authorization": f"Bearer {await sign_in(http, 'operator1')}"}
        signed = await http.post(
            "/api/v1/operators/me/state", headers=operator, json={"state": "available"}
        )
        assert signed.status_code == 200, signed.text

        page = await open_page(browser, f"{server.http}/supervisor/", bypass_csp=True)  # axe
        await sign_in_page(page, "supervisor1")
        await page.keyboard.press("Alt+O")
        dialog = page.locator('#dialog[data-name="roster"]')
        await expect(dialog).to_be_visible()
        await expect(page.locator("#presence-title")).to_be_focused()

        # Now: operator2 never signed in (missing, listed first), operator1 came 40 min late.
        presence = page.locator("#presence-table tbody tr")
        await expect(presence).to_have_count(2)
        await expect(presence.nth(0)).to_have_attribute("data-presence", "missing")
        await expect(presence.nth(0)).to_contain_text("Aleksandr Pak")
        await expect(presence.nth(1)).to_have_attribute("data-presence", "late")
        await expect(presence.nth(1)).to_contain_text("Dilnoza Karimova")
        await expect(presence.nth(1).locator("td.lacking")).to_have_text("sign_language")

        # Tomorrow: 48 half-hours; 10:00 has the history's three calls and operator1 rostered.
        rows = page.locator("#forecast-table tbody tr")
        await expect(rows).to_have_count(48)
        ten = rows.nth(20)
        await expect(ten.locator("td").nth(0)).to_have_text("3")
        await expect(ten.locator("td").nth(2)).to_have_text("1")
        await expect(rows.nth(4).locator("td").nth(2)).to_have_text("0")
        await expect(page.locator("svg.forecast-bars rect")).to_have_count(96)
        await shot(page, "00-roster-dialog")
        assert await _violations(page) == []

        # A night shift planned from the keyboard: the end before the start ends the next day.
        # Tab from the news passes the forecast's table and each shift's delete button.
        await page.keyboard.press("Tab")
        await expect(page.locator(".forecast-scroll")).to_be_focused()
        await page.locator("#shift-username").focus()
        await page.keyboard.type("operator2")
        await page.locator("#shift-start").fill("20:00")
        await page.locator("#shift-end").fill("08:00")
        await page.locator("#shift-note").focus()
        await page.keyboard.type("tungi smena")
        await page.keyboard.press("Enter")
        planned = page.locator("#shifts-table tr[data-username='operator2']")
        await expect(planned).to_have_count(2)
        await expect(planned.nth(1)).to_contain_text("20:00")
        stored = await http.get(
            f"/api/v1/rosters?date_from={tomorrow.date()}&date_to={tomorrow.date()}&username=operator2",
            headers=boss,
        )
        # By its start: near midnight the shift of "now" above runs into tomorrow too.
        starts = (tomorrow + timedelta(hours=20)).isoformat()
        [night] = [shift for shift in stored.json() if shift["starts_at"] == starts]
        assert night["ends_at"] == (tomorrow + timedelta(days=1, hours=8)).isoformat()
        assert night["note"] == "tungi smena"

        # A file with one bad row: refused with its line, nothing stored.
        day_after = tomorrow.date() + timedelta(days=1)
        refused = FilePayload(
            name="roster.csv",
            mimeType="text/csv",
            buffer=(
                "username,date,start,end,queues,skills\r\n"
                f"operator1,{day_after},08:00,20:00,,\r\n"
                f"nobody,{day_after},08:00,20:00,,\r\n"
            ).encode(),
        )
        await page.locator("#roster-file").set_input_files(files=[refused])
        await page.locator("#shift-note").focus()
        await page.keyboard.press("Enter")
        errors = page.locator("#roster-errors li")
        await expect(errors).to_have_count(1)
        await expect(errors).to_contain_text("3")
        await expect(errors).to_contain_text("nobody")
        await expect(page.locator("#dialog-error")).not_to_be_empty()
        await shot(page, "01-file-refused")
        assert await _violations(page) == []
        later = await http.get(
            f"/api/v1/rosters?date_from={day_after}&date_to={day_after}", headers=boss
        )
        assert [e for e in later.json() if e["starts_at"].startswith(str(day_after))] == []

        # The night shift deleted from the keyboard.
        delete = planned.nth(1).locator("button.shift-delete")
        await delete.focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#shifts-table tr[data-username='operator2']")).to_have_count(1)
        await page.keyboard.press("Escape")
        await expect(dialog).to_be_hidden()
