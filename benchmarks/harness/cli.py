"""Command-line options every benchmark shares."""

from __future__ import annotations

import argparse


def add_common_options(parser: argparse.ArgumentParser, *, profile_help: str) -> None:
    """``--pg-fsync-off``, ``--profile`` (what it profiles, where it writes) and ``--json``."""
    parser.add_argument(
        "--pg-fsync-off",
        action="store_true",
        help="run PostgreSQL as the tests do (fsync and synchronous commit off)",
    )
    parser.add_argument("--profile", action="store_true", help=profile_help)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
