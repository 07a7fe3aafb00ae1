"""The QA pages in Debian's headless Chromium: a specialist makes a plan, opens a call from it,
plays the recording (audited), scores the call with a critical miss, then revises the score.

A real server on a loopback port; the gateway and the operator make the call over HTTP; the
recording is served to the page by Playwright (a short WAV made here). Screenshots go to
``test-artifacts/qa/``.
"""

from __future__ import annotations

import asyncio
import io
import math
import struct
import wave
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from playwright.async_api import Browser, Page, Route, expect

from tests.fixtures.browser import CHROMIUM_ARGS, WAIT_MS
from tests.fixtures.live import Live
from tests.qa.conftest import bearer, recorded_call

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "qa"


def _wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A short 440 Hz tone as a WAV file (what a gateway's recording could be)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = (
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
            for n in range(int(seconds * rate))
        )
        out.writeframes(b"".join(frames))
    return buffer.getvalue()


@pytest.fixture
def chromium_args() -> list[str]:
    """The recording plays without a click on the page first."""
    return [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]


async def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


async def test_a_specialist_plans_listens_and_scores_a_call(browser: Browser, server: Live) -> None:
    recording = f"{server.http}/test-recordings/881.wav"
    sound = _wav()
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        call = await recorded_call(http, recording)
        admin = await bearer(http, "admin")

        page = await browser.new_page(viewport={"width": 1600, "height": 1100}, locale="uz-UZ")
        page.set_default_timeout(WAIT_MS)
        expect.set_options(timeout=WAIT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        async def serve_recording(route: Route) -> None:
            await route.fulfill(status=200, body=sound, headers={"Content-Type": "audio/wav"})

        await page.route("**/test-recordings/**", serve_recording)
        await page.goto(f"{server.http}/qa/")
        await expect(page.locator("#signin")).to_be_visible()
        await _shot(page, "00-sign-in")
        await page.fill("#signin-username", "qa1")
        await page.fill("#signin-password", "qa1")
        await page.keyboard.press("Enter")
        await expect(page.locator("#app")).to_be_visible()
        await expect(page.locator(".tabs a[data-page=plans]")).to_have_text("Rejalar")

        # A plan for today: its one call is the 2 % share (rounded up).
        await page.fill("#plan-min-operator", "1")
        await page.fill("#plan-seed", "7")
        await page.click("#plan-form button[type=submit]")
        row = page.locator(f'#plan-calls tr[data-call="{call["id"]}"]')
        await expect(row).to_be_visible()
        await expect(row).to_contain_text("tasodifiy")
        await expect(page.locator("#plan-detail")).to_contain_text("urug‘ 7,")
        await expect(row).to_contain_text("Yo‘l-transport hodisasi, jabrlanganlar bor")
        await _shot(page, "01-plan")

        await row.locator("a.button").click()
        await expect(page.locator("#audio")).to_have_attribute("src", recording)
        await expect(page.locator("#card")).to_contain_text(call["card"]["number"])
        await expect(page.locator("#timeline")).to_contain_text("javob")
        await expect(page.locator("#timeline")).to_contain_text("tugadi")

        # Playing is reported to the server and lands in the audit log.
        await page.click("#play")
        await expect(page.locator("#plays")).to_have_attribute("data-count", "1")
        audit = await http.get(
            f"/api/v1/audit?action=qa.recording.play&target_id={call['id']}", headers=admin
        )
        assert [(e["actor"], e["detail"]["media_url"]) for e in audit.json()["items"]] == [
            ("qa1", recording)
        ]
        await _shot(page, "02-call")

        # The address was never verified: a critical miss fails the evaluation.
        await page.check("#answer-address_verified-no")
        await page.fill('input[name="comment-address_verified"]', "manzil qayta so‘ralmadi")
        await page.click("#submit-evaluation")
        await expect(page.locator("#result")).to_have_attribute("data-level", "non_compliant")
        await expect(page.locator("#score")).to_have_text("0")
        await expect(page.locator("#critical")).to_be_visible()
        await expect(page.locator("#not-in-plan")).to_be_hidden()
        await _shot(page, "03-scored")

        qa1 = await bearer(http, "qa1")
        stored = (
            await http.get(f"/api/v1/qa/evaluations?call_id={call['id']}", headers=qa1)
        ).json()
        assert [(e["score"], e["level"], e["in_plan"], e["revision"]) for e in stored] == [
            (0, "non_compliant", True, 1)
        ]
        assert stored[0]["answers"]["address_verified"] == {
            "answer": "no",
            "comment": "manzil qayta so‘ralmadi",
        }

        # Listening again, the specialist corrects the score: a second revision.
        await page.check("#answer-address_verified-yes")
        await page.fill("#revision-reason", "qayta tinglandi")
        await page.click("#submit-evaluation")
        await expect(page.locator("#score")).to_have_text("100")
        await expect(page.locator("#result")).to_have_attribute("data-level", "high")
        revised = (await http.get(f"/api/v1/qa/evaluations/{stored[0]['id']}", headers=qa1)).json()
        assert [(r["revision"], r["score"]) for r in revised["revisions"]] == [(1, 0), (2, 100)]

        # A protocol walked today shows in the report's compliance table (issue 25).
        operator = await bearer(http, "operator1")
        made = await http.post(
            "/api/v1/cards", headers=operator, json={"incident": {"type": "medical.cardiac_arrest"}}
        )
        walk = await http.post(
            f"/api/v1/cards/{made.json()['id']}/protocols",
            headers=operator,
            json={"code": "cardiac_arrest"},
        )
        assert walk.status_code == 201, walk.text

        await page.click(".tabs a[data-page=reports]")
        await expect(page.locator("#report-operators")).to_contain_text("Dilnoza Karimova")
        await expect(page.locator("#report-protocols")).to_contain_text("cardiac_arrest")
        await _shot(page, "04-reports")
        async with page.expect_download() as fetched:
            await page.click("#export-xlsx")
        download = await fetched.value
        assert download.suggested_filename.endswith(".xlsx")
        saved = await download.path()
        book = load_workbook(io.BytesIO(await asyncio.to_thread(Path(saved).read_bytes)))
        operators = [tuple(r) for r in book["Operators"].iter_rows(values_only=True)]
        assert operators[1][:4] == ("operator1", "Dilnoza Karimova", 1, 100)

        await page.click(".tabs a[data-page=calibration]")
        await expect(page.locator("#calibration-detail")).to_be_visible()
        assert errors == []
