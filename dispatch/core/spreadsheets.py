"""Tables as XLSX workbooks and CSV: the one writer of the reports' downloads.

A table is a list of rows, the header first. Workbooks get one sheet per table, numbers as
numbers and times as local wall time (Excel has no time zones: the reports' times are already
the centre's local time); CSV is RFC 4180 with ISO dates, written row by row so a large report
can be streamed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

Cell = str | int | float | bool | date | datetime | None
Table = Sequence[Sequence[Cell]]


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


def _excel(cell: Cell) -> Cell:
    if isinstance(cell, datetime):
        return cell.replace(tzinfo=None)
    return cell


def _text(cell: Cell) -> str:
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, date | datetime):
        return cell.isoformat()
    return str(cell)
