"""A console whose server process dies reconnects by itself (issue 21), in Debian's headless
Chromium: the operator console on a real ``python -m dispatch serve`` process; the process is
killed with SIGKILL, the console says it is reconnecting, a new process starts on the same
address (as HAProxy sends the console to another), and the console is connected again with a
fresh snapshot — the operator signs in to nothing, loses nothing."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.consoles.pages import open_page, sign_in_page
from tests.fixtures.databases import SqliteTemplate
from tests.fixtures.processes import dispatch_env, server_process
from tests.fixtures.servers import free_port

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]


async def test_the_console_reconnects_by_itself_when_its_server_process_dies(
    browser: Browser, sqlite_template: SqliteTemplate, tmp_path: Path
) -> None:
    env = dispatch_env(DISPATCH_DATABASE_URL=sqlite_template.clone())
    port = free_port()
    with server_process(env, tmp_path / "first.log", port=port, args=["--no-migrate"]) as first:
        page = await open_page(browser, f"{first.http}/operator/")
        await sign_in_page(page, "operator1")
        os.kill(first.process.pid, signal.SIGKILL)
        connection = page.locator("#connection")
        await expect(connection).to_have_attribute("data-status", "reconnecting")
        first.process.wait(timeout=10)
    with server_process(env, tmp_path / "second.log", port=port, args=["--no-migrate"]):
        # Backoff at most 10 s between tries (common/js/stream.js): bounded by the page's wait.
        await expect(connection).to_have_attribute("data-status", "connected")
        await expect(page.locator("#console")).to_be_visible()
        assert page.errors == []  # type: ignore[attr-defined]
