"""Operators' working time from the queue log: signed in, available, on calls, wrap-up and each
break reason, per shift and over the period.

Each operator's lines (sign-in, pause with its reason, unpause, connect, complete or transfer,
wrap-up, sign-out) are replayed in the order they were written; the time between two lines
belongs to the state the first one left the operator in, cut at shift boundaries. Ringing
counts as available (the operator was free when offered). The state at the start of the
period comes from the operator's lines of the day before (``LOOKBACK``): an operator whose
first line there is not a sign-in was signed in already. Time after ``now`` is not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.analytics import periods, sources
from dispatch.queues.states import QueueEvent

LOOKBACK = timedelta(hours=24)
UNKNOWN_REASON = "unknown"
E = QueueEvent


class State(StrEnum):
    """Where an operator's time goes."""

    OUT = "signed_out"
    AVAILABLE = "available"
    TALKING = "talking"
    WRAP_UP = "wrap_up"
    BREAK = "on_break"


class WorkingTime(BaseModel):
    """Seconds in each state, the breaks by reason, and what the operator did."""

    signed_in_s: float = 0.0
    available_s: float = 0.0
    talking_s: float = 0.0
    wrap_up_s: float = 0.0
    on_break_s: float = 0.0
    breaks: dict[str, float] = {}
    answered: int = 0
    completed: int = 0
    missed_offers: int = 0
    declined: int = 0


class ShiftRow(WorkingTime):
    """One operator on one shift."""

    operator: str
    operator_name: str | None = None
    shift_date: date
    shift: str


class OperatorRow(WorkingTime):
    """One operator over the period."""

    operator: str
    operator_name: str | None = None


class WorkingTimeReport(BaseModel):
    """The working-time report of ``date_from``..``date_to`` (local days)."""

    date_from: date
    date_to: date
    timezone: str
    shift_start_hour: int
    operators: list[OperatorRow]
    shifts: list[ShiftRow]


# What a line does to its operator's state (None: a count only).
_MOVES: dict[QueueEvent, State | None] = {
    E.SIGN_IN: State.AVAILABLE,
    E.SIGN_OUT: State.OUT,
    E.PAUSE: State.BREAK,
    E.UNPAUSE: State.AVAILABLE,
    E.CONNECT: State.TALKING,
    E.COMPLETE: State.WRAP_UP,
    E.TRANSFER: State.WRAP_UP,
    E.WRAP_UP: State.AVAILABLE,
    E.RING_NO_ANSWER: None,
    E.DECLINE: None,
}
# The state an operator was in before a first line that is not a sign-in.
_BEFORE: dict[QueueEvent, State] = {
    E.SIGN_IN: State.OUT,
    E.UNPAUSE: State.BREAK,
    E.COMPLETE: State.TALKING,
    E.TRANSFER: State.TALKING,
    E.WRAP_UP: State.WRAP_UP,
}
_COUNTS = {
    E.CONNECT: "answered",
    E.COMPLETE: "completed",
    E.RING_NO_ANSWER: "missed_offers",
    E.DECLINE: "declined",
}


@dataclass
class _Operator:
    state: State
    since: datetime
    reason: str = UNKNOWN_REASON


@dataclass
class _Tally:
    seconds: dict[State, float] = field(default_factory=lambda: defaultdict(float))
    breaks: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def figures(self) -> dict[str, Any]:
        inside = [s for s in State if s is not State.OUT]
        return {
            "signed_in_s": round(sum(self.seconds[s] for s in inside), 3),
            **{f"{s.value}_s": round(self.seconds[s], 3) for s in inside},
            "breaks": {reason: round(s, 3) for reason, s in sorted(self.breaks.items())},
            **{name: self.counts[name] for name in _COUNTS.values()},
        }


class _Replay:
    """The tallies per (operator, shift), filled line by line."""

    def __init__(self, start: datetime, end: datetime, tz: ZoneInfo, start_hour: int) -> None:
        self.start, self.end, self.tz, self.start_hour = start, end, tz, start_hour
        self.operators: dict[str, _Operator] = {}
        self.tallies: dict[tuple[str, date, str], _Tally] = defaultdict(_Tally)

    def line(self, line: sources.Line, window_start: datetime) -> None:
        known = self.operators.get(line.operator)
        if known is None:
            before = _BEFORE.get(line.event, State.AVAILABLE)
            known = self.operators[line.operator] = _Operator(before, window_start)
        self._spend(line.operator, known, line.at)
        if line.event in _COUNTS and self.start <= line.at < self.end:
            self._tally(line.operator, line.at).counts[_COUNTS[line.event]] += 1
        moved = _MOVES[line.event]
        if moved is not None:
            known.state = moved
            if moved is State.BREAK:
                known.reason = str(line.data.get("reason") or UNKNOWN_REASON)
        known.since = max(known.since, line.at)

    def finish(self) -> None:
        for name, known in self.operators.items():
            self._spend(name, known, self.end)

    def _tally(self, operator: str, at: datetime) -> _Tally:
        shift_date, shift, _ = periods.shift_of(at, self.tz, self.start_hour)
        return self.tallies[(operator, shift_date, shift)]

    def _spend(self, operator: str, known: _Operator, until: datetime) -> None:
        """Count [since, until) in the operator's state, inside the period, cut per shift."""
        moment, until = max(known.since, self.start), min(until, self.end)
        if known.state is State.OUT:
            return
        while moment < until:
            _, _, shift_start = periods.shift_of(moment, self.tz, self.start_hour)
            cut = min(until, shift_start + timedelta(hours=periods.SHIFT_HOURS))
            seconds = (cut - moment).total_seconds()
            tally = self._tally(operator, moment)
            tally.seconds[known.state] += seconds
            if known.state is State.BREAK:
                tally.breaks[known.reason] += seconds
            moment = cut


async def build(
    session: AsyncSession,
    date_from: date,
    date_to: date,
    *,
    operator: str | None,
    tz: ZoneInfo,
    shift_start_hour: int,
    now: datetime,
) -> WorkingTimeReport:
    """The report of the period (one operator's, or everyone's)."""
    start, end = periods.bounds(date_from, date_to, tz)
    replay = _Replay(start, min(end, max(now, start)), tz, shift_start_hour)
    window_start = start - LOOKBACK
    lines: AsyncIterable[sources.Line] = sources.operator_lines(
        session, window_start, replay.end, operator
    )
    async for line in lines:
        replay.line(line, window_start)
    replay.finish()
    names = await sources.people(session)
    totals: dict[str, _Tally] = defaultdict(_Tally)
    shifts = []
    for (name, shift_date, shift), tally in sorted(replay.tallies.items()):
        total = totals[name]
        for state, seconds in tally.seconds.items():
            total.seconds[state] += seconds
        for reason, seconds in tally.breaks.items():
            total.breaks[reason] += seconds
        for key, count in tally.counts.items():
            total.counts[key] += count
        shifts.append(
            ShiftRow(
                operator=name,
                operator_name=names.get(name),
                shift_date=shift_date,
                shift=shift,
                **tally.figures(),
            )
        )
    return WorkingTimeReport(
        date_from=date_from,
        date_to=date_to,
        timezone=str(tz),
        shift_start_hour=shift_start_hour,
        operators=[
            OperatorRow(operator=name, operator_name=names.get(name), **tally.figures())
            for name, tally in sorted(totals.items())
        ],
        shifts=shifts,
    )
