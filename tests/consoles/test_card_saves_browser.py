"""An operator fills the card faster than the server answers (a loaded server, a slow link):
every field still arrives, each save sent against the version the one before it produced (no
save is refused as stale, which, twice in a row, lost a field). In Debian's headless Chromium,
with the answers about the card held back on the way to the page."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, Response, Route, expect

from tests.consoles.conftest import GATEWAY, post_call, sign_in
from tests.consoles.pages import available_operator
from tests.fixtures.live import Live
from tests.fixtures.waiting import eventually

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

DELAY_S = 0.6  # longer than the operator takes between two fields


async def _slow_card_saves(route: Route) -> None:
    """Hold back the answer of every card PATCH (the request itself reaches the server)."""
    response = await route.fetch()
    await asyncio.sleep(DELAY_S)
    await route.fulfill(response=response)


async def _late_card_saves(route: Route) -> None:
    """Hold back every card PATCH on its way to the server (so the card, and the stream, change
    only when it arrives there)."""
    if route.request.method == "PATCH":
        await asyncio.sleep(DELAY_S)
    await route.continue_()


async def _take_call(page: Page, http: httpx.AsyncClient, number: str) -> str:
    """A call from ``number`` offered and taken with Alt+A; the id of its card."""
    await post_call(http, caller_number=number)
    await expect(page.locator("#offer")).to_contain_text(number)
    await page.keyboard.press("Alt+A")

    async def shown() -> str | None:
        """The card of the call from ``number`` once the console shows it (a card shown
        before, of an earlier call, is not it)."""
        found: str | None = await page.evaluate(
            """(number) => {
                const app = window.dispatchConsole, call = app.parts.call;
                return call && call.caller_number === number && call.card_id
                    && call.card_id === app.activeCardId ? call.card_id : null;
            }""",
            number,
        )
        return found

    card_id: str = await eventually(shown, what=f"the card of the call from {number} shown")
    await expect(page.locator("#card-number")).to_be_visible()
    return card_id


async def _card(http: httpx.AsyncClient, token: str, card_id: str) -> dict[str, Any]:
    response = await http.get(
        f"/api/v1/cards/{card_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def test_fields_typed_faster_than_the_server_answers_are_all_saved(
    browser: Browser, server: Live
) -> None:
    page = await available_operator(browser, f"{server.http}/operator/")
    await page.route("**/api/v1/cards/*", _slow_card_saves)
    clashes: list[str] = []  # saves the server refused as made against an older version
    page.on(
        "response",
        lambda response: (
            clashes.append(response.url)
            if response.status == 409 and response.request.method == "PATCH"
            else None
        ),
    )
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        card_id = await _take_call(page, http, "+998935550199")

        # Victims, then the address, then a description, each committed with Enter while
        # the answer to the one before is still on its way.
        await page.keyboard.press("Alt+V")
        await page.keyboard.type("3")
        await page.keyboard.press("Enter")
        address = page.locator('[id="f-location.address"]')
        await address.fill("Registon ko‘chasi 7")
        await address.press("Enter")
        description = page.locator('[id="f-incident.description"]')
        await description.fill("Uch kishi jabrlangan")
        await description.press("Control+Enter")

        async def all_saved() -> dict[str, Any] | None:
            card = await _card(http, token, card_id)
            incident, location = card["incident"], card["location"]
            complete = (
                incident.get("victims") == 3
                and location.get("address") == "Registon ko‘chasi 7"
                and incident.get("description") == "Uch kishi jabrlangan"
            )
            return card if complete else None

        saved = await eventually(all_saved, what="every field of the card saved", within=20)
        assert saved["version"] >= 4
        assert clashes == [], "saves were sent side by side against the same version"
        for path in ("incident.victims", "location.address", "incident.description"):
            await expect(page.locator(f'[id="f-{path}"]')).not_to_have_class("invalid")


async def test_lists_changed_while_answers_are_on_their_way_keep_every_change(
    browser: Browser, server: Live
) -> None:
    """The caller's conditions and the persons are saved whole, read back from the form: an
    answer that arrives while later saves are still on their way holds an older list, and
    drawn over the form it took back what the later saves had not yet brought (the next
    change then saved the older list)."""
    page = await available_operator(browser, f"{server.http}/operator/")
    await page.route("**/api/v1/cards/*", _late_card_saves)
    answers: list[dict[str, Any]] = []  # the card as each save answered, as they arrive

    async def _answered(response: Response) -> None:
        if response.request.method == "PATCH" and response.ok:
            answers.append(await response.json())

    page.on("response", _answered)

    async def answer_drawn(holds: Callable[[dict[str, Any]], bool], what: str) -> None:
        """Wait for the save's answer that ``holds`` to reach the form (its version shown)."""
        found = await eventually(
            lambda: next((a for a in answers if holds(a)), None), what=what, within=20
        )
        await expect(page.locator("#card-meta")).to_have_text(
            re.compile(rf"^\S+ {found['version']} ")
        )

    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        card_id = await _take_call(page, http, "+998935550198")

        # Two conditions ticked; the first answer arrives (the second save still on its way)
        # and a third is ticked.
        await page.locator("#condition-hearing_impaired").check()
        await page.locator("#condition-child").check()
        await answer_drawn(
            lambda card: card["caller"]["conditions"] == ["hearing_impaired"], "the first tick"
        )
        assert await page.locator("#condition-child").is_checked(), "an older answer unticked it"
        await page.locator("#condition-sight_impaired").check()

        # A person named, then a sex chosen; the name's answer arrives (the sex's save still on
        # its way) and a second person is added.
        await page.locator("#add-persons").click()
        await expect(page.locator("#persons-0-name")).to_be_visible()
        await page.locator("#persons-0-name").fill("Malika Karimova")
        await page.locator("#persons-0-name").press("Enter")
        await page.locator("#persons-0-sex").select_option("female")
        await page.locator("#add-persons").focus()
        await answer_drawn(
            lambda card: card.get("persons", [{}])[0].get("name") == "Malika Karimova",
            "the name",
        )
        assert await page.locator("#persons-0-sex").input_value() == "female", "an older answer"
        await page.keyboard.press("Enter")

        async def all_saved() -> dict[str, Any] | None:
            card = await _card(http, token, card_id)
            persons = card.get("persons", [])
            done = len(persons) == 2 and sorted(card["caller"]["conditions"]) == [
                "child",
                "hearing_impaired",
                "sight_impaired",
            ]
            return card if done else None

        card = await eventually(all_saved, what="three conditions and two persons", within=20)
        assert card["persons"][0]["name"] == "Malika Karimova"
        assert card["persons"][0]["sex"] == "female"
        await expect(page.locator("#persons-1-role")).to_be_focused()
        await expect(page.locator("#persons-0-sex")).to_have_value("female")


async def test_saves_queued_on_one_card_stay_on_it_when_the_operator_opens_another(
    browser: Browser, server: Live
) -> None:
    """Two ticks on card A, the second still queued behind the first, then card B opened: the
    queued save goes to A (it went to whichever card was shown when its turn came), and B's
    form is drawn at once, not held back by A's saves."""
    page = await available_operator(browser, f"{server.http}/operator/")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "supervisor1")
        first = await _take_call(page, http, "+998935550197")
        call_id = await page.evaluate("window.dispatchConsole.parts.call.id")
        ended = {"event_id": f"end-{call_id}", "type": "ended", "at": datetime.now(UTC).isoformat()}
        response = await http.post(f"/api/v1/calls/{call_id}/events", json=ended, headers=GATEWAY)
        assert response.status_code == 201, response.text
        await expect(page.locator("#state")).to_have_attribute("data-state", "wrap_up")
        await page.keyboard.press("Alt+1")
        await expect(page.locator("#state")).to_have_attribute("data-state", "available")
        second = await _take_call(page, http, "+998935550196")
        a, b = await _card(http, token, first), await _card(http, token, second)

        await page.route("**/api/v1/cards/*", _late_card_saves)
        await page.locator(f'#card-list li[data-card-id="{first}"] button').click()
        await expect(page.locator("#card-number")).to_contain_text(a["number"])
        await page.locator("#condition-child").check()
        await page.locator("#condition-sight_impaired").check()
        await page.locator(f'#card-list li[data-card-id="{second}"] button').click()
        await expect(page.locator("#card-number")).to_contain_text(b["number"])
        number = page.locator('[id="f-caller.number"]')
        assert await number.input_value() == "+998935550196", "B's form waited for A's saves"

        async def both_saved() -> dict[str, Any] | None:
            card = await _card(http, token, first)
            return card if len(card["caller"].get("conditions", [])) == 2 else None

        saved = await eventually(both_saved, what="card A's two ticks", within=20)
        assert sorted(saved["caller"]["conditions"]) == ["child", "sight_impaired"]
        assert (await _card(http, token, second))["caller"].get("conditions", []) == []
        await expect(page.locator("#condition-child")).not_to_be_checked()
