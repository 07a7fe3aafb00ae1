"""The trainer's page (issue 29) in Debian's headless Chromium, its register and schedules:
supervisor1 opens operator1's competency register by keyboard (operator1 attended a session
of a programme serving A1.02.3 and passed its test, with no QA answers since, so the rules do
not suggest it), tries to record the task without a note and reads the refusal at the form,
then records it with a note; trainer1 sees the register without the form, and operator1 sees
the record under "My training". trainer1 adds a schedule for the sign-language operators
(operator2 never trained: due at once), reads who is due, plans a session and invites
operator2 from the schedule's suggestion. Everything shown is what the API stored; axe-core
finds no WCAG 2.1 AA violation.

Every wait is bounded (Playwright's ``WAIT_MS``); screenshots go to ``test-artifacts/training/``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from dispatch.core.settings import Settings
from tests.consoles.pages import Shots, open_page, sign_in_app
from tests.fixtures.browser import browser, chromium_args  # noqa: F401 (fixtures)
from tests.fixtures.live import Live, live_server
from tests.protocols.test_editor_browser import violations
from tests.qa.conftest import bearer
from tests.training.helpers import programme

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
_shot = Shots("training")
TZ = ZoneInfo("Asia/Tashkent")
NOTE = "Smenada bir oy kuzatildi"


@pytest_asyncio.fixture
async def live(settings: Settings) -> AsyncIterator[Live]:
    """The app on the test's database, served on a loopback port."""
    async with live_server(settings) as served:
        yield served


async def _press(page: Page, selector: str) -> None:
    await page.focus(selector)
    await page.keyboard.press("Enter")


async def _trained(http: httpx.AsyncClient) -> str:
    """operator1 attended a session of the address programme an hour ago and passed its test."""
    trainer = await bearer(http, "trainer1")
    made = await http.post("/api/v1/training/programmes", json=programme(), headers=trainer)
    assert made.status_code == 201, made.text
    start = datetime.now(UTC) - timedelta(hours=1)
    body = {"programme_id": made.json()["id"], "starts_at": start.isoformat(), "minutes": 30}
    planned = await http.post("/api/v1/training/sessions", json=body, headers=trainer)
    assert planned.status_code == 201, planned.text
    url = f"/api/v1/training/sessions/{planned.json()['id']}"
    for method, path, json in (
        ("POST", "/trainees", {"usernames": ["operator1"]}),
        ("PUT", "/attendance", {"attended": {"operator1": True}}),
        ("PUT", "/trainees/operator1/test", {"answers": [0, 1]}),
    ):
        done = await http.request(method, f"{url}{path}", json=json, headers=trainer)
        assert done.status_code == 200, done.text
    return str(made.json()["id"])


async def test_a_supervisor_records_a_competency_on_the_register_page(
    browser: Browser,  # noqa: F811 (the fixture)
    live: Live,
) -> None:
    async with httpx.AsyncClient(base_url=live.http, timeout=30) as http:
        await _trained(http)
        page = await open_page(browser, f"{live.http}/training/", bypass_csp=True)
        await sign_in_app(page, "supervisor1")
        await page.keyboard.press("Alt+r")
        await expect(page.locator("#main-title")).to_have_text("Kompetensiyalar reyestri")
        await page.select_option("#staff-picker", "operator1")
        await _press(page, "#staff-form button[type=submit]")
        await expect(page.locator("#register-title")).to_have_text(
            "Dilnoza Karimova (operator1) · operatorlar"
        )
        await expect(page.locator("#register-title")).to_be_focused()
        row = page.locator("#register-table tr[data-code='A1.02.3']")
        await expect(row).to_contain_text("Manzilni aniqlash")
        await expect(row).to_contain_text("Test: 100% topshirdi")
        await expect(row).to_contain_text("javob yo‘q")
        await expect(row).to_contain_text("taklif qilinmaydi")
        await expect(page.locator("#register-table tbody tr")).to_have_count(19)

        # The row's button chooses the task and moves to the note; without one, refused.
        await _press(page, "#register-table tr[data-code='A1.02.3'] button.record-task")
        note = page.locator("#competency-form textarea[name=note]")
        await expect(note).to_be_focused()
        await expect(page.locator("#competency-form select[name=code]")).to_have_value("A1.02.3")
        await expect(page.locator("#note-hint")).to_contain_text("taklif qilmaydi")
        await _press(page, "#competency-form button[type=submit]")
        await expect(page.locator("#competency-error")).to_have_text(
            "Dalillar bu vazifani tasdiqlamaydi; nima tasdiqlashini yozing"
        )
        await expect(note).to_be_focused()
        await expect(note).to_have_attribute("aria-invalid", "true")
        await _shot(page, "05-register-refused")
        register = await http.get(
            "/api/v1/competencies/operator1", headers=await bearer(http, "supervisor1")
        )
        assert [t["recorded"] for t in register.json()["tasks"] if t["code"] == "A1.02.3"] == [[]]

        await note.fill(NOTE)
        await _press(page, "#competency-form button[type=submit]")
        await expect(page.locator("#toast")).to_have_text("Kompetensiya yozildi")
        await expect(row).to_contain_text("3-daraja")
        await expect(row).to_contain_text(f"supervisor1 (taklif qilinmaydi) — {NOTE}")
        register = await http.get(
            "/api/v1/competencies/operator1", headers=await bearer(http, "supervisor1")
        )
        [task] = [t for t in register.json()["tasks"] if t["code"] == "A1.02.3"]
        [entry] = task["recorded"]
        assert (entry["note"], entry["suggested"], entry["recorded_by"]) == (
            NOTE,
            False,
            "supervisor1",
        )
        await _shot(page, "06-register-recorded")
        assert await violations(page) == []

        # A trainer reads it: no form, no buttons.
        await page.click("#signout-button")
        await sign_in_app(page, "trainer1")
        await _press(page, "#competencies-button")
        await page.select_option("#staff-picker", "operator1")
        await _press(page, "#staff-form button[type=submit]")
        await expect(row).to_contain_text(NOTE)
        await expect(page.locator("#competency-form")).to_have_count(0)
        await expect(page.locator("button.record-task")).to_have_count(0)

        # operator1 sees their own register under "My training", read-only.
        await page.click("#signout-button")
        await sign_in_app(page, "operator1")
        await expect(page.locator("#main-title")).to_have_text("Mening o‘qishim")
        await expect(page.locator("#competencies-button")).to_be_hidden()
        mine = page.locator("#my-register tr[data-code='A1.02.3']")
        await expect(mine).to_contain_text(NOTE)
        await expect(page.locator("#my-register button")).to_have_count(0)
        assert await violations(page) == []
        assert page.errors == []  # type: ignore[attr-defined]


async def test_a_trainer_adds_a_schedule_and_invites_from_its_suggestion(
    browser: Browser,  # noqa: F811 (the fixture)
    live: Live,
) -> None:
    async with httpx.AsyncClient(base_url=live.http, timeout=30) as http:
        trainer = await bearer(http, "trainer1")
        made = await http.post("/api/v1/training/programmes", json=programme(), headers=trainer)
        assert made.status_code == 201, made.text
        page = await open_page(browser, f"{live.http}/training/", bypass_csp=True)
        await sign_in_app(page, "trainer1")
        await page.keyboard.press("Alt+s")
        await expect(page.locator("#main-title")).to_have_text("Jadvallar")
        await expect(page.locator("#main-body")).to_contain_text("Hozircha jadval yo‘q")
        form = page.locator("#schedule-form")
        await form.locator("select[name=programme_id]").select_option(made.json()["id"])
        await form.locator("input[name=skills]").fill("sign_language")
        await form.locator("input[name=interval_months]").fill("6")
        await form.locator("input[name=lead_days]").fill("14")
        await form.locator("input[name=note]").fill("Imo-ishora tili")
        await _press(page, "#schedule-form button[type=submit]")
        await expect(page.locator("#toast")).to_have_text("Jadval qo‘shildi")
        listed = page.locator("#schedule-list li")
        await expect(listed).to_have_count(1)
        await expect(listed).to_contain_text("har 6 oyda, 14 kun oldin taklif qilinadi")
        await expect(listed).to_contain_text("qamrovda 1 kishi, muddati kelgan 1 kishi")
        await expect(listed).to_contain_text("Mashg‘ulot rejalashtirilmagan")
        await _press(page, "#schedule-list li button.show-due")
        await expect(listed.locator(".due")).to_have_text(
            "Aleksandr Pak: hali o‘qimagan MUDDATI O‘TGAN"
        )
        [stored] = (await http.get("/api/v1/training/schedules", headers=trainer)).json()
        assert (stored["skills"], stored["roles"], stored["interval_months"]) == (
            ["sign_language"],
            [],
            6,
        )
        assert (stored["lead_days"], stored["note"]) == (14, "Imo-ishora tili")
        await _shot(page, "07-schedules")
        assert await violations(page) == []

        # A session in two days suggests operator2 from the schedule; invited from it.
        await _press(page, "#programme-list button")
        when = (datetime.now(UTC) + timedelta(days=2)).astimezone(TZ)
        await page.fill("#plan-when", when.strftime("%Y-%m-%dT%H:%M"))
        await _press(page, "#plan-form button[type=submit]")
        session = page.locator(".session")
        await expect(session).to_have_count(1)
        suggestion = session.locator(".invite label[data-source=schedule]")
        await expect(suggestion).to_have_text("Aleksandr Pak — jadval bo‘yicha: hali o‘qimagan")
        await session.locator(".invite input[value=operator2]").focus()
        await page.keyboard.press("Space")
        await _press(page, ".session .invite button[type=submit]")
        await expect(session.locator(".attendance")).to_contain_text(
            "Aleksandr Pak (jadval bo‘yicha)"
        )
        [planned] = (await http.get("/api/v1/training/sessions", headers=trainer)).json()
        [trainee] = planned["trainees"]
        assert (trainee["username"], trainee["source"], trainee["schedule_id"]) == (
            "operator2",
            "schedule",
            stored["id"],
        )
        await page.keyboard.press("Alt+s")
        await expect(listed).to_contain_text("Navbatdagi mashg‘ulot")
        await _press(page, "#schedule-list li button.show-due")
        await expect(listed.locator(".due")).to_contain_text("taklif qilingan")
        await _shot(page, "08-schedule-invited")
        assert await violations(page) == []
        assert page.errors == []  # type: ignore[attr-defined]
