"""WCAG 2.1 AA on every console page in its main states, checked by axe-core in Debian's Chromium.

axe-core is npm's package, installed from ``package-lock.json`` by ``make test`` (``npm ci``);
its ``axe.min.js`` is evaluated in the page by Playwright, in pages that bypass the consoles'
Content-Security-Policy (axe sets inline styles the policy refuses; the product's policy is
unchanged and the other browser tests record any breach of it). A failure lists each
violation: rule, impact and the elements it found.

The larger-text setting of each console is here too: on, kept over a reload, and still without
a violation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.consoles.conftest import GATEWAY, post_call
from tests.consoles.pages import open_page, sign_in_page
from tests.fixtures.live import Live
from tests.qa.conftest import recorded_call

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing; run 'make test' (it installs package-lock.json's axe-core)")
    return AXE.read_text()


async def _violations(page: Page) -> list[str]:
    """What axe-core finds against WCAG 2.1 A and AA on the page as it is, one line each."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(_axe_source())
    found: list[dict[str, Any]] = await page.evaluate(
        """async (tags) => {
            const result = await window.axe.run(document, {
                runOnly: { type: "tag", values: tags }, resultTypes: ["violations"],
            });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({
                    target: n.target.join(" "), summary: n.failureSummary,
                })),
            }));
        }""",
        TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {node['target']}: {node['summary']}"
        for v in found
        for node in v["nodes"]
    ]


async def _check(page: Page, state: str, seen: dict[str, list[str]]) -> None:
    seen[state] = await _violations(page)


async def _end(http: httpx.AsyncClient, call_id: str) -> None:
    body = {"event_id": f"end-{call_id}", "type": "ended", "at": datetime.now(UTC).isoformat()}
    response = await http.post(f"/api/v1/calls/{call_id}/events", json=body, headers=GATEWAY)
    assert response.status_code == 201, response.text


def _report(seen: dict[str, list[str]]) -> str:
    return "\n".join(f"[{state}] {line}" for state, lines in seen.items() for line in lines)


async def test_the_operator_console_has_no_wcag_violation_in_its_main_states(
    browser: Browser, server: Live
) -> None:
    seen: dict[str, list[str]] = {}
    page = await open_page(browser, f"{server.http}/operator/", bypass_csp=True)
    await expect(page.locator("#signin-username")).to_be_visible()
    await _check(page, "sign-in", seen)
    await sign_in_page(page, "operator1")
    await _check(page, "signed in", seen)
    await page.keyboard.press("Alt+1")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    await _check(page, "available", seen)
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        call = await post_call(http, caller_number="+998935550101")
    await expect(page.locator("#offer")).to_be_visible()
    await _check(page, "offer ringing", seen)
    await page.keyboard.press("Alt+A")
    await expect(page.locator("#card-number")).to_be_visible()
    await _check(page, "on a call, card open", seen)
    await page.keyboard.press("Alt+C")
    await expect(page.locator("#dialog #close-outcome")).to_be_focused()
    await _check(page, "close dialog", seen)
    await page.keyboard.press("Escape")
    await page.keyboard.press("Alt+S")
    await expect(page.locator("#escalate-reason")).to_be_visible()
    await _check(page, "escalate dialog", seen)
    await page.keyboard.press("Escape")
    # The question on top of the route dialog (a suggested service left out), as it is asked.
    await page.keyboard.press("Alt+R")
    await expect(page.locator('#dialog[data-name="route"]')).to_be_visible()
    await page.evaluate(
        """async () => {
            const dialogs = await import("/common/js/dialogs.js");
            const { plural, t } = await import("/common/js/i18n.js");
            dialogs.askConfirm({ name: "route-left-out", title: t("route_left_out_title"),
                text: plural("route_left_out", 1, { services: "103 Tez tibbiy yordam" }),
                confirmLabel: "route_left_out_confirm" });
        }"""
    )
    await expect(page.locator("#question-confirm")).to_be_focused()
    await _check(page, "route dialog's question", seen)
    await page.keyboard.press("Escape")
    await expect(page.locator("#question")).to_be_hidden()
    await page.keyboard.press("Escape")
    await expect(page.locator("#dialog")).to_be_hidden()
    # The map by keyboard: focused, its point moved (not saved), the step announced.
    await page.keyboard.press("Alt+J")
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#map-status")).not_to_be_empty()
    await _check(page, "map point moved by keyboard", seen)
    await page.keyboard.press("Escape")
    await page.keyboard.press("Alt+O")
    await expect(page.locator('#dialog[data-name="caller-history"]')).to_be_visible()
    await _check(page, "caller history", seen)
    await page.keyboard.press("Escape")
    await page.locator("#card-list").click()
    await page.keyboard.press("?")
    await expect(page.locator("#dialog table.shortcuts")).to_be_visible()
    await _check(page, "help", seen)
    await page.keyboard.press("Escape")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        await _end(http, call["id"])
    await expect(page.locator("#state")).to_have_attribute("data-state", "wrap_up")
    await _check(page, "wrap-up", seen)
    await page.keyboard.press("Alt+1")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        await post_call(http, channel="sms", caller_number="+998971112233", text="Gaz hidi bor")
    await expect(page.locator("#offer")).to_contain_text("SMS")
    await page.keyboard.press("Alt+A")
    await expect(page.locator("#conversation-panel li.incoming")).to_contain_text("Gaz hidi")
    await _check(page, "SMS conversation", seen)
    await page.keyboard.press("Alt+G")
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    await _check(page, "SMS conversation, in Russian", seen)
    assert _report(seen) == ""
    assert page.errors == []  # type: ignore[attr-defined]


async def test_the_supervisor_console_has_no_wcag_violation_on_the_floor_and_the_wallboard(
    browser: Browser, server: Live
) -> None:
    seen: dict[str, list[str]] = {}
    operator = await open_page(browser, f"{server.http}/operator/", bypass_csp=True)
    page = await open_page(browser, f"{server.http}/supervisor/", bypass_csp=True)
    await expect(page.locator("#signin-username")).to_be_visible()
    await _check(page, "sign-in", seen)
    await sign_in_page(operator, "operator1")
    await sign_in_page(page, "supervisor1")
    await operator.keyboard.press("Alt+1")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        await post_call(http, caller_number="+998935550101")
        await expect(operator.locator("#offer")).to_be_visible()
        await operator.keyboard.press("Alt+A")
        await expect(page.locator("#cards tr[data-key]")).to_contain_text("%")
        await post_call(http, channel="video", caller_number="+998935550505")
        await expect(page.locator("#calls tr[data-key]")).to_have_count(2)
    await _check(page, "floor", seen)
    await page.keyboard.press("Alt+1")
    await page.keyboard.press("Alt+T")
    await expect(page.locator("#dialog-title")).to_contain_text("+99893555")
    await _check(page, "takeover dialog", seen)
    await page.keyboard.press("Escape")
    await page.locator("#queues").click()
    await page.keyboard.press("?")
    await expect(page.locator("#dialog table.shortcuts")).to_be_visible()
    await _check(page, "help", seen)
    await page.keyboard.press("Escape")
    await page.keyboard.press("Alt+B")
    await expect(page.locator("#wallboard")).to_be_visible()
    await _check(page, "wallboard", seen)
    assert _report(seen) == ""
    assert page.errors == []  # type: ignore[attr-defined]


async def test_the_qa_pages_have_no_wcag_violation(browser: Browser, server: Live) -> None:
    seen: dict[str, list[str]] = {}
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        # The recording is not served: the call page says it failed to load, a state checked too.
        call = await recorded_call(http, f"{server.http}/test-recordings/881.wav")
    page = await open_page(browser, f"{server.http}/qa/", bypass_csp=True)
    await expect(page.locator("#signin")).to_be_visible()
    await _check(page, "sign-in", seen)
    await page.fill("#signin-username", "qa1")
    await page.fill("#signin-password", "qa1")
    await page.keyboard.press("Enter")
    await expect(page.locator("#app")).to_be_visible()
    await _check(page, "plans", seen)
    await page.fill("#plan-min-operator", "1")
    await page.click("#plan-form button[type=submit]")
    row = page.locator(f'#plan-calls tr[data-call="{call["id"]}"]')
    await expect(row).to_be_visible()
    await _check(page, "a plan", seen)
    await row.locator("a.button").click()
    await expect(page.locator("#card")).to_contain_text(call["card"]["number"])
    await _check(page, "a call to score", seen)
    await page.check("#answer-address_verified-no")
    await page.click("#submit-evaluation")
    await expect(page.locator("#result")).to_have_attribute("data-level", "non_compliant")
    await _check(page, "a call scored", seen)
    for tab in ("calibration", "reports"):
        await page.click(f".tabs a[data-page={tab}]")
        await expect(page.locator(f".tabs a[data-page={tab}]")).to_have_attribute(
            "aria-current", "page"
        )
        await _check(page, tab, seen)
    assert _report(seen) == ""


async def test_the_check_finds_text_too_faint_to_read(browser: Browser, server: Live) -> None:
    page = await open_page(browser, f"{server.http}/operator/", bypass_csp=True)
    await expect(page.locator("#signin-username")).to_be_visible()
    await page.evaluate(
        """() => {
            const faint = document.createElement("p");
            faint.id = "faint";
            faint.textContent = "grey on white";
            faint.style.cssText = "color: #aaa; background: #fff";
            document.body.append(faint);
        }"""
    )
    found = [line for line in await _violations(page) if "#faint" in line]
    assert [line.split(":")[0] for line in found] == ["color-contrast (serious)"]


async def _root_font_px(page: Page) -> float:
    size: str = await page.evaluate("getComputedStyle(document.documentElement).fontSize")
    return float(size.removesuffix("px"))


async def test_larger_text_on_the_operator_console_survives_a_reload_and_stays_readable(
    browser: Browser, server: Live
) -> None:
    seen: dict[str, list[str]] = {}
    page = await open_page(browser, f"{server.http}/operator/", bypass_csp=True)
    await sign_in_page(page, "operator1")
    button = page.locator("#text-size-button")
    await expect(button).to_have_text("Katta matn")
    await expect(button).to_have_attribute("aria-pressed", "false")
    normal = await _root_font_px(page)
    normal_state = await page.locator("#state").evaluate("e => getComputedStyle(e).fontSize")

    await page.keyboard.press("Alt+Z")
    await expect(button).to_have_attribute("aria-pressed", "true")
    assert await _root_font_px(page) == normal * 1.25
    await page.reload()
    await expect(page.locator("#connection")).to_have_attribute("data-status", "connected")
    await expect(button).to_have_attribute("aria-pressed", "true")
    assert await _root_font_px(page) == normal * 1.25
    large_state = await page.locator("#state").evaluate("e => getComputedStyle(e).fontSize")
    assert float(large_state.removesuffix("px")) > float(normal_state.removesuffix("px"))
    await _check(page, "large: signed in", seen)

    await page.keyboard.press("Alt+1")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        await post_call(http, caller_number="+998935550101")
    await expect(page.locator("#offer")).to_be_visible()
    await _check(page, "large: offer ringing", seen)
    await page.keyboard.press("Alt+A")
    await expect(page.locator("#card-number")).to_be_visible()
    await _check(page, "large: on a call, card open", seen)
    await page.keyboard.press("Alt+C")
    await expect(page.locator("#dialog #close-outcome")).to_be_focused()
    await _check(page, "large: close dialog", seen)
    await page.keyboard.press("Escape")
    assert _report(seen) == ""

    # The button turns it off again, and that too is kept.
    await button.click()
    await expect(button).to_have_attribute("aria-pressed", "false")
    await page.reload()
    await expect(page.locator("#connection")).to_have_attribute("data-status", "connected")
    assert await _root_font_px(page) == normal
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("path", "username", "signed_in"),
    [("/supervisor/", "supervisor1", "#console"), ("/qa/", "qa1", "#app")],
    ids=["supervisor", "qa"],
)
async def test_larger_text_on_the_supervisor_and_qa_pages_survives_a_reload(
    browser: Browser, server: Live, path: str, username: str, signed_in: str
) -> None:
    page = await open_page(browser, f"{server.http}{path}", bypass_csp=True)
    await page.fill("#signin-username", username)
    await page.fill("#signin-password", username)
    await page.keyboard.press("Enter")
    await expect(page.locator(signed_in)).to_be_visible()
    normal = await _root_font_px(page)
    await page.keyboard.press("Alt+Z")
    button = page.locator("#text-size-button")
    await expect(button).to_have_attribute("aria-pressed", "true")
    await page.reload()
    await expect(page.locator(signed_in)).to_be_visible()
    await expect(button).to_have_attribute("aria-pressed", "true")
    assert await _root_font_px(page) == normal * 1.25
    assert _report({"large": await _violations(page)}) == ""
    await button.click()
    await page.reload()
    await expect(page.locator(signed_in)).to_be_visible()
    assert await _root_font_px(page) == normal
