"""Browser helpers of the console tests: pages, sign-in, screenshots (the ``browser`` and
``server`` fixtures are in ``tests/fixtures/browser.py``).

Screenshots go under ``$DISPATCH_TEST_ARTIFACTS`` (default ``test-artifacts/`` at the
repository root), one folder per console.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, ConsoleMessage, Locator, Page, Route, expect

from tests.consoles.conftest import call_event, post_call
from tests.fixtures.browser import WAIT_MS
from tests.fixtures.processes import attach_log

ARTIFACTS = Path(
    os.environ.get("DISPATCH_TEST_ARTIFACTS")
    or Path(__file__).resolve().parents[2] / "test-artifacts"
)


async def open_page(browser: Browser, url: str, *, bypass_csp: bool = False) -> Page:
    """A page of its own (own storage) at ``url``; page errors (and breaches of the page's
    Content-Security-Policy) are kept in ``page.errors``,
    and its console output goes to a log shown in the report of a test that fails.
    ``bypass_csp`` only for a test that injects its own tools (axe-core sets inline styles)."""
    page = await browser.new_page(
        viewport={"width": 1600, "height": 1000}, locale="uz-UZ", bypass_csp=bypass_csp
    )
    page.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
    errors: list[str] = []
    log = ARTIFACTS / "browser-logs" / f"{uuid.uuid4().hex}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(f"page {url}\n")
    attach_log(f"browser page {url}", log)

    def write(line: str) -> None:
        with log.open("a") as out:
            out.write(f"{line}\n")

    def on_error(error: object) -> None:
        errors.append(str(error))
        write(f"pageerror: {error}")

    def on_console(message: ConsoleMessage) -> None:
        write(f"console.{message.type}: {message.text}")
        if "Content Security Policy" in message.text:  # the page broke its own policy
            errors.append(message.text)

    page.on("pageerror", on_error)
    page.on("console", on_console)
    page.errors = errors  # type: ignore[attr-defined]
    await page.goto(url)
    return page


async def sign_in_page(page: Page, username: str) -> None:
    """Sign in through the console's own form, as a person does."""
    await page.fill("#signin-username", username)
    await page.fill("#signin-password", username)
    await page.keyboard.press("Enter")
    await expect(page.locator("#console")).to_be_visible()
    await expect(page.locator("#connection")).to_have_attribute("data-status", "connected")


async def sign_in_app(page: Page, username: str) -> None:
    """Sign in to one of the pages (QA, protocols, training, analytics) through its form, as a
    person does (the password is the username's in the demo accounts); its ``#app`` shows."""
    await expect(page.locator("#signin")).to_be_visible()
    await page.fill("#signin-username", username)
    await page.fill("#signin-password", username)
    await page.keyboard.press("Enter")
    await expect(page.locator("#app")).to_be_visible()


async def available_operator(browser: Browser, url: str, username: str = "operator1") -> Page:
    """The operator console at ``url``, ``username`` signed in and available (Alt+1)."""
    page = await open_page(browser, url)
    await sign_in_page(page, username)
    await page.keyboard.press("Alt+1")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    return page


class Shots:
    """Screenshots of one console, kept under ``ARTIFACTS / folder``."""

    def __init__(self, folder: str) -> None:
        self.folder = ARTIFACTS / folder

    async def __call__(self, page: Page, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=self.folder / f"{name}.png")


async def dropped_and_dialled(page: Page, http: httpx.AsyncClient, number: str) -> Locator:
    """On ``page`` (an operator console, signed in and available): a call from ``number``
    offered, accepted and dropped; the ACD dials it back from this operator's set. The
    console's row of that dial."""
    call = await post_call(http, caller_number=number)
    await expect(page.locator("#offer")).to_be_visible()
    await page.keyboard.press("Alt+A")
    await expect(page.locator("#card-number")).to_be_visible()
    await call_event(http, call["id"], "dropped")
    dialing = page.locator('#callbacks li.mine[data-status="dialing"]')
    await expect(dialing).to_be_visible(timeout=20_000)
    await expect(dialing).to_contain_text(number)
    return dialing


# -- late answers: a request held back, then a check that its answer is not drawn ---------------

# How long to watch for a late answer's drawing: it follows the answer within milliseconds, so a
# test waits for the held answer (and what follows it) and then watches this long; a machine slow
# enough to miss it lets the test pass without proving anything, never fails a correct page.
LATE_S = 1.5


class Held:
    """The requests that match (with ``method``, those of that method only) wait until
    ``release()`` (the answer that comes late); ``count`` says how many came."""

    def __init__(self, method: str | None = None) -> None:
        self.arrived = asyncio.Event()
        self.count = 0
        self._method = method
        self._released = asyncio.Event()

    async def handle(self, route: Route) -> None:
        if self._method is not None and route.request.method != self._method:
            await route.continue_()
            return
        self.count += 1
        self.arrived.set()
        await asyncio.wait_for(self._released.wait(), timeout=60)
        await route.continue_()

    def release(self) -> None:
        self._released.set()


async def after_late() -> None:
    """Wait as long as ``never`` watches: a second request the page should not have sent, had
    it been sent, has had its answer by then (checked on the server after)."""
    await asyncio.sleep(LATE_S)


async def never(page: Page, condition: str) -> None:
    """``condition`` (a JavaScript expression) does not become true within ``LATE_S``, asked
    every 50 ms (the pages' CSP forbids the string evaluation of ``wait_for_function``)."""
    loop = asyncio.get_running_loop()
    until = loop.time() + LATE_S
    while loop.time() < until:
        if await page.evaluate(f"() => Boolean({condition})"):
            pytest.fail(f"the late answer was drawn: {condition}")
        await asyncio.sleep(0.05)
