"""The reports' one writer (``core.spreadsheets``) with text from outside: a caller's SMS or a
filter typed into a URL may hold control characters, lone surrogates or a formula."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from dispatch.core.spreadsheets import to_csv, to_xlsx

HOSTILE = "a\x07b\x7fc\udaa8d"  # a bell (illegal in a workbook) and a lone surrogate
FORMULAS = ["=1+2", "+1", "-1", "@SUM(A1)", '=HYPERLINK("http://x")']


def test_what_no_file_can_hold_becomes_a_replacement_character() -> None:
    book = load_workbook(io.BytesIO(to_xlsx({"T": [["text"], [HOSTILE]]})))
    assert book["T"]["A2"].value == "a\ufffdb\x7fc\ufffdd"
    text = to_csv([["text"], [HOSTILE]])
    text.encode()  # no lone surrogate left: the download can be written as UTF-8
    assert list(csv.reader(io.StringIO(text)))[1] == ["a\ufffdb\x7fc\ufffdd"]


def test_a_text_a_spreadsheet_would_run_stays_text() -> None:
    book = load_workbook(io.BytesIO(to_xlsx({"T": [["text"], *([f] for f in FORMULAS)]})))
    cells = [row[0] for row in book["T"].iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == FORMULAS
    assert {cell.data_type for cell in cells} == {"s"}
    rows = list(csv.reader(io.StringIO(to_csv([["text"], *([f] for f in FORMULAS)]))))
    assert [row[0] for row in rows[1:]] == [f"'{f}" for f in FORMULAS]


def test_numbers_stay_numbers() -> None:
    rows = list(csv.reader(io.StringIO(to_csv([["n", "x"], [-5, -0.5]]))))
    assert rows[1] == ["-5", "-0.5"]
    book = load_workbook(io.BytesIO(to_xlsx({"T": [["n"], [-5]]})))
    assert book["T"]["A2"].value == -5
