"""The QA pages: plain HTML, ES modules and one CSS file in ``qa_ui/`` (on the operator
console's shared modules and base.css under ``/operator/``), served at ``/qa/``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dispatch.core.http import CONSOLE_HEADERS, WithHeaders

QA_UI = Path(__file__).resolve().parents[2] / "qa_ui"


def mount_qa_ui(app: FastAPI) -> None:
    """Serve the QA pages at ``/qa/`` (the API checks the role; the pages hold no data)."""
    pages = StaticFiles(directory=QA_UI, html=True)
    app.mount("/qa", WithHeaders(pages, CONSOLE_HEADERS), name="qa_ui")
