"""Errors of the boundary data, importable without loading shapely (the CLI catches them)."""

from __future__ import annotations


class GeoDataError(ValueError):
    """The boundary files are missing or do not make sense; the message names the file."""
