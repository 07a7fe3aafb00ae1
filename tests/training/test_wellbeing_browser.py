"""The trainer's page (issue 29) in Debian's headless Chromium, its Wellbeing section: operator1
closes a card of violence against a child (the listener opens a case: a break offered, a talk
flagged) and then asks for a break and a talk themselves (a second case: a talk flagged, no
second offer while the first is unanswered). trainer1 opens Wellbeing with Alt+W and reads
today's counts in the report of the last 30 days and its totals (1 traumatic call, 1 own
request, 1 break offered, 2 talks flagged, none held), the talks to hold with the reasons by
name and the cases with names; marking the oldest talk held without a note is refused at the
field in Uzbek, with a note it is held (the API shows it held, with the note, and the report
counts it). In Russian, a period ending before it starts and a talk a supervisor held
meanwhile are refused in Russian. operator2 signing in sees no Wellbeing button, Alt+W does
nothing, and the API refuses them the report and shows them no other operator's talk.
axe-core finds no WCAG 2.1 AA violation.

Every wait is bounded (Playwright's ``WAIT_MS``); screenshots go to ``test-artifacts/training/``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from dispatch.cards.consistency import ALL_WARNINGS
from dispatch.core.settings import Settings
from tests.consoles.pages import Shots, open_page, sign_in_app
from tests.fixtures.browser import browser, chromium_args  # noqa: F401 (fixtures)
from tests.fixtures.live import Live, live_server
from tests.fixtures.waiting import eventually
from tests.protocols.test_editor_browser import violations
from tests.qa.conftest import bearer

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
_shot = Shots("training")
TZ = ZoneInfo("Asia/Tashkent")
NOTE = "Suhbat o‘tkazildi, qo‘shimcha yordam kerak emas"
CHILD_ABUSE = {"incident": {"type": "violence.child_abuse"}}
# The day's figures in the table's order: traumatic calls, own requests, breaks offered,
# taken, declined, talks flagged, held, cancelled.
BEFORE = ["1", "1", "1", "0", "0", "2", "0", "0"]
AFTER = ["1", "1", "1", "0", "0", "2", "1", "0"]


@pytest_asyncio.fixture
async def live(settings: Settings) -> AsyncIterator[Live]:
    """The app on the test's database, served on a loopback port."""
    async with live_server(settings) as served:
        yield served


async def _press(page: Page, selector: str) -> None:
    await page.focus(selector)
    await page.keyboard.press("Enter")


async def _cases(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    """operator1 closes a card of violence against a child, then asks for a talk themselves:
    their two cases, newest first."""
    operator = await bearer(http, "operator1")
    made = await http.post("/api/v1/cards", json=CHILD_ABUSE, headers=operator)
    assert made.status_code == 201, made.text
    closed = await http.post(
        f"/api/v1/cards/{made.json()['id']}/close",
        json={"outcome": "advice_given", "acknowledge": sorted(ALL_WARNINGS)},
        headers=operator,
    )
    assert closed.status_code == 200, closed.text

    async def opened() -> list[dict[str, Any]] | None:
        mine = await http.get("/api/v1/wellbeing/mine", headers=operator)
        return mine.json() or None

    [case] = await eventually(opened, what="the case of the closed card")
    assert (case["source"], case["reasons"]) == ("card", ["violence_child"])
    asked = await http.post(
        "/api/v1/wellbeing/requests", json={"note": "Og‘ir bo‘ldi"}, headers=operator
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["offer"] is None  # the first offer is still unanswered
    mine = await http.get("/api/v1/wellbeing/mine", headers=operator)
    return list(mine.json())


async def _figures(page: Page, row: str) -> list[str]:
    cells = page.locator(f"{row} td")
    return [text.strip() for text in (await cells.all_inner_texts())[:8]]


async def test_a_trainer_reads_the_report_and_holds_a_talk_an_operator_sees_nothing(
    browser: Browser,  # noqa: F811 (the fixture)
    live: Live,
) -> None:
    async with httpx.AsyncClient(base_url=live.http, timeout=30) as http:
        request, card = await _cases(http)
        page = await open_page(browser, f"{live.http}/training/", bypass_csp=True)
        await sign_in_app(page, "trainer1")
        await expect(page.locator("#wellbeing-button")).to_be_visible()
        await page.keyboard.press("Alt+w")
        await expect(page.locator("#main-title")).to_have_text("Ruhiy holat")
        await expect(page.locator("#main-title")).to_be_focused()

        # The last 30 days up to today in Tashkent; today's row and the totals.
        today = datetime.now(UTC).astimezone(TZ).date()
        await expect(page.locator("#wellbeing-to")).to_have_value(today.isoformat())
        frm = await page.locator("#wellbeing-from").input_value()
        assert (today - datetime.strptime(frm, "%Y-%m-%d").date()).days == 29
        row = f"#wellbeing-days tbody tr[data-day='{today.isoformat()}']"
        await expect(page.locator("#wellbeing-days tbody tr")).to_have_count(1)
        await expect(page.locator(f"{row} th")).to_have_text(today.strftime("%d.%m.%Y"))
        assert await _figures(page, row) == BEFORE
        assert await _figures(page, "#wellbeing-days tfoot tr") == BEFORE
        await expect(page.locator("#wellbeing-days tfoot th")).to_have_text("Jami")
        await expect(page.locator(f"{row} td").nth(8)).to_have_text("—")
        await expect(page.locator("#wellbeing-report")).to_contain_text(
            "Holatsiz kunlar ko‘rsatilmagan: 29"
        )

        # The cases with names, the reasons by the rules' names, the card's number.
        cases = page.locator("#wellbeing-cases tbody tr")
        await expect(cases).to_have_count(2)
        await expect(cases.nth(0)).to_contain_text("Dilnoza Karimova (operator1)")
        await expect(cases.nth(0)).to_contain_text("Bolaga nisbatan zo‘ravonlik")
        await expect(cases.nth(0)).to_contain_text(card["card_number"])
        await expect(cases.nth(0)).to_contain_text("taklif qilingan")
        await expect(cases.nth(1)).to_contain_text("O‘zi so‘radi")

        # The talks to hold, oldest first: the card's, then the request (with its words).
        talks = page.locator("#wellbeing-debrief-list li.debrief")
        await expect(talks).to_have_count(2)
        first = talks.nth(0)
        assert await first.get_attribute("data-id") == card["debrief"]["id"]
        await expect(first).to_contain_text("Dilnoza Karimova (operator1)")
        await expect(first).to_contain_text("Bolaga nisbatan zo‘ravonlik")
        await expect(first).not_to_contain_text("null")  # no words of its own: nothing shown
        await expect(talks.nth(1)).to_contain_text("O‘z so‘zlari bilan: Og‘ir bo‘ldi")
        await _shot(page, "20-wellbeing")
        assert await violations(page) == []

        # Held without a note: refused at the field, in Uzbek; nothing stored.
        await _press(
            page,
            f"#wellbeing-debrief-list li[data-id='{card['debrief']['id']}'] button.hold-debrief",
        )
        note = first.locator("textarea[name=note]")
        await expect(note).to_be_focused()
        await _press(page, f"li[data-id='{card['debrief']['id']}'] .hold-form button[type=submit]")
        await expect(first.locator(".hold-form .error")).to_have_text(
            "Suhbatdan nimani saqlash kerakligini yozing: izoh majburiy."
        )
        await expect(note).to_be_focused()
        await expect(note).to_have_attribute("aria-invalid", "true")
        trainer = await bearer(http, "trainer1")
        still = await http.get("/api/v1/wellbeing/debriefs", headers=trainer)
        assert [d["id"] for d in still.json()] == [card["debrief"]["id"], request["debrief"]["id"]]

        # With a note: held; the list, the counts and the API say so.
        await note.fill(NOTE)
        await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")
        await expect(page.locator("#toast")).to_have_text(
            "Dilnoza Karimova bilan suhbat o‘tkazildi deb belgilandi"
        )
        await expect(page.locator("#wellbeing-debriefs-title")).to_be_focused()
        await expect(talks).to_have_count(1)
        assert await talks.nth(0).get_attribute("data-id") == request["debrief"]["id"]
        await expect(page.locator(row)).to_be_visible()
        assert await _figures(page, row) == AFTER
        assert await _figures(page, "#wellbeing-days tfoot tr") == AFTER
        await expect(cases.nth(0)).to_contain_text("o‘tkazilgan")
        held = await http.get("/api/v1/wellbeing/debriefs?status=held", headers=trainer)
        [debrief] = held.json()
        assert (debrief["id"], debrief["status"], debrief["closed_by"], debrief["note"]) == (
            card["debrief"]["id"],
            "held",
            "trainer1",
            NOTE,
        )
        day = today.isoformat()
        report = await http.get(
            f"/api/v1/wellbeing/report?date_from={day}&date_to={day}", headers=trainer
        )
        assert (
            report.json()["total"]["debriefs_held"],
            report.json()["total"]["debriefs_flagged"],
        ) == (1, 2)
        await _shot(page, "21-wellbeing-held")
        assert await violations(page) == []

        # In Russian: the section drawn again; a period ending before it starts, and a talk
        # a supervisor held meanwhile, refused in Russian (nothing asked of the server for the
        # first; the server's sentence by its code for the second).
        await page.keyboard.press("Alt+g")
        await expect(page.locator("#main-title")).to_have_text("Самочувствие")
        await expect(page.locator("#wellbeing-days tfoot th")).to_have_text("Итого")
        await page.fill("#wellbeing-from", day)
        await page.fill("#wellbeing-to", (today - timedelta(days=1)).isoformat())
        await _press(page, "#wellbeing-form button[type=submit]")
        await expect(page.locator("#wellbeing-error")).to_have_text(
            "Период не должен начинаться позже, чем заканчивается, и быть длиннее 366 дней."
        )
        other = request["debrief"]["id"]
        done = await http.post(
            f"/api/v1/wellbeing/debriefs/{other}/hold",
            json={"note": "Held by phone"},
            headers=await bearer(http, "supervisor1"),
        )
        assert done.status_code == 200, done.text
        await _press(page, f"li[data-id='{other}'] button.hold-debrief")
        await page.keyboard.type("Поговорили")
        await _press(page, f"li[data-id='{other}'] .hold-form button[type=submit]")
        await expect(page.locator(f"li[data-id='{other}'] .hold-form .error")).to_have_text(
            "Эта беседа уже закрыта"
        )
        closed = await http.get("/api/v1/wellbeing/debriefs?status=held", headers=trainer)
        assert {d["id"]: d["closed_by"] for d in closed.json()} == {
            card["debrief"]["id"]: "trainer1",
            other: "supervisor1",
        }

        # The help table names the key.
        await page.keyboard.press("F1")
        await expect(page.locator("#help table.shortcuts")).to_contain_text("Alt+W")
        await expect(page.locator("#help table.shortcuts")).to_contain_text(
            "Открыть самочувствие после тяжёлых вызовов"
        )
        await page.keyboard.press("Escape")

        # An operator: no button, the key does nothing, the API refuses the report.
        await page.click("#signout-button")
        await sign_in_app(page, "operator2")  # who reads the pages in Russian
        await expect(page.locator("#main-title")).to_have_text("Моё обучение")
        await expect(page.locator("#wellbeing-button")).to_be_hidden()
        await page.keyboard.press("Alt+w")
        await expect(page.locator("#main-title")).to_have_text("Моё обучение")
        await expect(page.locator("#wellbeing-report")).to_have_count(0)
        asked = await page.evaluate(
            """async (day) => {
              const token = sessionStorage.getItem("dispatch112.token");
              const headers = { Authorization: `Bearer ${token}` };
              const period = `date_from=${day}&date_to=${day}`;
              const report = await fetch(`/api/v1/wellbeing/report?${period}`, { headers });
              const talks = await fetch("/api/v1/wellbeing/debriefs", { headers });
              return [report.status, talks.status, await talks.json()];
            }""",
            day,
        )
        assert asked == [403, 200, []]
        assert page.errors == []  # type: ignore[attr-defined]
