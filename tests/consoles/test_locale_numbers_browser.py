"""Numbers, percentages and counted nouns the locale's way (issue 19), in Debian's headless
Chromium: the supervisor console in Russian says "1 вызов", "2 вызова", "5 вызовов" as calls
pile up waiting too long, and writes its percentages as Russian does ("80 %", a space before
the sign), English and Uzbek without it; the shared i18n helpers pick the plural form of every
counted text (a JS-level check of the three consoles' texts). Waits are generous and never
assert on time."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect

from dispatch.core.settings import Settings
from tests.consoles.conftest import post_call
from tests.consoles.pages import Shots, open_page, sign_in_page
from tests.fixtures.live import Live, live_server

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

_shot = Shots("locale-numbers")
# A percentage as Russian writes it (a no-break space before the sign) and as English does.
RUSSIAN_PERCENT = re.compile(r"\d\u00a0%")
BARE_PERCENT = re.compile(r"\d%")


@pytest_asyncio.fixture
async def impatient(settings: Settings) -> AsyncIterator[Live]:
    """A server whose supervisors are alerted when a call waits more than one second."""
    async with live_server(settings.model_copy(update={"supervisor_wait_alert_s": 1.0})) as live:
        yield live


# How the console writes numbers does not depend on the database: SQLite only (15 s a run).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_supervisor_console_counts_and_writes_percentages_the_russian_way(
    browser: Browser, impatient: Live
) -> None:
    page = await open_page(browser, f"{impatient.http}/supervisor/")
    await sign_in_page(page, "supervisor1")
    await page.select_option("#language", "ru")
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    # Nobody is available: every call waits in the Uzbek voice queue, past the 1 s alert.
    alert = page.locator('#alerts li[data-kind="long_wait"]')
    async with httpx.AsyncClient(base_url=impatient.http, timeout=30) as http:
        await post_call(http, caller_number="+998935550001")
        await expect(alert).to_contain_text("1 вызов ждёт дольше 1 с")
        await post_call(http, caller_number="+998935550002")
        await expect(alert).to_contain_text("2 вызова ждут дольше 1 с")
        for n in range(3, 6):
            await post_call(http, caller_number=f"+99893555000{n}")
        await expect(alert).to_contain_text("5 вызовов ждут дольше 1 с")
    await _shot(page, "01-floor-russian")

    # Service-level targets (and the staffing hint, where given) with the Russian space.
    queues = await page.locator("#queues").inner_text()
    assert RUSSIAN_PERCENT.search(queues), queues
    assert not BARE_PERCENT.search(queues), queues
    staffing = await page.locator("#floor").inner_text()
    assert not BARE_PERCENT.search(staffing), staffing

    # English and Uzbek write the sign right after the number (Uzbek with its decimal comma).
    for language, waiting in (("en", "5 calls waiting more than 1 s"), ("uz", "5 ta qo‘ng‘iroq")):
        await page.select_option("#language", language)
        await expect(alert).to_contain_text(waiting)
        queues = await page.locator("#queues").inner_text()
        assert BARE_PERCENT.search(queues), (language, queues)
        assert not RUSSIAN_PERCENT.search(queues), (language, queues)
    assert page.errors == []  # type: ignore[attr-defined]


# A counted text for 1, 2, 5, 21 and 1.5 (in Russian: one, few, many, one, other) and two
# percentages, through the page's own i18n module in ``language``.
_CHECK = """async ([key, counts, language]) => {
  const i18n = await import("/common/js/i18n.js");
  const before = i18n.language();
  i18n.setLanguage(language);
  try {
    return {
      forms: counts.map((n) => i18n.plural(key, n, { threshold: 30, mean: 90 })),
      percent: [i18n.percentage(80.9), i18n.percentage(100, 0)],
      expected: new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 1 })
        .format(0.809),
    };
  } finally {
    i18n.setLanguage(before);
  }
}"""


@pytest.mark.parametrize(
    ("console", "key", "russian"),
    [
        (
            "supervisor",
            "alert_long_wait",
            [
                "1 вызов ждёт дольше 30 с",
                "2 вызова ждут дольше 30 с",
                "5 вызовов ждут дольше 30 с",
                "21 вызов ждёт дольше 30 с",
                "1,5 вызова ждут дольше 30 с",
            ],
        ),
        (
            "supervisor",
            "staffing_short",
            [
                "не хватает 1 оператора",
                "не хватает 2 операторов",
                "не хватает 5 операторов",
                "не хватает 21 оператора",
                "не хватает 1,5 оператора",
            ],
        ),
        (
            "qa",
            "report_summary",
            [
                "1 оценка, средний балл 90",
                "2 оценки, средний балл 90",
                "5 оценок, средний балл 90",
                "21 оценка, средний балл 90",
                "1,5 оценки, средний балл 90",
            ],
        ),
    ],
)
async def test_the_shared_helpers_pick_the_plural_form_and_the_percent_format(
    browser: Browser, server: Live, console: str, key: str, russian: list[str]
) -> None:
    page = await open_page(browser, f"{server.http}/{console}/")
    counts = [1, 2, 5, 21, 1.5]
    ru: dict[str, Any] = await page.evaluate(_CHECK, [key, counts, "ru"])
    assert ru["forms"] == russian
    assert ru["percent"] == ["80,9\u00a0%", "100\u00a0%"]
    assert ru["percent"][0] == ru["expected"]
    en: dict[str, Any] = await page.evaluate(_CHECK, [key, counts, "en"])
    assert en["percent"] == ["80.9%", "100%"]
    assert en["percent"][0] == en["expected"]
    # English: one form for 1, another for 2 ("1 call", "2 calls").
    assert en["forms"][0] != en["forms"][1].replace("2", "1"), en["forms"]
    uz: dict[str, Any] = await page.evaluate(_CHECK, [key, counts, "uz"])
    assert uz["percent"] == ["80,9%", "100%"]
    assert page.errors == []  # type: ignore[attr-defined]
