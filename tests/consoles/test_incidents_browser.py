"""The operator console's "Same incident?" panel (issue 23), in Debian's headless Chromium: the
third call about one fire is joined to its incident in one step from the keyboard, and the
service can tell the three cards are one incident."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.async_api import Browser, expect

import cardschema
from tests.consoles.conftest import post_call, sign_in
from tests.consoles.pages import Shots, available_operator, open_page, sign_in_page
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

_shot = Shots("operator-console")

# A courtyard in Tashkent's Chilonzor, away from the other browser tests' Samarqand calls.
LAT, LON = 41.2856, 69.2034


async def test_the_third_call_about_a_fire_joins_its_incident_in_one_step(
    browser: Browser, server: Live
) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        token = await sign_in(http, "operator2")
        auth = {"Authorization": f"Bearer {token}"}
        cards = []
        for offset in (0.0, 0.0002):
            made = await http.post(
                "/api/v1/cards",
                headers=auth,
                json={
                    "incident": {"type": "fire.residential"},
                    "location": {"lat": LAT + offset, "lon": LON, "address": "Qatortol 12"},
                },
            )
            assert made.status_code == 201, made.text
            cards.append(made.json())
        head, second = cards
        joined = await http.post(
            f"/api/v1/cards/{second['id']}/incident",
            headers=auth,
            json={"incident_card_id": head["id"]},
        )
        assert joined.status_code == 200, joined.text

        page = await available_operator(browser, f"{server.http}/operator/")
        await post_call(
            http,
            caller_number="+998935550777",
            location={"lat": LAT + 0.0004, "lon": LON, "radius_m": 20, "source": "aml"},
        )
        await expect(page.locator("#offer")).to_be_visible()
        await page.keyboard.press("Alt+A")
        await expect(page.locator("#card-number")).to_be_visible()

        panel = page.locator("#incidents-panel")
        await expect(panel).to_be_visible()
        suggestion = panel.locator(f'li.incident[data-incident-id="{head["id"]}"]')
        await expect(suggestion).to_contain_text(head["number"][-6:])
        await expect(suggestion).to_contain_text("2 ta qo‘ng‘iroq")
        await _shot(page, "incident-suggestions")

        # One step: Alt+U to the nearest incident's join button, Enter.
        await page.keyboard.press("Alt+U")
        await expect(suggestion.locator("button.join")).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(panel.locator("#incident-membership")).to_contain_text(head["number"])

        incident = await http.get(f"/api/v1/incidents/{head['id']}", headers=auth)
        assert incident.status_code == 200, incident.text
        members = incident.json()["cards"]
        assert [card["role"] for card in members] == ["head", "member", "member"]
        third = members[2]
        as_xml = {**auth, "Accept": "application/xml"}
        third_xml = await http.get(f"/api/v1/cards/{third['card_id']}", headers=as_xml)
        head_xml = await http.get(f"/api/v1/cards/{head['id']}", headers=as_xml)
        third_card, head_card = (
            cardschema.parse(third_xml.content),
            cardschema.parse(head_xml.content),
        )
        assert third_card.incident_id == head_card.incident_id == uuid.UUID(head["id"])
        await page.close()

        # The supervisor sees the incident with its three calls (Alt+7 goes to it).
        floor = await open_page(browser, f"{server.http}/supervisor/")
        await sign_in_page(floor, "supervisor1")
        row = floor.locator(f'#incidents tr[data-key="{head["id"]}"]')
        await expect(row).to_contain_text("3 ta qo‘ng‘iroq")
        await expect(row.locator("li[data-role]")).to_have_count(3)
        await expect(row.locator('li[data-role="head"]')).to_contain_text(head["number"][-6:])
        await floor.keyboard.press("Alt+7")
        await expect(row).to_be_focused()
        await floor.close()
