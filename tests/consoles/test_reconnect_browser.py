"""A console whose server process dies reconnects by itself (issue 21), in Debian's headless
Chromium: the operator console on a real ``python -m dispatch serve`` process; the process is
killed with SIGKILL, the console says it is reconnecting, a new process starts on the same
address (as HAProxy sends the console to another), and the console is connected again with a
fresh snapshot — the operator signs in to nothing, loses nothing. A process frozen without
dying (its sockets open, nothing sent) is noticed by the console's heartbeat the same way."""

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


async def test_a_console_whose_server_process_freezes_stops_saying_it_is_connected(
    browser: Browser, sqlite_template: SqliteTemplate, tmp_path: Path
) -> None:
    # Frozen, not dead: its sockets stay open and nothing closes the console's. The console
    # hears no pong for two heartbeats (1 s here) and connects again (common/js/stream.js).
    env = dispatch_env(
        DISPATCH_DATABASE_URL=sqlite_template.clone(), DISPATCH_CONSOLE_HEARTBEAT_S="1"
    )
    port = free_port()
    with server_process(env, tmp_path / "first.log", port=port, args=["--no-migrate"]) as first:
        page = await open_page(browser, f"{first.http}/operator/")
        await sign_in_page(page, "operator1")
        connection = page.locator("#connection")
        await expect(connection).to_have_attribute("data-status", "connected")
        os.kill(first.process.pid, signal.SIGSTOP)
        try:
            await expect(connection).not_to_have_attribute("data-status", "connected")
        finally:
            os.kill(first.process.pid, signal.SIGKILL)  # ends a stopped process too
            first.process.wait(timeout=10)
    with server_process(env, tmp_path / "second.log", port=port, args=["--no-migrate"]):
        await expect(connection).to_have_attribute("data-status", "connected")
        await expect(page.locator("#console")).to_be_visible()
        assert page.errors == []  # type: ignore[attr-defined]
