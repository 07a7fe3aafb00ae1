"""``python -m cardschema validate FILE...``."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

import cardschema as cs
from cardschema.cli import main

EXAMPLES = Path(cs.__file__).parent / "examples"
VALID = EXAMPLES / "valid" / "102-police-toshkent.xml"
INVALID = EXAMPLES / "invalid" / "priority-out-of-range.xml"


def test_all_valid_files_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(VALID)]) == 0
    assert capsys.readouterr().out == f"{VALID}: valid\n"


def test_each_file_gets_a_line_and_any_failure_exits_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.xml"
    assert main(["validate", str(INVALID), str(VALID), str(missing)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{INVALID}: line 27: Element '{{urn:uz:112:call-card:1}}priority': [facet "
        "'maxInclusive'] The value '9' is greater than the maximum value allowed ('5').",
        f"{VALID}: valid",
        f"{missing}: cannot read: No such file or directory",
    ]


def test_usage_errors_exit_two(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["validate"])
    assert raised.value.code == 2
    assert "FILE" in capsys.readouterr().err


def test_runs_as_a_module(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["python -m cardschema", "validate", str(INVALID)])
    with pytest.raises(SystemExit) as raised:
        runpy.run_module("cardschema", run_name="__main__")
    assert raised.value.code == 1
    assert capsys.readouterr().out.startswith(f"{INVALID}: line 27: ")
