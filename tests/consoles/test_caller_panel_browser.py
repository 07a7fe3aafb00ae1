"""The caller panel (issue 19), in Debian's headless Chromium: during a call the operator sees
who calls, how, in which language, from where (with the uncertainty and its source) and for how
long, above the card and never scrolled away with it; Alt+O opens the caller's earlier calls and
cards of the last 30 days, Escape closes them. Screenshots of the console during a call, in
Uzbek and Russian at 1366×768 and 1920×1080, go to ``test-artifacts/operator-console/``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from cardschema import CardStatus, LocationSource
from dispatch.calls.lifecycle import CallStatus
from tests.consoles.conftest import GATEWAY, post_call, sign_in
from tests.consoles.pages import Shots, open_page, sign_in_page
from tests.fixtures.live import Live

_shot = Shots("operator-console")
WEB = Path(__file__).resolve().parents[2] / "dispatch" / "web"
UI = WEB / "common" / "js"
NUMBER = "+998935550707"
SIZES = ((1366, 768), (1920, 1080))


async def _event(http: httpx.AsyncClient, call_id: str, kind: str, **fields: Any) -> None:
    body = {
        "event_id": f"{kind}-{call_id}",
        "type": kind,
        "at": datetime.now(UTC).isoformat(),
        **fields,
    }
    response = await http.post(f"/api/v1/calls/{call_id}/events", json=body, headers=GATEWAY)
    assert response.status_code == 201, response.text


async def _earlier_call(http: httpx.AsyncClient, headers: dict[str, str], card: bool) -> str:
    """A call from NUMBER that was answered elsewhere and ended, with a card when asked."""
    call = await post_call(http, caller_number=NUMBER, location=None)
    await _event(http, call["id"], "answered", operator="operator2")
    await _event(http, call["id"], "ended")
    if not card:
        return ""
    made = await http.post(
        "/api/v1/cards",
        headers=headers,
        json={"call_id": call["id"], "incident": {"type": "crime.theft"}},
    )
    assert made.status_code == 201, made.text
    number: str = made.json()["number"]
    return number


async def _shots(page: Page, language: str) -> None:
    for width, height in SIZES:
        await page.set_viewport_size({"width": width, "height": height})
        await expect(page.locator("#caller-panel")).to_be_in_viewport()
        await _shot(page, f"20-during-call-{language}-{width}x{height}")


@pytest.mark.asyncio
@pytest.mark.browser
async def test_the_caller_panel_stays_in_sight_and_alt_o_opens_the_earlier_calls(
    browser: Browser, server: Live
) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        headers = {"Authorization": f"Bearer {token}"}
        card_number = await _earlier_call(http, headers, card=True)
        await _earlier_call(http, headers, card=False)
        types = (await http.get("/api/v1/incident-types", headers=headers)).json()
        theft = next(kind for kind in types if kind["code"] == "crime.theft")

        page = await open_page(browser, f"{server.http}/operator/")
        await sign_in_page(page, "operator1")
        panel = page.locator("#caller-panel")
        await expect(panel).to_be_hidden()
        await page.keyboard.press("Alt+1")
        await expect(page.locator("#state")).to_have_attribute("data-state", "available")
        call = await post_call(
            http,
            caller_number=NUMBER,
            language="ru",
            location={"lat": 39.6542, "lon": 66.9597, "radius_m": 25, "source": "aml"},
        )
        await expect(page.locator("#offer")).to_be_visible()
        await page.keyboard.press("Alt+A")
        await expect(page.locator("#card-number")).to_be_visible()
        await _event(http, call["id"], "answered", operator="operator1")

        # The panel: who, how, which language, where (± metres, the source), for how long.
        await expect(panel).to_be_visible()
        await expect(panel).to_have_attribute("data-call-id", call["id"])
        await expect(page.locator("#caller-number")).to_have_text(NUMBER)
        await expect(page.locator("#caller-channel")).to_have_text("Ovozli")
        await expect(page.locator("#caller-language")).to_contain_text("(RU)")
        location = page.locator("#caller-location")
        await expect(location).to_contain_text("39.65420, 66.95970")
        await expect(location).to_contain_text("± 25 m")
        await expect(location).to_contain_text("AML (abonent telefoni)")
        # The timer counts on its own, between the stream's messages.
        timer = page.locator("#caller-timer")
        await expect(timer).to_have_text(re.compile(r"^\d:\d\d$"))
        first = int(await timer.get_attribute("data-seconds") or "0")
        await expect(timer).not_to_have_attribute("data-seconds", str(first))
        assert int(await timer.get_attribute("data-seconds") or "0") > first
        # The card scrolls; the panel does not go with it.
        await page.set_viewport_size({"width": 1366, "height": 768})
        await page.locator("#card").evaluate("node => node.scrollTop = node.scrollHeight")
        await expect(panel).to_be_in_viewport()

        # Alt+O, while the cursor is in the card: the earlier calls, newest first, with cards.
        await page.keyboard.press("Alt+O")
        dialog = page.locator('#dialog[data-name="caller-history"]')
        await expect(dialog).to_be_visible()
        rows = dialog.locator("#caller-history tbody tr")
        await expect(rows).to_have_count(2)
        await expect(rows.nth(0)).to_contain_text("kartasiz")
        await expect(rows.nth(0)).to_contain_text("tugagan")
        await expect(rows.nth(1).locator(".card-number")).to_have_text(card_number)
        await expect(rows.nth(1)).to_contain_text(theft["names"]["uz"])
        await expect(rows.nth(1)).to_contain_text("ochiq")
        assert call["id"] not in await dialog.inner_html()
        await _shot(page, "21-caller-history-uz-1366x768")
        await page.keyboard.press("Escape")
        await expect(dialog).to_be_hidden()
        await _shots(page, "uz")

        # In Russian: the panel's words and the dates in the Russian form.
        await page.set_viewport_size({"width": 1366, "height": 768})
        await page.keyboard.press("Alt+G")
        await expect(page.locator("html")).to_have_attribute("lang", "ru")
        await expect(page.locator("#caller-channel")).to_have_text("Голос")
        await expect(location).to_contain_text("AML (телефон звонящего)")
        await expect(page.locator("#caller-language")).to_contain_text("русский")
        await page.keyboard.press("Alt+O")
        await expect(dialog).to_be_visible()
        await expect(rows.nth(1)).to_contain_text(theft["names"]["ru"])
        await expect(rows.nth(1)).to_contain_text("открыта")
        today = datetime.now(UTC).astimezone().strftime("%Y")
        await expect(rows.nth(0).locator("td").first).to_have_text(
            re.compile(rf"^\d\d\.\d\d\.{today}, \d\d:\d\d$")
        )
        await _shot(page, "21-caller-history-ru-1366x768")
        await page.keyboard.press("Escape")
        await expect(dialog).to_be_hidden()
        await _shots(page, "ru")

        # The help lists the key.
        await page.keyboard.press("F1")
        await expect(page.locator("#dialog .shortcuts")).to_contain_text("Alt+O")
        await page.keyboard.press("Escape")
        assert page.errors == []  # type: ignore[attr-defined]


def _texts(language: str) -> str:
    return (UI / "texts" / f"{language}.js").read_text(encoding="utf-8")


@pytest.mark.parametrize("language", ["uz", "ru", "en"])
def test_the_panel_names_every_status_and_source_in_each_language(language: str) -> None:
    source = _texts(language)
    built = (
        {f"call_status_{status.value}" for status in CallStatus}
        | {f"card_status_{status.value}" for status in CardStatus}
        | {f"source_{kind.value}" for kind in LocationSource}
    )
    missing = {key for key in built if not re.search(rf"^\s*{key}:", source, re.MULTILINE)}
    assert missing == set()


# Each console's table of keys (installShortcuts' list): the operator's is keys.js's SHORTCUTS,
# the supervisor's and QA's their app.js's own; a ``...NAME`` in one takes keys.js's NAME in.
TABLES = {
    "operator": WEB / "common" / "js" / "keys.js",
    "supervisor": WEB / "supervisor" / "js" / "app.js",
    "qa": WEB / "qa" / "js" / "app.js",
}
_ENTRY = re.compile(r'\{ keys: "([^"]+)", label: "[^"]+", action: "([^"]+)"')
# What keys.js's combo() can produce: modifiers in the order Ctrl, Alt, Shift, then the key
# (a letter or digit upper-case after Alt or Ctrl); any other spelling is never pressed.
_COMBO = re.compile(
    r"^(?:(Ctrl\+)?(Alt\+)(Shift\+)?[A-Z0-9]|(Ctrl\+)?(Alt\+)?(Shift\+)?[A-Z][A-Za-z0-9]+|\S)$"
)


def _table(source: Path, name: str = "SHORTCUTS") -> list[tuple[str, str]]:
    """The (keys, action) pairs of the array ``name`` in ``source``, spreads resolved."""
    text = source.read_text(encoding="utf-8")
    found = re.search(rf"const {name} = \[(.*?)\n\];", text, re.DOTALL)
    assert found, f"no {name} table in {source}"
    pairs = _ENTRY.findall(found.group(1))
    assert len(pairs) == found.group(1).count("keys:"), f"an entry of {name} not read: {source}"
    for spread in re.findall(r"\.\.\.([A-Z_]+)", found.group(1)):
        pairs += _table(TABLES["operator"], spread)
    return pairs


@pytest.mark.parametrize("console", sorted(TABLES))
def test_no_two_actions_share_a_shortcut(console: str) -> None:
    source = TABLES[console]
    pairs = _table(source)
    assert pairs, f"{console}: no shortcuts read from {source}"
    actions: dict[str, str] = {}
    clashes = []
    for keys, action in pairs:
        if keys in actions and actions[keys] != action:
            clashes.append(f"{keys}: {actions[keys]} and {action}")
        actions.setdefault(keys, action)
    assert clashes == [], f"{console} console, two actions on one key: {'; '.join(clashes)}"
    assert [keys for keys, _ in pairs if not _COMBO.match(keys)] == []


def test_each_console_table_has_its_known_keys() -> None:
    """The parser reads what the consoles install (a regex gone blind would pass the test above)."""
    assert ("Alt+O", "callerHistory") in _table(TABLES["operator"])
    assert ("Alt+T", "takeover") in _table(TABLES["supervisor"])
    assert ("Alt+Z", "largerText") in _table(TABLES["qa"])
