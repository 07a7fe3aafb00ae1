"""The analyst console (issue 27) in Debian's headless Chromium: an operator is turned away; an
analyst signs in, picks a period for one region and sees the KPIs, the map of calls per district
(opening a district by keyboard lists its cards), the working-time report and the calls of one
district, downloads each as XLSX and CSV, and switches the language; the QA scores of a region's
calls; axe-core finds no WCAG 2.1 AA violation in the main states.

The history: yesterday's queue-log lines written by the ACD's own writer (which keeps the
15-minute counters the KPIs read), today's calls in Samarkand from the gateway, one with a card.
Every wait is bounded (Playwright's ``WAIT_MS``); screenshots go to
``test-artifacts/analytics/``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio
from openpyxl import load_workbook
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.database import unit_of_work
from dispatch.core.runtime import Runtime
from dispatch.core.settings import Settings
from dispatch.queues import queue_log
from dispatch.queues.states import QueueEvent as E
from tests.analytics.test_qa_scores import CALLS, DAY, stored
from tests.consoles.conftest import post_call
from tests.consoles.pages import Shots, open_page
from tests.fixtures.browser import browser, chromium_args  # noqa: F401 (fixtures)
from tests.fixtures.live import Live, live_server
from tests.qa.conftest import answers, bearer

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

TZ = ZoneInfo("Asia/Tashkent")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_shot = Shots("analytics")


@pytest_asyncio.fixture
async def live(settings: Settings) -> AsyncIterator[Live]:
    """The app on the test's database, served on a loopback port."""
    async with live_server(settings) as served:
        yield served


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A Tashkent wall-clock time as an aware UTC instant."""
    return datetime.combine(day, time(hour, minute, second), tzinfo=TZ).astimezone(UTC)


async def yesterday_in_the_queues(runtime: Runtime, day: date) -> None:
    """operator1 signed in 09:00-13:00 with a 30-minute meal break; one call answered after 8 s
    (120 s of talk, 30 s of wrap-up), one abandoned after 30 s; through the ACD's writer."""
    answered, abandoned = uuid.uuid4(), uuid.uuid4()
    lines: list[tuple[datetime, E, str | None, uuid.UUID | None, str | None, dict[str, Any]]] = [
        (local(day, 9), E.SIGN_IN, None, None, "operator1", {}),
        (local(day, 10), E.ENTER, "voice-uz", answered, None, {}),
        (local(day, 10, 0, 8), E.CONNECT, "voice-uz", answered, "operator1", {"wait_s": 8}),
        (local(day, 10, 2, 8), E.COMPLETE, "voice-uz", answered, "operator1",
         {"wait_s": 8, "talk_s": 120, "reason": "ended"}),
        (local(day, 10, 2, 38), E.WRAP_UP, "voice-uz", answered, "operator1", {"wrap_s": 30}),
        (local(day, 11), E.ENTER, "voice-uz", abandoned, None, {}),
        (local(day, 11, 0, 30), E.ABANDON, "voice-uz", abandoned, None,
         {"wait_s": 30, "reason": "abandoned"}),
        (local(day, 12), E.PAUSE, None, None, "operator1", {"reason": "meal"}),
        (local(day, 12, 30), E.UNPAUSE, None, None, "operator1", {}),
        (local(day, 13), E.SIGN_OUT, None, None, "operator1", {"reason": "shift over"}),
    ]  # fmt: skip
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        for at, event, queue, call_id, operator, data in lines:
            await queue_log.write(
                session, event, at=at, queue=queue, call_id=call_id, operator=operator, **data
            )


async def violations(page: Page) -> list[str]:
    """What axe-core finds against WCAG 2.1 A and AA on the page as it is, one line each."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing; run 'make test' (it installs package-lock.json's axe-core)")
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(await asyncio.to_thread(AXE.read_text))
    found: list[dict[str, Any]] = await page.evaluate(
        """async (tags) => {
            const result = await window.axe.run(document, {
                runOnly: { type: "tag", values: tags }, resultTypes: ["violations"],
            });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact,
                nodes: v.nodes.map((n) => n.target.join(" ") + ": " + n.failureSummary),
            }));
        }""",
        TAGS,
    )
    return [f"{v['id']} ({v['impact']}): {node}" for v in found for node in v["nodes"]]


async def downloaded(page: Page, button: str) -> tuple[str, bytes]:
    """Click a download button; the saved file's name and bytes."""
    async with page.expect_download() as fetched:
        await page.click(button)
    download = await fetched.value
    saved = await download.path()
    return download.suggested_filename, await asyncio.to_thread(Path(saved).read_bytes)


def sheets(content: bytes) -> list[str]:
    return list(load_workbook(io.BytesIO(content)).sheetnames)


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_analyst_reads_a_region_s_period_and_downloads_it(
    browser: Browser,  # noqa: F811 (the fixture)
    live: Live,
) -> None:
    today = datetime.now(TZ).date()
    yesterday = today - timedelta(days=1)
    await yesterday_in_the_queues(live.app.state.runtime, yesterday)
    seen: dict[str, list[str]] = {}
    async with httpx.AsyncClient(base_url=live.http, timeout=30) as http:
        first = await post_call(http, caller_number="+998935550101")
        await post_call(http, caller_number="+998935550102")
        operator = await bearer(http, "operator1")
        made = await http.post(
            "/api/v1/cards",
            json={"call_id": first["id"], "incident": {"type": "medical.stroke"}},
            headers=operator,
        )
        assert made.status_code == 201, made.text
        card = made.json()
        district = card["location"]["district"]["code"]
        analyst = await bearer(http, "analyst1")
        period = f"date_from={yesterday}&date_to={today}"
        kpis = (
            await http.get(f"/api/v1/analytics/kpis?{period}&grain=day", headers=analyst)
        ).json()
        territory = (
            await http.get(f"/api/v1/analytics/territory?{period}&region=UZ-SA", headers=analyst)
        ).json()
        calls = (
            await http.get(
                f"/api/v1/analytics/calls?{period}&region=UZ-SA&district={district}",
                headers=analyst,
            )
        ).json()
    assert (calls["total"]["offered"], calls["total"]["cards"]) == (2, 1)

    page = await open_page(browser, f"{live.http}/analytics/", bypass_csp=True)
    # An operator is turned away with the reason.
    await page.fill("#signin-username", "operator1")
    await page.fill("#signin-password", "operator1")
    await page.keyboard.press("Enter")
    await expect(page.locator("#signin-error")).to_contain_text("tahlilchilar")
    await expect(page.locator("#app")).to_be_hidden()

    await page.fill("#signin-username", "analyst1")
    await page.fill("#signin-password", "analyst1")
    await page.keyboard.press("Enter")
    await expect(page.locator("#app")).to_be_visible()
    await expect(page.locator(".tabs a[data-page=kpis]")).to_have_text("Ko‘rsatkichlar")
    await expect(page.locator("#page")).to_have_attribute("data-state", "kpis")

    # The period (yesterday and today) for Samarkand region, shown with Enter.
    await page.fill("#f-from", str(yesterday))
    await page.fill("#f-to", str(today))
    await expect(page.locator("#f-preset")).to_have_value("custom")
    await page.select_option("#f-region", "UZ-SA")
    await page.focus("#f-to")
    await page.keyboard.press("Enter")
    await expect(page.locator("#kpis-region-note")).to_be_visible()
    total = page.locator("#kpis-total")
    await expect(total.locator("[data-kpi=entered] dd")).to_have_text(str(kpis["total"]["entered"]))
    await expect(total.locator("[data-kpi=answered] dd")).to_have_text("1")
    await expect(total.locator("[data-kpi=abandoned] dd")).to_have_text("1")
    await expect(total.locator("[data-kpi=asa] dd")).to_have_text("8 s")
    await expect(page.locator("#kpis-rows tbody tr")).to_have_count(2)  # one row per day
    await expect(page.locator("#kpis-chart rect.s-answered")).to_have_count(2)
    await expect(page.locator("#kpis-service-levels li").first).to_contain_text("s ichida javob")
    await _shot(page, "01-kpis")
    seen["kpis"] = await violations(page)

    name, content = await downloaded(page, "#kpis-xlsx")
    assert name == f"kpis-{yesterday}-{today}.xlsx"
    assert sheets(content) == ["Periods", "Queues"]
    name, content = await downloaded(page, "#kpis-csv-periods")
    assert name == f"kpis-periods-{yesterday}-{today}.csv"
    assert len(csv_rows(content)) == 2

    # The map: Samarkand's districts, the one with the calls in the darkest shade, by keyboard.
    await page.keyboard.press("Alt+2")
    await expect(page.locator("#page")).to_have_attribute("data-state", "territory")
    paths = page.locator("#territory-map path.district")
    await expect(paths).to_have_count(len(territory["districts"]))
    busiest = page.locator(f'#territory-map path[data-code="{district}"]')
    await expect(busiest).to_have_attribute("data-calls", "2")
    await expect(busiest).to_have_attribute("class", "district q4")
    await expect(busiest).to_have_attribute("tabindex", "0")  # busiest first
    await expect(page.locator("#territory-districts tbody tr").first).to_have_attribute(
        "data-code", district
    )
    await expect(page.locator("#territory-summary")).to_contain_text("2 ta qo‘ng‘iroq")
    await _shot(page, "02-map")
    seen["map"] = await violations(page)

    await busiest.focus()
    await page.keyboard.press("ArrowRight")
    await expect(busiest).to_have_attribute("tabindex", "-1")
    await page.keyboard.press("ArrowLeft")
    await expect(busiest).to_be_focused()
    ring = page.locator("#territory-map use.focus-ring")
    await expect(ring).to_have_attribute("href", f"#district-{district}")
    await _shot(page, "02b-map-focused")
    await page.keyboard.press("Enter")
    dialog = page.locator("#drill")
    await expect(dialog).to_be_visible()
    await expect(page.locator("#drill-close")).to_be_focused()
    await expect(page.locator("#drill-cards-table")).to_contain_text(card["number"])
    await expect(page.locator("#drill-cards-count")).to_have_text("1 tadan 1 tasi")
    await expect(page.locator("#drill-types")).to_contain_text("1")
    await _shot(page, "03-district")
    seen["district"] = await violations(page)
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(busiest).to_be_focused()

    name, content = await downloaded(page, "#territory-xlsx")
    assert sheets(content) == ["Districts", "Types"]
    name, content = await downloaded(page, "#territory-csv-districts")
    rows = csv_rows(content)
    assert rows[0]["district"] == district
    assert rows[0]["calls"] == "2"

    # The working time: operator1's four hours of yesterday.
    await page.click(".tabs a[data-page=working]")
    await expect(page.locator("#page")).to_have_attribute("data-state", "working")
    row = page.locator("#working-operators tbody tr").first
    await expect(row).to_contain_text("Dilnoza Karimova")
    await expect(row).to_contain_text("4:00:00")  # signed in
    await expect(row).to_contain_text("3:27:30")  # available: 4 h less the break and the call
    await expect(row).to_contain_text("0:30:00")  # the meal break
    await expect(page.locator("#working-chart rect")).to_have_count(4)
    await _shot(page, "04-working-time")
    seen["working time"] = await violations(page)
    name, content = await downloaded(page, "#working-time-xlsx")
    assert sheets(content) == ["Operators", "Shifts"]
    name, content = await downloaded(page, "#working-time-csv-shifts")
    assert [r["operator"] for r in csv_rows(content)] == ["operator1"]

    # The calls of one district of the region, with every filter the call report takes.
    await page.keyboard.press("Alt+4")
    await expect(page.locator("#page")).to_have_attribute("data-state", "calls")
    await expect(page.locator("#f-district")).to_be_visible()
    await page.select_option("#f-district", district)
    await page.click("#f-show")
    await expect(page.locator("#calls-scope")).to_contain_text("Samarkand")
    figures = page.locator("#calls-total")
    await expect(figures.locator("[data-kpi=offered] dd")).to_have_text("2")
    await expect(figures.locator("[data-kpi=answered] dd")).to_have_text("0")
    await expect(figures.locator("[data-kpi=cards] dd")).to_have_text("1")
    await expect(page.locator("#calls-rows tbody tr")).to_have_count(len(calls["rows"]))
    await _shot(page, "05-calls")
    seen["calls"] = await violations(page)
    name, content = await downloaded(page, "#calls-xlsx")
    assert sheets(content) == ["Periods", "Services"]
    name, content = await downloaded(page, "#calls-csv-periods")
    assert sum(int(r["offered"]) for r in csv_rows(content)) == 2

    # Another language: the texts change, the figures stay.
    await page.select_option("#language", "ru")
    await expect(page.locator(".tabs a[data-page=working]")).to_have_text("Рабочее время")
    await expect(figures.locator("[data-kpi=offered] dt")).to_have_text("Поступило вызовов")
    await expect(page.locator("#calls-rows thead")).to_contain_text("Оборвалось")
    await expect(figures.locator("[data-kpi=offered] dd")).to_have_text("2")
    await page.select_option("#language", "en")
    await expect(page.locator("#f-show")).to_have_text("Show")
    await page.keyboard.press("Alt+1")
    await expect(total.locator("[data-kpi=asa] dt")).to_have_text("Average speed of answer")
    await expect(page.locator("#kpis-region-note")).to_contain_text("per queue, not per region")
    await _shot(page, "06-kpis-english")
    seen["kpis in English"] = await violations(page)

    # The whole country: every district drawn, the busiest still the darkest.
    await page.keyboard.press("Alt+2")
    await page.select_option("#f-region", "")
    await page.click("#f-show")
    await expect(page.locator("#territory-title")).to_contain_text("whole country")
    await expect(busiest).to_have_attribute("class", "district q4")
    assert await paths.count() > 150
    await expect(page.locator("#territory-districts thead")).to_contain_text("Region")
    await page.keyboard.press("Alt+Z")  # larger text, as on the other consoles
    await expect(page.locator("html")).to_have_class("large-text")
    await _shot(page, "07-country-map")
    seen["country map, larger text"] = await violations(page)
    await page.keyboard.press("F1")  # the keys, in the interface language
    await expect(page.locator("#help-close")).to_be_focused()
    await expect(page.locator("#help-body")).to_contain_text("On the map: open the district")
    seen["keys"] = await violations(page)
    await page.keyboard.press("Enter")
    await expect(page.locator("#help")).to_be_hidden()

    # Under the console's own Content-Security-Policy (the page above bypassed it for axe):
    # every report and a district drawn, nothing refused.
    strict = await open_page(browser, f"{live.http}/analytics/#territory")
    await strict.fill("#signin-username", "supervisor1")  # a supervisor may use it too
    await strict.fill("#signin-password", "supervisor1")
    await strict.keyboard.press("Enter")
    await expect(strict.locator("#app")).to_be_visible()
    await expect(strict.locator("#page")).to_have_attribute("data-state", "territory")
    await strict.locator("#territory-districts tbody tr button").first.click()
    await expect(strict.locator("#drill-cards-count")).to_be_visible()
    await strict.keyboard.press("Escape")
    for key, state in (("Alt+1", "kpis"), ("Alt+3", "working"), ("Alt+4", "calls")):
        await strict.keyboard.press(key)
        await expect(strict.locator("#page")).to_have_attribute("data-state", state)
    assert strict.errors == []  # type: ignore[attr-defined]

    broken = {state: found for state, found in seen.items() if found}
    assert not broken, "\n".join(f"{s}:\n  " + "\n  ".join(f) for s, f in broken.items())
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_analyst_reads_the_qa_scores_of_a_region(
    browser: Browser,  # noqa: F811 (the fixture)
    live: Live,
    engine: AsyncEngine,
) -> None:
    ids = await stored(engine)
    async with httpx.AsyncClient(base_url=live.http, timeout=30) as http:
        specialist = await bearer(http, "qa1")
        for spec in CALLS:
            if not spec.official:
                continue
            body = {"call_id": str(ids[spec.name]), "scorecard": "ace",
                    "answers": answers(spec.misses)}  # fmt: skip
            made = await http.post("/api/v1/qa/evaluations", json=body, headers=specialist)
            assert made.status_code == 201, made.text

    page = await open_page(browser, f"{live.http}/analytics/#qa", bypass_csp=True)
    await page.fill("#signin-username", "analyst1")
    await page.fill("#signin-password", "analyst1")
    await page.keyboard.press("Enter")
    await expect(page.locator("#page")).to_have_attribute("data-state", "qa")
    await expect(page.locator(".tabs a[data-page=qa]")).to_have_attribute("aria-current", "page")
    await page.select_option("#language", "en")
    await page.fill("#f-from", str(DAY))
    await page.fill("#f-to", str(DAY + timedelta(days=1)))
    await page.select_option("#f-region", "UZ-SA")
    await expect(page.locator("#f-operator")).to_be_visible()  # the calls' filters
    await page.focus("#f-to")
    await page.keyboard.press("Enter")
    await expect(page.locator("#qa-scope")).to_contain_text("Samarkand")
    total = page.locator("#qa-total")
    # e1 100, e3 0 (critical), e4 97.5 are Samarkand's; e2 (Tashkent) is not.
    await expect(total.locator("[data-kpi=evaluations] dd")).to_have_text("3")
    await expect(total.locator("[data-kpi=mean_score] dd")).to_have_text("65.83")
    await expect(total.locator("[data-kpi=critical_failures] dd")).to_have_text("1")
    await expect(page.locator("#qa-levels li")).to_have_count(2)  # high 2, non-compliant 1
    await expect(page.locator("#qa-rows tbody tr")).to_have_count(2)  # two days
    await expect(page.locator("#qa-chart rect.s-answered")).to_have_count(2)
    operators = page.locator("#qa-operators tbody tr")
    await expect(operators).to_have_count(2)
    await expect(operators.first).to_contain_text("Dilnoza Karimova")
    await expect(page.locator("#qa-queues tbody tr")).to_have_count(1)
    await _shot(page, "08-qa-scores")
    found = await violations(page)
    name, content = await downloaded(page, "#qa-scores-xlsx")
    assert name == f"qa-scores-{DAY}-{DAY + timedelta(days=1)}.xlsx"
    assert sheets(content) == ["Periods", "Operators", "Queues"]
    name, content = await downloaded(page, "#qa-scores-csv-operators")
    assert [(r["operator"], r["evaluations"]) for r in csv_rows(content)] == [
        ("operator1", "2"),
        ("operator2", "1"),
    ]
    await page.select_option("#language", "ru")
    await expect(total.locator("[data-kpi=mean_score] dt")).to_have_text("Средний балл")
    await expect(total.locator("[data-kpi=mean_score] dd")).to_have_text("65,83")
    await page.keyboard.press("Alt+4")
    await expect(page.locator("#page")).to_have_attribute("data-state", "calls")
    await page.keyboard.press("Alt+5")
    await expect(page.locator("#page")).to_have_attribute("data-state", "qa")
    assert found == []
    assert page.errors == []  # type: ignore[attr-defined]
