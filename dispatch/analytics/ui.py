"""The analyst console: plain HTML, ES modules and one CSS file in ``analytics_ui/`` (on the
operator console's shared modules and base.css under ``/operator/``), served at ``/analytics/``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dispatch.core.http import CONSOLE_HEADERS, WithHeaders

ANALYTICS_UI = Path(__file__).resolve().parents[2] / "analytics_ui"


def mount_analytics_ui(app: FastAPI) -> None:
    """Serve the analyst console at ``/analytics/`` (the API checks the role; the pages hold no
    data)."""
    pages = StaticFiles(directory=ANALYTICS_UI, html=True)
    app.mount("/analytics", WithHeaders(pages, CONSOLE_HEADERS), name="analytics_ui")
