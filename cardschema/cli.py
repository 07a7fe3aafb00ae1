"""Command line: ``python -m cardschema validate FILE...`` checks call-card XML files."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from cardschema.errors import CardSchemaError
from cardschema.validation import validate


def main(argv: Sequence[str] | None = None) -> int:
    """Validate each file, print one line per file; return 0 if all are valid, else 1."""
    parser = argparse.ArgumentParser(
        prog="python -m cardschema", description="Check 112 call-card XML files."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("validate", help="validate call-card XML files")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    results = [_check(path) for path in args.files]
    for path, result in zip(args.files, results, strict=True):
        print(f"{path}: {result or 'valid'}")
    return 1 if any(results) else 0


def _check(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    try:
        validate(data)
    except CardSchemaError as exc:
        return str(exc)
    return None
