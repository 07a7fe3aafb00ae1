"""Caller mark tests use the live server and console clients of the console tests."""

from __future__ import annotations

from tests.consoles.conftest import http, live

__all__ = ["http", "live"]
