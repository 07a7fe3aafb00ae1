"""A queue an admin adds with names in the UI languages (issue 19) is read by its name in the
person's language in Debian's headless Chromium: on the supervisor's floor (its queue table)
and in the operator's offer, in Russian, then in Uzbek; not by its code or its one title."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.consoles.conftest import post_call, sign_in
from tests.consoles.pages import Shots, open_page, sign_in_page
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

_shot = Shots("supervisor-language")

TAJIK = {"uz": "Ovoz, tojik tili", "ru": "Голос, таджикский", "en": "Voice, Tajik"}


async def test_an_admins_queue_is_named_in_the_ui_language(browser: Browser, server: Live) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        admin = {"Authorization": f"Bearer {await sign_in(http, 'admin')}"}
        created = await http.post(
            "/api/v1/queues",
            headers=admin,
            json={
                "name": "voice-tg",
                "title": "Tajik line",
                "names": TAJIK,
                "channels": ["voice"],
                "languages": ["tg"],
                "required_skills": ["channel:voice"],
                "match_rank": 5,
                "offer_timeout_s": 120,
            },
        )
        assert created.status_code == 201, created.text
        supervisor = await open_page(browser, f"{server.http}/supervisor/")
        await sign_in_page(supervisor, "supervisor1")
        await supervisor.select_option("#language", "ru")
        row = supervisor.locator('#queues tr[data-key="voice-tg"]')
        await expect(row).to_contain_text("Голос, таджикский")
        await expect(row).not_to_contain_text("Tajik line")

        operator = await open_page(browser, f"{server.http}/operator/")
        await sign_in_page(operator, "operator1")
        await operator.select_option("#language", "ru")
        await operator.keyboard.press("Alt+1")
        await expect(operator.locator("#state")).to_have_attribute("data-state", "available")
        await post_call(http, caller_number="+998935550909", language="tg")
        offer = operator.locator("#offer")
        await expect(offer).to_contain_text("+998935550909")
        await expect(offer).to_contain_text("Голос, таджикский")
        await _shot(supervisor, "05-admins-queue-russian")

        # In Uzbek: the Uzbek name, on both consoles.
        await operator.select_option("#language", "uz")
        await expect(offer).to_contain_text("Ovoz, tojik tili")
        await supervisor.select_option("#language", "uz")
        await expect(row).to_contain_text("Ovoz, tojik tili")
        calls = supervisor.locator('#calls tr[data-status="offered"], #calls tr[data-key]')
        await expect(calls.first).to_contain_text("Ovoz, tojik tili")
        await expect(supervisor.locator("#floor")).not_to_contain_text("voice-tg")
    assert supervisor.errors == []  # type: ignore[attr-defined]
    assert operator.errors == []  # type: ignore[attr-defined]
