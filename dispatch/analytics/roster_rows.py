"""Roster rows as people write them (CSV or XLSX), read and checked before anything is stored.

A file has a header row naming its columns — ``username``, ``date``, ``start``, ``end``,
``queues``, ``skills`` and an optional ``note`` — in any order. ``date`` is YYYY-MM-DD (or a
date cell), ``start`` and ``end`` HH:MM in the centre's local time (or time cells); a shift past
midnight ends with ``+1`` (``20:00`` to ``08:00+1``), so an end before the start is a mistake,
not a guess. ``queues`` and ``skills`` are lists separated by commas, semicolons or spaces.

Every row is checked first (:func:`check`); one bad row refuses the whole file with each bad
row's line number and reason, so nothing is half-imported. Pure: no database.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

COLUMNS = ("username", "date", "start", "end", "queues", "skills")
OPTIONAL = ("note",)
MAX_ROWS = 5000
MAX_SHIFT = timedelta(hours=24)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?(\s*\+\s*1)?$")
_LIST = re.compile(r"[,;\s]+")
_NAME = re.compile(r"^[A-Za-z0-9_.:@{}-]{1,64}$")
# The days a roster may name (anything else is a typing mistake, and past datetime's range).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


@dataclass(frozen=True)
class Problem:
    """Why one row (``line``: its line in the file, the header being 1) is refused."""

    line: int
    code: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {"line": self.line, "code": self.code, "reason": self.reason}


@dataclass(frozen=True)
class Shift:
    """A checked row: an operator's planned shift as aware UTC instants."""

    line: int
    username: str
    starts_at: datetime
    ends_at: datetime
    queues: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    note: str | None = None


@dataclass(frozen=True)
class Known:
    """What a row is checked against: the accounts that take calls, the queues, and the shifts
    already planned (username → [(start, end)])."""

    people: Collection[str]
    queues: Collection[str]
    planned: Mapping[str, Sequence[tuple[datetime, datetime]]]


class Unreadable(ValueError):
    """The file itself cannot be read as a roster (the message says why)."""


def read_csv(content: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The rows of a CSV file (UTF-8, comma or semicolon separated) with their line numbers."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable("the CSV file is not UTF-8 text") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise Unreadable(f"the CSV file cannot be read: {exc}") from exc
    return _named(rows)


def read_xlsx(content: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The rows of the first sheet of an XLSX workbook with their line numbers."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        raise Unreadable("the file is not an XLSX workbook") from exc
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        raise Unreadable("the workbook has no sheet")
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    book.close()
    return _named(rows)


def _named(rows: list[list[Any]]) -> list[tuple[int, dict[str, Any]]]:
    if not rows:
        raise Unreadable("the file is empty; its first row names the columns")
    header = [str(cell or "").strip().casefold() for cell in rows[0]]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise Unreadable(f"the header row lacks the column(s) {', '.join(missing)}")
    if len(rows) - 1 > MAX_ROWS:
        raise Unreadable(f"at most {MAX_ROWS} rows are imported at once")
    named = []
    for number, row in enumerate(rows[1:], start=2):
        if all(cell is None or str(cell).strip() == "" for cell in row):
            continue  # blank lines between blocks of a hand-made roster
        named.append(
            (
                number,
                {name: row[i] if i < len(row) else None for i, name in enumerate(header)},
            )
        )
    return named


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        day: date = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value or "").strip())
        except ValueError:
            return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def window(
    rows: Iterable[tuple[int, Mapping[str, Any]]], tz: ZoneInfo
) -> tuple[datetime, datetime]:
    """The UTC span any shift of these rows could touch (their dates, a day either side)."""
    days = [d for _, row in rows if (d := _day(row.get("date"))) is not None]
    if not days:
        days = [date(2000, 1, 1)]
    start = datetime.combine(min(days) - timedelta(days=1), time(0), tz)
    return start, datetime.combine(max(days) + timedelta(days=3), time(0), tz)


def _clock(value: Any) -> tuple[time, bool] | None:
    """A wall time and whether it is on the next day (``+1``)."""
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0), False
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0), False
    match = _TIME.match(str(value or "").strip())
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour == 24 and minute == 0:
        return time(0), True
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute), match[3] is not None


def _names(value: Any) -> list[str]:
    return sorted({part for part in _LIST.split(str(value or "").strip()) if part})


def check(
    rows: Iterable[tuple[int, Mapping[str, Any]]], known: Known, tz: ZoneInfo
) -> tuple[list[Shift], list[Problem]]:
    """Every row checked: the shifts, and each bad row's problem (an empty list: all good).

    Refused: a missing or bad date or time, an end not after the start (``+1`` for the next
    day), a shift over 24 hours, a username that is no account taking calls, an unknown queue,
    a skill that is no skill key, and a shift overlapping another of the same operator's (in the
    file or already planned)."""
    shifts: list[Shift] = []
    problems: list[Problem] = []
    for line, row in rows:
        shift = _shift(line, row, known, tz, problems)
        if shift is not None:
            shifts.append(shift)
    taken: dict[str, list[tuple[datetime, datetime, int]]] = {}
    for name, spans in known.planned.items():
        taken[name] = [(start, end, 0) for start, end in spans]
    for shift in shifts:
        mine = taken.setdefault(shift.username, [])
        clash = next((s for s in mine if s[0] < shift.ends_at and shift.starts_at < s[1]), None)
        if clash is not None:
            where = f"the shift on line {clash[2]}" if clash[2] else "a shift already planned"
            start = clash[0].astimezone(tz).strftime("%Y-%m-%d %H:%M")
            end = clash[1].astimezone(tz).strftime("%Y-%m-%d %H:%M")
            problems.append(
                Problem(
                    shift.line,
                    "overlap",
                    f"{shift.username}'s shift overlaps {where} ({start}–{end})",
                )
            )
        mine.append((shift.starts_at, shift.ends_at, shift.line))
    problems.sort(key=lambda p: p.line)
    return shifts, problems


def _shift(
    line: int,
    row: Mapping[str, Any],
    known: Known,
    tz: ZoneInfo,
    problems: list[Problem],
) -> Shift | None:
    before = len(problems)

    def refuse(code: str, reason: str) -> None:
        problems.append(Problem(line, code, reason))

    username = str(row.get("username") or "").strip()
    if not username:
        refuse("missing_username", "the username is empty")
    elif username not in known.people:
        refuse(
            "unknown_user",
            f"{username} is no active account of an operator or supervisor",
        )
    day = _day(row.get("date"))
    if day is None:
        refuse("bad_date", f"the date {row.get('date')!r} is not a date such as 2026-12-06")
    start = _clock(row.get("start"))
    if start is None or start[1]:
        refuse("bad_time", f"the start {row.get('start')!r} is not a time such as 08:00")
    end = _clock(row.get("end"))
    if end is None:
        refuse(
            "bad_time",
            f"the end {row.get('end')!r} is not a time such as 20:00 or 08:00+1",
        )
    queues = _names(row.get("queues"))
    unknown = [q for q in queues if q not in known.queues]
    if unknown:
        refuse("unknown_queue", f"no queue named {', '.join(unknown)}")
    skills = _names(row.get("skills"))
    odd = [s for s in skills if not _NAME.match(s)]
    if odd:
        refuse("bad_skill", f"{', '.join(odd)} is not a skill key such as lang:uz")
    note = str(row.get("note") or "").strip() or None
    if note is not None and len(note) > 500:
        refuse("too_long", "the note is longer than 500 characters")
    if len(problems) > before or day is None or start is None or end is None:
        return None
    starts_at = datetime.combine(day, start[0], tz)
    ends_at = datetime.combine(day + timedelta(days=1 if end[1] else 0), end[0], tz)
    if ends_at <= starts_at:
        refuse(
            "end_before_start",
            f"the end {end[0]:%H:%M} is not after the start {start[0]:%H:%M}; "
            "a shift past midnight ends with +1 (08:00+1)",
        )
        return None
    if ends_at - starts_at > MAX_SHIFT:
        refuse("too_long", "a shift is at most 24 hours")
        return None
    return Shift(line, username, starts_at, ends_at, queues, skills, note)
