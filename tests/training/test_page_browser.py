"""The trainer's page (issue 29) in Debian's headless Chromium: an analyst sees only the
regulations;
trainer1 builds a programme by keyboard that serves the standard's D2.01.4 and targets the
scorecard item operator1 missed (a QA training topic), plans a session that began half an hour
ago, invites operator1 from QA's suggestions, records attendance and a test (scored by the
server), and sees the effect table: operator1's share of yes on the item before (0 of 1) and
after (1 of 1, the window not over yet) the session. Everything shown is what the API
stored. operator1 then sees their own session, the programme's material and their result, and
rates the session. axe-core finds no WCAG 2.1 AA violation on the effect table or the trainee's
view.

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
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.settings import Settings
from tests.consoles.pages import Shots, open_page
from tests.fixtures.browser import browser, chromium_args  # noqa: F401 (fixtures)
from tests.fixtures.live import Live, live_server
from tests.protocols.test_editor_browser import violations
from tests.qa.conftest import CallSpec, answers, bearer, insert_calls

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]
_shot = Shots("training")
TZ = ZoneInfo("Asia/Tashkent")
QUESTIONS = "Which comes first?\n*The address\nThe name\n\nRepeat the address back?\nNo\n*Yes"


@pytest_asyncio.fixture
async def live(settings: Settings) -> AsyncIterator[Live]:
    """The app on the test's database, served on a loopback port."""
    async with live_server(settings) as served:
        yield served


async def _evaluate(http: httpx.AsyncClient, call_id: object, misses: dict[str, str]) -> str:
    body = {"call_id": str(call_id), "scorecard": "ace", "answers": answers(misses)}
    scored = await http.post("/api/v1/qa/evaluations", json=body, headers=await bearer(http, "qa1"))
    assert scored.status_code == 201, scored.text
    return str(scored.json()["id"])


async def _tick(page: Page, selector: str) -> None:
    await page.focus(selector)
    await page.keyboard.press("Space")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_trainer_runs_a_session_from_qa_findings_and_sees_its_effect(
    browser: Browser,  # noqa: F811 (the fixture)
    live: Live,
    engine: AsyncEngine,
) -> None:
    now = datetime.now(UTC)
    start = (now - timedelta(minutes=30)).replace(second=0, microsecond=0)
    before, after = await insert_calls(
        engine,
        [CallSpec(at=now - timedelta(days=3)), CallSpec(at=now - timedelta(minutes=5))],
    )
    async with httpx.AsyncClient(base_url=live.http, timeout=30) as http:
        missed = await _evaluate(http, before, {"all_key_questions": "no"})
        topic = {"evaluation_id": missed, "item": "all_key_questions"}
        made = await http.post(
            "/api/v1/qa/training-topics", json=topic, headers=await bearer(http, "qa1")
        )
        assert made.status_code == 201, made.text

        page = await open_page(browser, f"{live.http}/training/", bypass_csp=True)
        # An analyst reads only the regulations that concern them: no programmes, no effect.
        await page.fill("#signin-username", "analyst1")
        await page.fill("#signin-password", "analyst1")
        await page.keyboard.press("Enter")
        await expect(page.locator("#main-title")).to_have_text("Me’yoriy hujjatlar")
        await expect(page.locator("#programmes")).to_be_hidden()
        await expect(page.locator("#effect")).to_be_hidden()
        await expect(page.locator("#regulation-form")).to_have_count(0)
        await page.click("#signout-button")
        await page.fill("#signin-username", "trainer1")
        await page.fill("#signin-password", "trainer1")
        await page.keyboard.press("Enter")
        await expect(page.locator("#app")).to_be_visible()
        await expect(page.locator("#programme-list")).to_contain_text("Hozircha dastur yo‘q")

        # A programme, by keyboard: Alt+N opens the form.
        await page.keyboard.press("Alt+n")
        form = page.locator("#programme-form")
        await expect(form).to_be_visible()
        for name, value in (
            ("title_uz", "Asosiy savollar"),
            ("title_ru", "Ключевые вопросы"),
            ("title_en", "Key questions"),
            ("goals_uz", "Har bir savol"),
            ("goals_ru", "Каждый вопрос"),
            ("goals_en", "Every key question asked"),
            ("module_title", "The questions"),
            ("module_content", "Ask them in order."),
            ("materials", "https://example.org/questions.pdf"),
            ("pass_mark", "50"),
            ("questions", QUESTIONS),
        ):
            await form.locator(f"[name={name}]").fill(value)
        await _tick(page, "#functions input[value='D2.01.4']")
        await _tick(page, "#items input[value=all_key_questions]")
        await form.locator("button[type=submit]").focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#main-title")).to_have_text("Asosiy savollar")
        await expect(page.locator("#toast")).to_have_text("Dastur saqlandi")
        [stored] = (
            await http.get("/api/v1/training/programmes", headers=await bearer(http, "trainer1"))
        ).json()
        assert stored["functions"] == ["D2.01.4"]
        assert stored["items"] == ["all_key_questions"]
        assert [q["answer"] for q in stored["test"]["questions"]] == [0, 1]
        assert stored["modules"][0]["materials"] == [
            {"attachment_id": None, "url": "https://example.org/questions.pdf", "title": None}
        ]

        # A session that began half an hour ago, for 15 minutes.
        await page.fill("#plan-when", start.astimezone(TZ).strftime("%Y-%m-%dT%H:%M"))
        await page.fill("#plan-minutes", "15")
        await page.fill("#plan-place", "Xona 2")
        await page.focus("#plan-form button[type=submit]")
        await page.keyboard.press("Enter")
        session = page.locator(".session")
        await expect(session).to_have_count(1)
        await expect(session).to_contain_text("rejalashtirilgan")
        # operator1 is suggested by the open topic; invited from the suggestion.
        suggestion = session.locator(".invite input[value=operator1]")
        await expect(suggestion).to_have_count(1)
        await suggestion.focus()
        await page.keyboard.press("Space")
        await session.locator(".invite button[type=submit]").focus()
        await page.keyboard.press("Enter")
        await expect(session.locator(".attendance")).to_contain_text("sifat nazoratidan")
        await _shot(page, "01-invited")
        # Attendance, then the test's answers: the right choice to both.
        await session.locator(".attendance input[value=operator1]").focus()
        await page.keyboard.press("Space")
        await session.locator(".attendance button[type=submit]").focus()
        await page.keyboard.press("Enter")
        await expect(session).to_contain_text("o‘tkazilgan")
        await session.locator(".results input[name=answers]").fill("1 2")
        await session.locator(".results button[type=submit]").focus()
        await page.keyboard.press("Enter")
        await expect(session.locator(".results")).to_contain_text("100% topshirdi")
        sessions = (
            await http.get("/api/v1/training/sessions", headers=await bearer(http, "trainer1"))
        ).json()
        [trainee] = sessions[0]["trainees"]
        assert (sessions[0]["status"], sessions[0]["starts_at"][:16]) == (
            "held",
            start.isoformat()[:16],
        )
        assert (trainee["attended"], trainee["source"], trainee["test_score"]) == (
            True,
            "qa",
            100.0,
        )

        # After the session operator1 asks every key question; the effect table shows it.
        await _evaluate(http, after, {})
        await page.keyboard.press("Alt+e")
        row = page.locator("#effect-trainees tbody tr")
        await expect(row).to_have_count(1)
        await expect(row).to_contain_text("0% (0/1)")
        await expect(row).to_contain_text("100% (1/1) (davr tugamagan)")
        await expect(row).to_contain_text("+100")
        await expect(page.locator("#effect-programmes tbody tr")).to_contain_text("Asosiy savollar")
        await _shot(page, "02-effect")
        assert await violations(page) == []

        # operator1 sees the session, the programme and the result, and rates it by keyboard.
        await page.click("#signout-button")
        await expect(page.locator("#signin")).to_be_visible()
        await page.fill("#signin-username", "operator1")
        await page.fill("#signin-password", "operator1")
        await page.keyboard.press("Enter")
        await expect(page.locator("#main-title")).to_have_text("Mening o‘qishim")
        await expect(page.locator("#programmes")).to_be_hidden()
        await expect(page.locator("#effect")).to_be_hidden()
        mine = page.locator("article.session")
        await expect(mine).to_have_count(1)
        await expect(mine).to_contain_text("Asosiy savollar")
        await expect(mine.locator(".result")).to_have_text("Test: 100% topshirdi")
        await expect(mine.locator("a[href='https://example.org/questions.pdf']")).to_have_count(1)
        await mine.locator("select[name=rating]").select_option("4")
        await mine.locator("textarea[name=comment]").fill("Foydali")
        await mine.locator(".my-feedback button[type=submit]").focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#toast")).to_have_text("Fikr saqlandi")
        assignments = (
            await http.get("/api/v1/training/me", headers=await bearer(http, "operator1"))
        ).json()
        assert [(a["rating"], a["comment"]) for a in assignments] == [(4, "Foydali")]
        await _shot(page, "03-my-training")
        assert await violations(page) == []
        assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_regulation_is_published_acknowledged_and_followed_up(
    browser: Browser,  # noqa: F811 (the fixture)
    live: Live,
) -> None:
    async with httpx.AsyncClient(base_url=live.http, timeout=30) as http:
        page = await open_page(browser, f"{live.http}/training/", bypass_csp=True)
        await page.fill("#signin-username", "supervisor1")
        await page.fill("#signin-password", "supervisor1")
        await page.keyboard.press("Enter")
        await expect(page.locator("#app")).to_be_visible()
        await page.focus("#regulations-button")
        await page.keyboard.press("Enter")
        await expect(page.locator("#main-title")).to_have_text("Me’yoriy hujjatlar")
        form = page.locator("#regulation-form")
        for name, value in (
            ("code", "order-2026-15"),
            ("number", "15"),
            ("issued_on", "2026-11-20"),
            ("in_force_from", "2026-12-01"),
            ("days", "3"),
            ("title_uz", "Manzil buyrug‘i"),
            ("title_ru", "Приказ об адресе"),
            ("title_en", "Order on addresses"),
            ("summary_uz", "Mo‘ljal avval so‘raladi"),
            ("summary_ru", "Сначала ориентир"),
            ("summary_en", "Landmarks first"),
            ("url", "https://lex.uz/docs/0000000"),
            ("protocols", "cardiac_arrest"),
            ("scripts", "general"),
            ("routing", "fire.building"),
        ):
            await form.locator(f"[name={name}]").fill(value)
        await _tick(page, "#regulation-form input[name=role][value=operator]")
        await form.locator("button[type=submit]").focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#toast")).to_have_text("Hujjat e’lon qilindi")
        listed = page.locator("#regulation-list li")
        await expect(listed).to_have_count(1)
        await expect(listed).to_contain_text(
            "cardiac_arrest, ssenariy general, yo‘naltirish fire.building"
        )
        [stored] = (
            await http.get("/api/v1/regulations", headers=await bearer(http, "supervisor1"))
        ).json()
        assert (stored["roles"], stored["acknowledge_within_days"]) == (["operator"], 3)
        concerned = stored["concerned"]
        assert concerned >= 2
        await page.click("#signout-button")

        # operator1 reads it and acknowledges it by keyboard.
        await page.fill("#signin-username", "operator1")
        await page.fill("#signin-password", "operator1")
        await page.keyboard.press("Enter")
        await expect(page.locator("#main-title")).to_have_text("Mening o‘qishim")
        await page.focus("#regulations-button")
        await page.keyboard.press("Enter")
        mine = page.locator("#my-regulations li")
        await expect(mine).to_contain_text("Manzil buyrug‘i (v1)")
        await mine.locator("button").focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#toast")).to_have_text("O‘qilgan deb belgilandi")
        await expect(mine).to_contain_text("o‘qilgan")
        await expect(page.locator("#regulation-list")).to_have_count(0)
        assert await violations(page) == []
        await page.click("#signout-button")

        # The supervisor sees one of them has read it and who has not.
        await page.fill("#signin-username", "supervisor1")
        await page.fill("#signin-password", "supervisor1")
        await page.keyboard.press("Enter")
        await expect(page.locator("#effect-programmes")).to_be_visible()
        await page.click("#regulations-button")
        await expect(listed).to_contain_text(f"{concerned} kishidan 1 tasi o‘qidi")
        await listed.locator("button").click()
        pending = listed.locator(".pending")
        await expect(pending).to_contain_text("Aleksandr Pak")
        await expect(pending).not_to_contain_text("Dilnoza Karimova")
        await _shot(page, "04-regulations")
        assert await violations(page) == []
        assert page.errors == []  # type: ignore[attr-defined]
