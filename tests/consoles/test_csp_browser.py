"""The consoles run under a Content-Security-Policy that allows only their own scripts: every
console works under it (the browser tests fail on a breach, ``pages.open_page``), and a script
injected into a console page does not run."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.consoles.pages import open_page
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

CONSOLES = ("/operator/", "/supervisor/", "/qa/")


@pytest.mark.parametrize("path", CONSOLES)
async def test_a_console_loads_its_own_scripts_and_refuses_an_injected_one(
    browser: Browser, server: Live, path: str
) -> None:
    page = await open_page(browser, f"{server.http}{path}")
    await expect(page.locator("#signin-username")).to_be_visible()
    injected = await page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            return window.injected === true;
        }"""
    )
    assert injected is False
    assert any("Content Security Policy" in error for error in page.errors)  # type: ignore[attr-defined]
    response = await page.request.get(f"{server.http}{path}")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    await page.close()
