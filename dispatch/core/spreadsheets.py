"""Tables as XLSX workbooks and CSV: the one writer of the reports' downloads.

A table is a list of rows, the header first. Workbooks get one sheet per table, numbers as
numbers and times as local wall time (Excel has no time zones: the reports' times are already
the centre's local time); CSV is RFC 4180 with ISO dates, written row by row so a large report
can be streamed.

Text in a report may come from outside (a caller's SMS, a filter typed into a URL), so every
text cell is made safe for the file it goes into: characters a workbook cannot hold (control
characters other than tab and line breaks) and lone surrogates (no Unicode text: they cannot be
written as UTF-8) become U+FFFD instead of failing the download; and a text that a spreadsheet
would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return:
OWASP's CSV injection) stays text — a workbook's cell is typed text, a CSV's gets a leading
``'``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

Cell = str | int | float | bool | date | datetime | None
Table = Sequence[Sequence[Cell]]

_SURROGATES = re.compile("[\ud800-\udfff]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def to_xlsx(tables: Mapping[str, Table]) -> bytes:
    """The workbook: one sheet per table (named by its key), the header row frozen."""
    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    for name, table in tables.items():
        sheet = book.create_sheet(name)
        for row in table:
            sheet.append([_excel(cell) for cell in row])
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":  # a text openpyxl took for a formula stays text
                    cell.data_type = "s"
        sheet.freeze_panes = "A2"
        for index, header in enumerate(table[0] if table else (), 1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, len(str(header)) + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_lines(rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    """The table as CSV, one line at a time (for a streamed answer)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if cell is None else _text(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def to_csv(rows: Iterable[Sequence[Cell]]) -> str:
    """The table as one CSV text."""
    return "".join(csv_lines(rows))


def clean_text(text: str) -> str:
    """``text`` with what no workbook or UTF-8 file can hold replaced by U+FFFD."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", _SURROGATES.sub("\ufffd", text))


def _excel(cell: Cell) -> Cell:
    if isinstance(cell, datetime):
        return cell.replace(tzinfo=None)
    if isinstance(cell, str):
        return clean_text(cell)
    return cell


def _text(cell: Cell) -> str:
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, date | datetime):
        return cell.isoformat()
    if isinstance(cell, str):
        text = clean_text(cell)
        return f"'{text}" if text.startswith(FORMULA_STARTS) else text
    return str(cell)
