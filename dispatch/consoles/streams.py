"""The consoles' part of the app: the hub for every console view, and the static web apps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dispatch.consoles.hub import ConsoleHub, console_hub
from dispatch.consoles.operator_view import OPERATOR_VIEW
from dispatch.consoles.scripts import default_scripts
from dispatch.core.runtime import Runtime

# The operator console: plain ES modules and one CSS file, no build step (repository root).
OPERATOR_UI = Path(__file__).resolve().parents[2] / "operator_ui"
VIEWS = (OPERATOR_VIEW,)


@asynccontextmanager
async def console_streams(runtime: Runtime) -> AsyncIterator[ConsoleHub]:
    """Serve the console streams for as long as the app runs."""
    default_scripts()  # a malformed scripts file stops the start, with the entry at fault
    async with console_hub(runtime, VIEWS) as hub:
        yield hub


def mount_consoles(app: FastAPI) -> None:
    """Serve the operator console at ``/operator/``."""
    app.mount("/operator", StaticFiles(directory=OPERATOR_UI, html=True), name="operator_ui")
