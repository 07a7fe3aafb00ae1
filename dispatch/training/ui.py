"""The trainer's page: plain HTML, ES modules and one CSS file in ``training_ui/`` (on the
operator console's shared modules and base.css under ``/operator/``), served at ``/training/``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dispatch.core.http import CONSOLE_HEADERS, WithHeaders

TRAINING_UI = Path(__file__).resolve().parents[2] / "training_ui"


def mount_training_ui(app: FastAPI) -> None:
    """Serve the trainer's page at ``/training/`` (the API checks the roles; the page holds no
    data)."""
    pages = StaticFiles(directory=TRAINING_UI, html=True)
    app.mount("/training", WithHeaders(pages, CONSOLE_HEADERS), name="training_ui")
