"""The consoles' part of the app: the hub for every console view, and the static web apps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dispatch.consoles.hub import ConsoleHub, console_hub
from dispatch.consoles.notices import NoticeSource
from dispatch.consoles.operator_view import operator_view
from dispatch.consoles.scripts import default_scripts
from dispatch.consoles.supervisor_view import SUPERVISOR_VIEW
from dispatch.core.http import CONSOLE_HEADERS, WithHeaders
from dispatch.core.runtime import Runtime

# The consoles: plain ES modules and CSS, no build step (repository root). The supervisor
# console imports the operator console's shared modules (stream, API, texts, keys, dialogs).
ROOT = Path(__file__).resolve().parents[2]
OPERATOR_UI = ROOT / "operator_ui"
SUPERVISOR_UI = ROOT / "supervisor_ui"


@asynccontextmanager
async def console_streams(
    runtime: Runtime, *, notices: NoticeSource | None = None
) -> AsyncIterator[ConsoleHub]:
    """Serve the console streams for as long as the app runs; the operator console's
    reminders come from ``notices`` (``app.state.notices``: training sits above)."""
    default_scripts()  # a malformed scripts file stops the start, with the entry at fault
    async with console_hub(runtime, (operator_view(notices), SUPERVISOR_VIEW)) as hub:
        yield hub


def mount_consoles(app: FastAPI) -> None:
    """Serve the operator console at ``/operator/``, the supervisor console at ``/supervisor/``."""
    operator = StaticFiles(directory=OPERATOR_UI, html=True)
    supervisor = StaticFiles(directory=SUPERVISOR_UI, html=True)
    app.mount("/operator", WithHeaders(operator, CONSOLE_HEADERS), name="operator_ui")
    app.mount("/supervisor", WithHeaders(supervisor, CONSOLE_HEADERS), name="supervisor_ui")
