"""The QA pages in Debian's headless Chromium (issue 19): a recording that cannot be loaded
says so, and why, in the interface language, and the call is scored all the same; plans and
reports show people's full names and incident types by name, not usernames and codes.

A real server on a loopback port; the gateway and the operator make the calls over HTTP; the
recording store is played by Playwright (404, 403, unreachable). Screenshots go to
``test-artifacts/qa/``.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Route, expect

from tests.consoles.conftest import sign_in
from tests.consoles.pages import Shots, open_page, sign_in_app
from tests.fixtures.live import Live
from tests.qa.conftest import recorded_call

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]
shot = Shots("qa")
KIND = "road.accident_injuries"
KIND_UZ = "Yo‘l-transport hodisasi, jabrlanganlar bor"
KIND_RU = "ДТП с пострадавшими"


async def _store(route: Route) -> None:
    """The recording store: one file gone, one refused, one host unreachable."""
    if "/gone/" in route.request.url:
        await route.fulfill(status=404, body="not found", headers={"Content-Type": "text/plain"})
    elif "/secret/" in route.request.url:
        await route.fulfill(status=403, body="forbidden", headers={"Content-Type": "text/plain"})
    else:
        await route.abort("connectionrefused")


async def test_a_recording_that_fails_to_load_says_so_and_reports_show_names(
    browser: Browser, server: Live
) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        gone = (await recorded_call(http, f"{server.http}/recordings/gone/1.wav"))["id"]
        secret = (await recorded_call(http, f"{server.http}/recordings/secret/2.wav"))["id"]
        away = (await recorded_call(http, f"{server.http}/recordings/away/3.wav"))["id"]
        qa = {"Authorization": f"Bearer {await sign_in(http, 'qa1')}"}

        page = await open_page(browser, f"{server.http}/qa/")
        await page.route("**/recordings/**", _store)
        await sign_in_app(page, "qa1")

        # A plan names the operator and the incident type, not operator1 and the code.
        await page.fill("#plan-seed", "7")
        await page.click("#plan-form button[type=submit]")
        row = page.locator(f'#plan-calls tr[data-call="{gone}"]')
        await expect(row).to_contain_text("Dilnoza Karimova")
        await expect(row).to_contain_text(KIND_UZ)
        await expect(row).not_to_contain_text("operator1")
        await expect(row).not_to_contain_text(KIND)
        await expect(page.locator("#plan-strata")).to_contain_text(f"{KIND_UZ} / Ovozli")

        # The file is gone: the page says so in Uzbek, the dead player is taken away.
        await page.goto(f"{server.http}/qa/#call/{gone}")
        failure = page.locator("#recording-error")
        await expect(failure).to_be_visible()
        await expect(failure).to_have_attribute("data-reason", "missing")
        await expect(failure).to_contain_text("Yozuv yuklanmadi: fayl yozuvlar omborida yo‘q")
        await expect(page.locator("#audio")).to_be_hidden()
        await expect(page.locator("#play")).to_be_hidden()
        facts = page.locator("#call-facts")
        await expect(facts).to_contain_text("Dilnoza Karimova")
        await expect(facts).to_contain_text("tugagan")  # the call's status, in words
        await expect(page.locator("#card")).to_contain_text(KIND_UZ)
        await shot(page, "10-recording-missing-uz")

        # The evaluation is done all the same.
        await page.check("#answer-no_delay-no")
        await page.click("#submit-evaluation")
        await expect(page.locator("#result")).to_have_attribute("data-level", "high")
        await expect(page.locator("#score")).to_have_text("98,33")  # the Uzbek decimal comma
        stored = (await http.get(f"/api/v1/qa/evaluations?call_id={gone}", headers=qa)).json()
        assert [(e["score"], e["evaluator"]) for e in stored] == [(98.33, "qa1")]

        # In Russian: the store refuses one file, and another is on a host nobody reaches.
        await page.select_option("#language", "ru")
        await page.goto(f"{server.http}/qa/#call/{secret}")
        await expect(failure).to_have_attribute("data-reason", "refused")
        await expect(failure).to_contain_text(
            "Запись не загрузилась: хранилище записей отказало в доступе"
        )
        await expect(page.locator("#card")).to_contain_text(KIND_RU)
        await expect(page.locator("#call-facts")).to_contain_text("завершён")
        await shot(page, "11-recording-refused-ru")
        await page.goto(f"{server.http}/qa/#call/{away}")
        await expect(failure).to_have_attribute("data-reason", "network")
        await expect(failure).to_contain_text("хранилище записей недоступно")

        # The report shows the operator's full name, in the Russian page's number format.
        await page.click(".tabs a[data-page=reports]")
        operators = page.locator("#report-operators")
        await expect(operators).to_contain_text("Dilnoza Karimova")
        await expect(operators).to_contain_text("98,33")
        await expect(operators).not_to_contain_text("operator1")
        await expect(page.locator("#report-errors")).to_contain_text("Без лишних задержек")
        await shot(page, "12-report-names-ru")

        await page.select_option("#language", "en")
        await expect(page.locator("#report-operators")).to_contain_text("98.33")
        await expect(page.locator("#report-errors")).to_contain_text("No unnecessary delay")
        errors: list[Any] = page.errors  # type: ignore[attr-defined]
        assert errors == []
