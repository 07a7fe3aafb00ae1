"""Caller marks in Debian's headless Chromium (issue 23): a supervisor marks a number in the
marks dialog by keyboard (Alt+K, the form, Enter), the operator who takes a call from that
number sees the warning line above the caller panel, the number's history lists the call, and
a revoked mark leaves the operator's panel; the caller's photo downloads from the caller panel.
Screenshots go to ``test-artifacts/caller-marks/``."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.attachments import files
from tests.consoles.conftest import post_call
from tests.consoles.pages import Shots, available_operator, open_page, sign_in_page
from tests.fixtures.live import Live

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

shot = Shots("caller-marks")


async def test_a_supervisor_marks_a_number_and_the_operator_is_warned(
    browser: Browser, server: Live
) -> None:
    supervisor = await open_page(browser, f"{server.http}/supervisor/")
    operator = await open_page(browser, f"{server.http}/operator/")
    await sign_in_page(supervisor, "supervisor1")
    await sign_in_page(operator, "operator1")

    # The supervisor marks the number, typed as people type it, by keyboard only.
    await supervisor.keyboard.press("Alt+K")
    dialog = supervisor.locator('#dialog[data-name="caller-marks"]')
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("#marks-empty")).to_be_visible()
    await expect(supervisor.locator("#mark-number")).to_be_focused()
    await supervisor.keyboard.type("90 111-22-33")
    await supervisor.locator("#mark-reason").fill("Kechasi yolg‘on chaqiruvlar")
    await supervisor.locator("#mark-note").fill("IIB xabardor")
    await supervisor.locator("#mark-reason").press("Enter")
    row = dialog.locator("#marks-table tbody tr")
    await expect(row).to_have_count(1)
    await expect(row.locator(".mark-number")).to_have_text("+998901112233")
    await expect(row).to_contain_text("Takroriy yolg‘on qo‘ng‘iroqlar")
    await shot(supervisor, "00-marks-dialog-uz")
    await supervisor.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()

    # The operator takes a call from the number: the warning line says what and that the call
    # is handled as any other.
    await operator.keyboard.press("Alt+1")
    await expect(operator.locator("#state")).to_have_attribute("data-state", "available")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        await post_call(http, caller_number="998901112233")
    await expect(operator.locator("#offer")).to_be_visible()
    await operator.keyboard.press("Alt+A")
    warning = operator.locator("#caller-marks .caller-mark-nuisance")
    await expect(warning).to_be_visible()
    await expect(warning).to_contain_text("Takroriy yolg‘on qo‘ng‘iroqlar — Kechasi yolg‘on")
    await expect(warning).to_contain_text("qo‘ng‘iroq boshqalari kabi ko‘rib chiqiladi")
    await expect(operator.locator("#caller-marks")).to_have_attribute("role", "note")
    await shot(operator, "01-operator-warned-uz")

    # The number's history from its row: the call just taken, and the mark.
    await supervisor.keyboard.press("Alt+K")
    # The dialog is opened again once the marks are read (a closed dialog keeps its old rows:
    # focusing one of those before the new ones are drawn would press Enter on nothing).
    await expect(dialog).to_be_visible()
    button = dialog.locator(".mark-history")
    await expect(button).to_have_count(1)
    await button.focus()
    await expect(button).to_be_focused()
    await supervisor.keyboard.press("Enter")
    history = supervisor.locator('#dialog[data-name="number-history"]')
    await expect(history).to_be_visible()
    await expect(history.locator("#number-history tbody tr")).to_have_count(1)
    await expect(history.locator("#number-marks li")).to_contain_text("Kechasi yolg‘on")
    await shot(supervisor, "02-number-history-uz")
    await supervisor.keyboard.press("Escape")
    await expect(history).to_be_hidden()

    # Revoked in the dialog (Tab to the row's button, Enter): the warning goes.
    await supervisor.keyboard.press("Alt+K")
    revoke = dialog.locator(".mark-revoke")
    await revoke.focus()
    await supervisor.keyboard.press("Enter")
    await expect(dialog.locator("#marks-empty")).to_be_visible()
    await expect(operator.locator("#caller-marks")).to_have_count(0)
    assert supervisor.errors == []  # type: ignore[attr-defined]
    assert operator.errors == []  # type: ignore[attr-defined]


async def test_the_operator_downloads_the_callers_photo_from_the_caller_panel(
    browser: Browser, server: Live
) -> None:
    operator = await available_operator(browser, f"{server.http}/operator/")
    photo = files.png(8, 8)
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        await post_call(
            http,
            channel="sms",
            caller_number="+998901112244",
            text="Yong‘in, rasm ilova qilindi",
            attachments=[files.item(photo, "image/png", "yong‘in.png")],
        )
    await expect(operator.locator("#offer")).to_be_visible()
    await operator.keyboard.press("Alt+A")
    button = operator.locator("#caller-files .caller-file")
    await expect(button).to_have_count(1)
    await expect(button).to_contain_text("yong‘in.png")
    async with operator.expect_download() as waiting:
        await button.click()
    download = await waiting.value
    assert download.suggested_filename == "yong‘in.png"
    saved = await download.path()
    assert saved.read_bytes() == photo
    await shot(operator, "03-operator-caller-files-uz")
    assert operator.errors == []  # type: ignore[attr-defined]
