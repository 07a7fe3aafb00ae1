"""A late answer never draws over what the user asked for since (Debian's headless Chromium).

The QA pages, the protocol editor and the trainer's page draw a panel from answers they wait
for; the user may ask for something else before they come (another call, another version, a
language switch, another view). Seen in CI: a language switch drew QA call A again while the
address had moved on to call B; A's answers came last and A's page replaced B's. Each test
holds the first answer back, lets the second request be drawn, then lets the first one through
and checks that the panel still shows the second.

How long to watch for the late drawing: ``tests.consoles.pages.never``.
"""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.consoles.conftest import sign_in
from tests.consoles.pages import Held, never, open_page, sign_in_app
from tests.fixtures.live import Live
from tests.qa.conftest import recorded_call

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]


async def test_qa_shows_the_call_asked_for_last_when_the_first_call_answers_late(
    browser: Browser, server: Live
) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        first = (await recorded_call(http, f"{server.http}/recordings/first/1.wav"))["id"]
        second = (await recorded_call(http, f"{server.http}/recordings/second/2.wav"))["id"]
    page = await open_page(browser, f"{server.http}/qa/")
    await page.route("**/recordings/**", lambda route: route.abort("connectionrefused"))
    await sign_in_app(page, "qa1")
    held = Held()
    await page.route(re.compile(rf"/api/v1/qa/calls/{first}\?"), held.handle)

    await page.goto(f"{server.http}/qa/#call/{first}")
    await asyncio.wait_for(held.arrived.wait(), timeout=30)
    # The language switch draws the page again (call A, held too), then the address moves on.
    await page.select_option("#language", "ru")
    await page.goto(f"{server.http}/qa/#call/{second}")
    audio = page.locator("#audio")
    await expect(audio).to_have_attribute("src", re.compile("/recordings/second/"))

    async with page.expect_response(re.compile(r"/api/v1/qa/scorecards/ace")):
        held.release()  # call A's answers come now, and its scorecard is asked for after them
    await never(page, "document.querySelector('#audio')?.src.includes('/recordings/first/')")
    await expect(audio).to_have_attribute("src", re.compile("/recordings/second/"))
    await expect(page.locator("#call-facts")).to_contain_text("Вызов")
    assert page.errors == []  # type: ignore[attr-defined]


async def test_the_protocol_editor_keeps_the_version_opened_last(
    browser: Browser, server: Live
) -> None:
    page = await open_page(browser, f"{server.http}/protocols/")
    await sign_in_app(page, "methodologist1")
    links = page.locator("#protocol-list a.version-link")
    await expect(links.nth(1)).to_be_visible()
    ids = [(await links.nth(i).get_attribute("href") or "").lstrip("#") for i in range(2)]
    assert all(ids), ids
    held = Held()
    await page.route(re.compile(rf"/api/v1/protocol-versions/{ids[0]}$"), held.handle)

    await links.nth(0).click()
    await asyncio.wait_for(held.arrived.wait(), timeout=30)
    await links.nth(1).click()
    version = page.locator("#version")
    await expect(version).to_have_attribute("data-version", ids[1])

    async with page.expect_response(re.compile(rf"/api/v1/protocol-versions/{ids[0]}$")):
        held.release()
    await never(page, f"document.querySelector('#version')?.dataset.version === '{ids[0]}'")
    assert await page.evaluate("window.dispatchProtocols.open.id") == ids[1]
    await expect(version).to_have_attribute("data-version", ids[1])
    assert page.url.endswith(f"#{ids[1]}")


async def test_the_trainer_s_page_keeps_the_view_chosen_last(
    browser: Browser, server: Live
) -> None:
    page = await open_page(browser, f"{server.http}/training/")
    await sign_in_app(page, "trainer1")
    await expect(page.locator("#schedules-button")).to_be_visible()
    held = Held()
    await page.route(re.compile(r"/api/v1/training/schedules$"), held.handle)

    await page.click("#schedules-button")
    await asyncio.wait_for(held.arrived.wait(), timeout=30)
    await page.click("#competencies-button")
    await expect(page.locator("#main-body #staff-form")).to_be_visible()

    async with page.expect_response(re.compile(r"/api/v1/training/schedules$")):
        held.release()
    await never(page, "document.querySelector('#main-body #schedules-error') !== null")
    await expect(page.locator("#main-body #staff-form")).to_be_visible()
    await expect(page.locator("#main-title")).not_to_have_text("")


async def test_a_second_submit_while_the_first_is_on_its_way_makes_one_plan(
    browser: Browser, server: Live
) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        await recorded_call(http, f"{server.http}/recordings/one/1.wav")
        page = await open_page(browser, f"{server.http}/qa/")
        await sign_in_app(page, "qa1")
        await expect(page.locator("#plan-detail")).to_be_visible()  # the list of plans came
        plans = Held("POST")
        await page.route(re.compile(r"/api/v1/qa/plans\?"), plans.handle)
        await page.fill("#plan-seed", "7")
        form = page.locator("#plan-form")
        await page.click("#plan-form button[type=submit]")
        await asyncio.wait_for(plans.arrived.wait(), timeout=30)
        await expect(form).to_have_attribute("aria-busy", "true")
        await page.click("#plan-form button[type=submit]")  # the impatient second click
        await page.press("#plan-seed", "Enter")  # and Enter
        async with page.expect_response(re.compile(r"/api/v1/qa/plans\?")):
            plans.release()
        await expect(page.locator("#plan-calls")).to_be_visible()  # the plan made, shown
        await expect(form).not_to_have_attribute("aria-busy", "true")
        qa = {"Authorization": f"Bearer {await sign_in(http, 'qa1')}"}
        made = (await http.get("/api/v1/qa/plans", headers=qa)).json()
        assert plans.count == 1
        assert len(made) == 1, made
