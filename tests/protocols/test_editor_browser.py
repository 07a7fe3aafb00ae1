"""The protocol editor (issue 24) in Debian's headless Chromium: an operator is turned away;
methodologist1 opens the seeded cardiac-arrest draft, reads it, edits a text in its JSON and
saves it by keyboard (stored: the API answers it), submits it; their own approval is refused
(four eyes) with the server's sentence shown; a return without a note is refused on the page;
methodologist2 approves it and it shows approved and read-only; a new version from it is a draft,
a second one is refused (one open version) with the message shown; a goto to a missing node in
the JSON shows the server's 422 naming it, keeps what was typed and stores nothing; a
supervisor reads without a button to change anything, under the page's own CSP. axe-core finds
no WCAG 2.1 AA violation in the main states.

Every wait is bounded (Playwright's ``WAIT_MS``); screenshots go to
``test-artifacts/protocols/``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Dialog, Page, expect

from dispatch.core.settings import Settings
from tests.consoles.pages import Shots, open_page, sign_in_app
from tests.fixtures.browser import browser, chromium_args  # noqa: F401 (fixtures)
from tests.fixtures.live import Live, live_server
from tests.qa.conftest import bearer

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_shot = Shots("protocols")
EDITED = "Is the person awake? Call to them loudly and tap both shoulders. Do they answer?"


@pytest_asyncio.fixture
async def live(settings: Settings) -> AsyncIterator[Live]:
    """The app on the test's database, served on a loopback port."""
    async with live_server(settings) as served:
        yield served


async def violations(page: Page) -> list[str]:
    """What axe-core finds against WCAG 2.1 A and AA on the page as it is, one line each."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing; run 'make test' (it installs package-lock.json's axe-core)")
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(await asyncio.to_thread(AXE.read_text))
    found: list[dict[str, Any]] = await page.evaluate(
        """async (tags) => {
            const result = await window.axe.run(document, {
                runOnly: { type: "tag", values: tags }, resultTypes: ["violations"],
            });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact,
                nodes: v.nodes.map((n) => n.target.join(" ") + ": " + n.failureSummary),
            }));
        }""",
        TAGS,
    )
    return [f"{v['id']} ({v['impact']}): {node}" for v in found for node in v["nodes"]]


async def sign_out(page: Page) -> None:
    await page.click("#signout-button")
    await expect(page.locator("#signin")).to_be_visible()


async def stored(http: httpx.AsyncClient, version_id: str) -> dict[str, Any]:
    headers = await bearer(http, "methodologist1")
    response = await http.get(f"/api/v1/protocol-versions/{version_id}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_methodologists_edit_submit_and_approve_a_protocol_in_the_editor(
    browser: Browser,  # noqa: F811 (the fixture)
    live: Live,
) -> None:
    seen: dict[str, list[str]] = {}
    async with httpx.AsyncClient(base_url=live.http, timeout=30) as http:
        headers = await bearer(http, "methodologist1")
        versions = (
            await http.get("/api/v1/protocols/cardiac_arrest/versions", headers=headers)
        ).json()
        assert [(v["version"], v["status"]) for v in versions] == [(1, "draft")]
        draft_id = versions[0]["id"]
        before = await stored(http, draft_id)

        page = await open_page(browser, f"{live.http}/protocols/", bypass_csp=True)
        # An operator is turned away with the reason.
        await page.fill("#signin-username", "operator1")
        await page.fill("#signin-password", "operator1")
        await page.keyboard.press("Enter")
        await expect(page.locator("#signin-error")).to_contain_text("metodistlar")
        await expect(page.locator("#app")).to_be_hidden()

        # methodologist1 (Uzbek): the five seeded protocols, each a draft with the DRAFT badge.
        await sign_in_app(page, "methodologist1")
        protocols = page.locator("#protocol-list .protocol")
        seeded = len((await http.get("/api/v1/protocols", headers=headers)).json())
        assert seeded >= 5
        await expect(protocols).to_have_count(seeded)
        cardiac = page.locator(".protocol[data-code=cardiac_arrest]")
        await expect(cardiac.locator(".draft-badge")).to_have_text("QORALAMA")
        await expect(page.locator(".protocol .draft-badge")).to_have_count(seeded)
        await expect(page.locator("#draft-legend")).to_contain_text("konsollar qoralamani")
        link = cardiac.locator("a.version-link")
        await expect(link).to_contain_text("1-versiya")
        await expect(link.locator(".status")).to_have_text("Qoralama")
        await expect(link).to_contain_text("system")  # who made it: the seed
        await expect(page.locator("#read-only")).to_be_hidden()

        # Open it by keyboard: Alt+L to the list (its first link), Tab to it, Enter.
        await page.keyboard.press("Alt+L")
        await expect(page.locator("#protocol-list a.version-link").first).to_be_focused()
        for _ in range(seeded):  # one link per protocol: Tab until cardiac_arrest's
            if await link.evaluate("el => el === document.activeElement"):
                break
            await page.keyboard.press("Tab")
        await expect(link).to_be_focused()
        await page.keyboard.press("Enter")
        version = page.locator("#version")
        await expect(version).to_have_attribute("data-status", "draft")
        await expect(link).to_have_attribute("aria-current", "true")
        await expect(page.locator("#version-title")).to_be_focused()  # read on from it
        await page.keyboard.press("Alt+L")  # back to the list: to the version open
        await expect(link).to_be_focused()
        await expect(page.locator("#version-title")).to_contain_text("1-versiya")
        # Readable: questions with answers and branches, the metronome, determinants, guidance.
        awake = page.locator("#nodes li[data-node=awake]")
        await expect(awake.locator(".node-text")).to_contain_text("Bemor hushidami?")
        await expect(awake.locator(".answer")).to_contain_text("ha yoki yo‘q")
        await expect(awake.locator(".branches li[data-goto=breathing]")).to_contain_text(
            "Aks holda"
        )
        age = page.locator("#nodes li[data-node=age_band]")
        await expect(age.locator(".choices li")).to_have_count(3)
        metronome = page.locator("#nodes [data-timer=metronome]").first
        await expect(metronome).to_contain_text("daqiqasiga 110 marta")
        determinants = before["definition"]["determinants"]
        await expect(page.locator("#determinants tbody tr")).to_have_count(len(determinants))
        await expect(page.locator("#guidance li")).to_have_count(
            len(before["definition"]["guidance"])
        )
        # The texts in Karakalpak (of the four a protocol holds), the interface staying Uzbek.
        await page.select_option("#text-language", "kaa")
        await expect(awake.locator(".node-text")).to_contain_text("Nawqas esinde me?")
        await expect(page.locator("#text-language")).to_be_focused()
        await _shot(page, "01-draft")
        seen["draft"] = await violations(page)

        # Edit a text in the JSON and save with Alt+S: stored.
        data = json.loads(await page.input_value("#definition"))
        assert data == before["definition"]
        data["nodes"][0]["text"]["en"] = EDITED
        await page.fill("#definition", json.dumps(data, ensure_ascii=False, indent=2))
        await expect(page.locator("#unsaved")).to_be_visible()
        await page.keyboard.press("Alt+S")
        await expect(page.locator("#toast")).to_have_text("Saqlandi.")
        await expect(page.locator("#unsaved")).to_be_hidden()
        await expect(page.locator("#save")).to_be_focused()
        saved = await stored(http, draft_id)
        assert saved["definition"]["nodes"][0]["text"]["en"] == EDITED
        assert saved["status"] == "draft"
        await page.select_option("#text-language", "en")
        await expect(awake.locator(".node-text")).to_have_text(EDITED)

        # Submit it for review; methodologist1's own approval is refused: four eyes.
        await page.click("#submit")
        await expect(version).to_have_attribute("data-status", "in_review")
        await expect(page.locator("#version-title")).to_be_focused()
        await expect(link.locator(".status")).to_have_text("Tekshiruvda")
        await expect(page.locator("#four-eyes-hint")).to_be_visible()
        await expect(page.locator("#definition")).to_have_count(0)
        await page.click("#approve")
        await expect(page.locator("#action-message")).to_have_text(
            "Protokol versiyasini uni yuborgan emas, boshqa metodist tasdiqlaydi"
        )
        await expect(version).to_have_attribute("data-status", "in_review")
        assert (await stored(http, draft_id))["status"] == "in_review"
        # Returning it needs a note: refused on the page, nothing sent.
        await page.focus("#review-note")
        await page.keyboard.press("Tab")
        await expect(page.locator("#return")).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(page.locator("#note-error")).to_contain_text("izohda yozing")
        await expect(page.locator("#review-note")).to_be_focused()
        await _shot(page, "02-four-eyes")
        seen["in review, refused"] = await violations(page)
        assert (await stored(http, draft_id))["status"] == "in_review"

        # methodologist2 (Russian) approves it: approved, read-only, the DRAFT badge gone.
        await sign_out(page)
        await sign_in_app(page, "methodologist2")
        await expect(version).to_have_attribute("data-status", "in_review")  # #<id> kept
        await expect(page.locator("#four-eyes-hint")).to_have_count(0)
        await page.click("#approve")
        await expect(version).to_have_attribute("data-status", "approved")
        await expect(page.locator("#toast")).to_contain_text("Утверждено")
        await expect(link.locator(".status")).to_have_text("Утверждена")
        await expect(cardiac.locator(".draft-badge")).to_have_count(0)
        await expect(page.locator(".protocol .draft-badge")).to_have_count(seeded - 1)
        await expect(page.locator("#definition")).to_have_count(0)
        await expect(page.locator("#save")).to_have_count(0)
        await expect(page.locator("#approve")).to_have_count(0)
        await expect(page.locator("#immutable")).to_be_visible()
        await expect(page.locator("#version-facts")).to_contain_text("methodologist2")
        await expect(page.locator("#definition-json")).to_have_attribute("readonly", "")
        await _shot(page, "03-approved")
        seen["approved"] = await violations(page)
        approved = await stored(http, draft_id)
        assert (approved["status"], approved["approved_by"], approved["submitted_by"]) == (
            "approved",
            "methodologist2",
            "methodologist1",
        )
        assert approved["definition"]["nodes"][0]["text"]["en"] == EDITED
        operator = await bearer(http, "operator1")
        walked = (await http.get("/api/v1/protocols/cardiac_arrest", headers=operator)).json()
        assert (walked["version"], walked["approved"]) == (1, True)

        # A new version from it: a draft; a second one while it is open is refused.
        await page.click("#new-version")
        await expect(version).to_have_attribute("data-status", "draft")
        await expect(page.locator("#version-title")).to_contain_text("версия 2")
        second_id = await version.get_attribute("data-version")
        assert second_id
        assert second_id != draft_id
        assert page.url.endswith(f"#{second_id}")
        await expect(cardiac.locator("a.version-link")).to_have_count(2)
        await cardiac.locator(f"li[data-version='{draft_id}'] a").click()
        await expect(version).to_have_attribute("data-status", "approved")
        await page.click("#new-version")
        await expect(page.locator("#action-message")).to_have_text(
            "У протокола cardiac_arrest уже открыта версия 2; правьте или завершите её"
        )
        await cardiac.locator(f"li[data-version='{second_id}'] a").click()
        await expect(version).to_have_attribute("data-status", "draft")

        # A goto to a missing node: the server's 422 naming it, the text kept, nothing stored.
        fresh = await stored(http, second_id)
        broken = json.loads(await page.input_value("#definition"))
        broken["nodes"][0]["next"][-1]["goto"] = "nowhere"
        typed = json.dumps(broken, ensure_ascii=False, indent=2)
        await page.fill("#definition", typed)
        await page.click("#save")
        error = page.locator("#definition-error")
        await expect(error).to_contain_text("Не сохранено")
        await expect(error).to_contain_text("'nowhere' is not a node")
        await expect(page.locator("#definition")).to_be_focused()
        await expect(page.locator("#definition")).to_have_attribute("aria-invalid", "true")
        assert await page.input_value("#definition") == typed
        await expect(page.locator("#unsaved")).to_be_visible()
        await _shot(page, "04-refused-definition")
        seen["refused definition"] = await violations(page)
        assert await stored(http, second_id) == fresh
        # Not JSON at all: said on the page, nothing sent.
        await page.fill("#definition", typed[:-2])
        await page.keyboard.press("Alt+S")
        await expect(error).to_contain_text("некорректный JSON")
        assert await page.input_value("#definition") == typed[:-2]
        assert await stored(http, second_id) == fresh
        # Submitting with the edits unsaved is refused: what is submitted is the saved draft.
        await page.click("#submit")
        await expect(page.locator("#action-message")).to_contain_text("сохраните")
        assert (await stored(http, second_id))["status"] == "draft"

        # Leaving the draft with unsaved changes asks first (dismissed: it stays open).
        asked: list[str] = []

        async def dismiss(dialog: Dialog) -> None:
            asked.append(dialog.message)
            await dialog.dismiss()

        page.once("dialog", dismiss)
        await cardiac.locator(f"li[data-version='{draft_id}'] a").click()
        await expect(version).to_have_attribute("data-version", second_id)
        assert asked == ["В черновике есть несохранённые изменения. Уйти, не сохранив?"]
        page.once("dialog", dismiss)
        await page.go_back()  # to version 1's address: asked again, and the address put back
        await expect(page).to_have_url(f"{live.http}/protocols/#{second_id}")
        await expect(version).to_have_attribute("data-version", second_id)
        assert len(asked) == 2
        assert await page.input_value("#definition") == typed[:-2]

        # Put back what is stored, save, submit; returned with a note, which the draft shows.
        await page.fill("#definition", json.dumps(fresh["definition"], ensure_ascii=False))
        await page.click("#save")
        await expect(page.locator("#unsaved")).to_be_hidden()
        await page.click("#submit")
        await expect(version).to_have_attribute("data-status", "in_review")
        await expect(page.locator("#version-title")).to_be_focused()  # the list redrawn too
        await page.fill("#review-note", "Проверить инструкции для младенца с педиатром")
        await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")
        await expect(version).to_have_attribute("data-status", "draft")
        await expect(page.locator("#review-note-shown")).to_have_text(
            "Проверить инструкции для младенца с педиатром"
        )
        await expect(page.locator("#actions")).to_contain_text("Возвращена на доработку")
        returned = await stored(http, second_id)
        assert (returned["status"], returned["review_note"]) == (
            "draft",
            "Проверить инструкции для младенца с педиатром",
        )
        assert returned["definition"] == fresh["definition"]

        # The keys, in the interface language.
        await page.click("#help-button")
        await expect(page.locator("#help-close")).to_be_focused()
        await expect(page.locator("#help-body")).to_contain_text("Сохранить черновик")
        seen["keys"] = await violations(page)
        await page.keyboard.press("Escape")
        await expect(page.locator("#help")).to_be_hidden()

        # A supervisor reads, under the page's own Content-Security-Policy, and changes nothing.
        strict = await open_page(browser, f"{live.http}/protocols/#{draft_id}")
        await sign_in_app(strict, "supervisor1")
        await expect(strict.locator("#read-only")).to_be_visible()
        await expect(strict.locator("#version")).to_have_attribute("data-status", "approved")
        await expect(strict.locator("#nodes li[data-node=awake]")).to_be_visible()
        for button in ("#new-version", "#approve", "#submit", "#save", "#definition"):
            await expect(strict.locator(button)).to_have_count(0)
        await strict.locator(
            f".protocol[data-code=cardiac_arrest] li[data-version='{second_id}'] a"
        ).click()
        await expect(strict.locator("#version")).to_have_attribute("data-status", "draft")
        await expect(strict.locator("#definition")).to_have_count(0)
        await expect(strict.locator("#actions")).to_contain_text("Supervayzerlar")
        assert strict.errors == []  # type: ignore[attr-defined]

    broken_states = {state: found for state, found in seen.items() if found}
    assert not broken_states, "\n".join(
        f"{s}:\n  " + "\n  ".join(f) for s, f in broken_states.items()
    )
    assert page.errors == []  # type: ignore[attr-defined]
