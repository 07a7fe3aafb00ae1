"""The protocol editor: plain HTML, ES modules and one CSS file in ``protocols_ui/`` (on the
operator console's shared modules and base.css under ``/operator/``), served at ``/protocols/``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dispatch.core.http import CONSOLE_HEADERS, WithHeaders

PROTOCOLS_UI = Path(__file__).resolve().parents[2] / "protocols_ui"


def mount_protocols_ui(app: FastAPI) -> None:
    """Serve the protocol editor at ``/protocols/`` (the API checks the roles: methodologists
    write, supervisors read; the pages hold no data)."""
    pages = StaticFiles(directory=PROTOCOLS_UI, html=True)
    app.mount("/protocols", WithHeaders(pages, CONSOLE_HEADERS), name="protocols_ui")
