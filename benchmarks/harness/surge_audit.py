"""What ``make bench-surge`` reads after a run, from the database and the simulator's tally.

- :func:`dial_audit`: every callback dial (``callback_attempts`` with its ``originate``
  command's payload) against the live calls waiting at that instant (``queue_entries`` less the
  spans its ``queue_offers`` rang someone) that the dialling operator's skills could take
  (``queues.strategies``, as the ACD decides). A dial is **unclassified** when its originate
  carried no card (``card_id`` null) or its task has priority 0. The target: no unclassified
  dial while such a call waited. Counted strictly, and again leaving out calls that had waited
  less than ``margin_s`` server seconds at the dial — a call whose ``POST /calls`` had not yet
  committed when the ACD looked (its ``entered_at`` is the request's start), which the ACD
  could not have seen; each counted dial says whether the surge was on then.
- :func:`priority_callbacks`: tasks of cards of priority 1–2 (task priority 4–5): server
  seconds to the first dial from the drop that made it a priority card's callback (the task's
  own, or a later classified call from the number that joined it), and from the task's first
  drop; the target is 60 s.
- :func:`delivery_lags`: each service's outbox rows created in a window, seconds from created
  to acknowledged (a webhook's 2xx, a pull's ack), in wall seconds (server seconds / speed).
- :func:`service_level`: answered within the target over answered + abandoned, for calls
  offered in a window (the simulator's records).
- :func:`fanout`: each settled call (``surge_day.Settled``) against each console's arrivals of
  ``answered_today + abandoned_today``: wall time from the request's send to the first message
  that counts it, as ``console_fanout.py`` measures a change.
"""

from __future__ import annotations

import json
import statistics
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from benchmarks.harness.stats import Latencies
from dispatch.queues import strategies
from simulators.report import CallRecord, percentile

PRIORITY_TASK = 4  # a task's priority for a card of priority 2 (6 - 2); priority 1 gives 5


@dataclass(frozen=True)
class Entry:
    """A live call's queue entry and the spans in which it was not waiting (rung)."""

    call_id: uuid.UUID
    queue: str
    language: str
    entered_at: datetime
    left_at: datetime | None  # connected or ended, whichever first
    target_operator: str | None
    rung: tuple[tuple[datetime, datetime | None], ...] = ()

    def waiting_at(self, at: datetime) -> bool:
        """Whether the call waited in its queue (not rung, not taken) at ``at``."""
        if self.target_operator is not None or not self.entered_at < at:
            return False
        if self.left_at is not None and self.left_at <= at:
            return False
        return not any(start <= at and (end is None or at < end) for start, end in self.rung)


@dataclass(frozen=True)
class Dial:
    """One callback dial: when, by whom, and whether the task was unclassified."""

    at: datetime
    operator: str
    unclassified: bool
    callback_id: str


def could_take(
    skills: Mapping[str, int], allowed: Sequence[str] | None, queue: str, required: Sequence[str],
    language: str,
) -> bool:  # fmt: skip
    """Whether the ACD would ever offer a call of ``queue`` in ``language`` to an operator
    with these skills and queues (``assignment._could_take``)."""
    if allowed is not None and queue not in allowed:
        return False
    return strategies.penalty(skills, strategies.required_skills(required, language)) is not None


def blocking(
    dial: Dial,
    entries: Iterable[Entry],
    can: Mapping[tuple[str, str, str], bool],
    margin: timedelta,
) -> tuple[int, int]:
    """Live calls waiting at the dial that its operator could take: (all, those waiting at
    least ``margin`` already)."""
    strict = seen = 0
    for entry in entries:
        if not entry.waiting_at(dial.at) or not can.get(
            (dial.operator, entry.queue, entry.language)
        ):
            continue
        strict += 1
        since = dial.at - margin
        if entry.entered_at <= since and all(
            start >= dial.at or (end is not None and end <= since) for start, end in entry.rung
        ):
            seen += 1
    return strict, seen


def surge_spans(
    states: Sequence[Mapping[str, Any]],
) -> list[tuple[bool | None, datetime, datetime | None]]:
    """The surge's states as spans of server time (on, from, to; ``to`` None: still so at the
    end). Each state read says since when it held (``since``) and when it was last read; two
    states in a row both on (or both off) mean one went unseen between them: from the first's
    last read to the next's ``since`` the state is unknown (None). Reads of one state whose
    reason changed (the same ``since``, on both times: short by Erlang C, then by the callers
    waiting) are that one state, read until the later one's last read."""
    spans: list[tuple[bool | None, datetime, datetime | None]] = []
    ordered: list[Mapping[str, Any]] = []
    for state in states:
        if not state.get("since"):
            continue
        if ordered and (ordered[-1]["active"], ordered[-1]["since"]) == (
            state["active"],
            state["since"],
        ):
            ordered[-1] = {**ordered[-1], "last_read": state["last_read"]}
            continue
        ordered.append(state)
    for state, after in zip(ordered, [*ordered[1:], None], strict=True):
        start = datetime.fromisoformat(state["since"])
        if after is None:
            spans.append((bool(state["active"]), start, None))
            continue
        following = datetime.fromisoformat(after["since"])
        if bool(after["active"]) != bool(state["active"]):
            spans.append((bool(state["active"]), start, following))
            continue
        seen_to = max(start, datetime.fromisoformat(state["last_read"]))
        spans.append((bool(state["active"]), start, seen_to))
        spans.append((None, seen_to, following))
    return spans


def surge_summary(
    states: Sequence[Mapping[str, Any]], *, origin: datetime, window: tuple[datetime, datetime]
) -> dict[str, Any]:
    """The surge policy over the run: when first on (server seconds from ``origin``), how many
    spans on, the share of ``window`` (the surge's calls) it was on (and unknown), and why."""
    spans = surge_spans(states)
    ends = [datetime.fromisoformat(s["last_read"]) for s in states if s.get("last_read")]
    last = max(ends, default=origin)
    on = [(start, end or last) for active, start, end in spans if active]
    unknown = [(start, end or last) for active, start, end in spans if active is None]

    def inside(parts: list[tuple[datetime, datetime]]) -> float:
        low, high = window
        return sum(max(0.0, (min(b, high) - max(a, low)).total_seconds()) for a, b in parts)

    length = (window[1] - window[0]).total_seconds()
    return {
        "spans_on": len(on),
        "first_on_s": round((on[0][0] - origin).total_seconds(), 1) if on else None,
        "last_off_s": round((on[-1][1] - origin).total_seconds(), 1) if on else None,
        "share_of_surge_on": round(inside(on) / length, 3) if length else None,
        "share_of_surge_unknown": round(inside(unknown) / length, 3) if length else None,
        "why": sorted({str(s["why"]) for s in states if s["active"]}),
    }


def surge_on(states: Sequence[Mapping[str, Any]], at: datetime) -> bool | None:
    """Whether the surge was on at ``at`` by the states read (:func:`surge_spans`); None
    before the first and in a span nobody saw."""
    for active, start, end in surge_spans(states):
        if start <= at and (end is None or at < end):
            return active
    return None


async def _rows(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect("postgresql://" + url.split("://", 1)[1])
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def dial_audit(
    url: str, *, margin_s: float, states: Sequence[Mapping[str, Any]], from_: datetime
) -> dict[str, Any]:
    """Unclassified dials while a live call the dialler could take waited (must be 0), counted
    from ``from_`` (the surge's start: short of staffing from then on, and the backlog after)
    and, apart, before it; by what the surge policy said at the dial."""
    entries_rows = await _rows(
        url,
        "SELECT call_id, queue, language, entered_at, connected_at, ended_at, target_operator "
        "FROM queue_entries",
    )
    rung: dict[uuid.UUID, list[tuple[datetime, datetime | None]]] = {}
    for row in await _rows(url, "SELECT call_id, offered_at, closed_at FROM queue_offers"):
        rung.setdefault(row["call_id"], []).append((row["offered_at"], row["closed_at"]))
    entries = [
        Entry(
            row["call_id"],
            row["queue"],
            row["language"],
            row["entered_at"],
            min((t for t in (row["connected_at"], row["ended_at"]) if t is not None), default=None),
            row["target_operator"],
            tuple(rung.get(row["call_id"], ())),
        )
        for row in entries_rows
    ]
    dials = [
        Dial(
            row["started_at"],
            row["operator"],
            (_json(row["payload"]) or {}).get("card_id") is None or row["priority"] == 0,
            str(row["task_id"]),
        )
        for row in await _rows(
            url,
            "SELECT a.started_at, a.operator, a.task_id, t.priority, g.payload "
            "FROM callback_attempts a JOIN callback_tasks t ON t.id = a.task_id "
            "LEFT JOIN gateway_commands g ON g.command_id = a.command_id ORDER BY a.started_at",
        )
    ]
    queues = {
        row["name"]: list(_json(row["required_skills"]))
        for row in await _rows(url, "SELECT name, required_skills FROM queues")
    }
    operators = await _rows(url, "SELECT username, skills, queues FROM operators")
    groups = {(e.queue, e.language) for e in entries if e.queue in queues}
    can = {
        (op["username"], queue, language): could_take(
            _json(op["skills"]) or {}, _json(op["queues"]), queue, queues[queue], language
        )
        for op in operators
        for queue, language in groups
    }
    margin = timedelta(seconds=margin_s)
    counted: list[dict[str, Any]] = []
    for dial in dials:
        if not dial.unclassified:
            continue
        strict, seen = blocking(dial, entries, can, margin)
        if strict:
            counted.append(
                {
                    "at": dial.at.isoformat(),
                    "operator": dial.operator,
                    "callback_id": dial.callback_id,
                    "calls_waiting": strict,
                    "calls_waiting_past_margin": seen,
                    "surge_on": surge_on(states, dial.at),
                }
            )
    before = [c for c in counted if datetime.fromisoformat(c["at"]) < from_]
    counted = [c for c in counted if datetime.fromisoformat(c["at"]) >= from_]
    past = [c for c in counted if c["calls_waiting_past_margin"]]
    return {
        "dials": len(dials),
        "unclassified_dials": sum(1 for d in dials if d.unclassified),
        "unclassified_in_surge": sum(1 for d in dials if d.unclassified and surge_on(states, d.at)),
        "while_a_call_waited": len(counted),
        "policy_on": sum(1 for c in counted if c["surge_on"]),
        "policy_off": sum(1 for c in counted if c["surge_on"] is False),
        "policy_unseen": sum(1 for c in counted if c["surge_on"] is None),
        "margin_s": margin_s,
        "past_margin": len(past),
        "past_margin_policy_on": sum(1 for c in past if c["surge_on"]),
        "before_the_surge": len(before),
        "examples": (past or counted)[:5],
    }


async def priority_callbacks(
    url: str, *, since: datetime, target_s: float = 60.0
) -> dict[str, Any]:
    """Tasks of priority 1–2 cards made since ``since``: server seconds to the first dial,
    from the task (its first drop) and from when it became a priority 1–2 card's callback."""
    rows = await _rows(
        url,
        "SELECT t.id, t.created_at, "
        "(SELECT c.priority FROM cards c WHERE c.call_id = t.call_id) AS own, "
        "(SELECT c.created_at FROM cards c WHERE c.call_id = t.call_id) AS card_at, "
        "(SELECT min(j.joined_at) FROM callback_joins j JOIN cards c ON c.call_id = j.call_id "
        " WHERE j.task_id = t.id AND c.priority BETWEEN 1 AND 2) AS raised, "
        "coalesce(array_agg(a.started_at ORDER BY a.started_at) "
        "  FILTER (WHERE a.started_at IS NOT NULL), '{}') AS dials "
        "FROM callback_tasks t LEFT JOIN callback_attempts a ON a.task_id = t.id "
        "WHERE t.priority >= $1 AND t.created_at >= $2 GROUP BY t.id, t.created_at, t.call_id",
        PRIORITY_TASK,
        since,
    )
    return priority_delays([dict(row) for row in rows], target_s=target_s)


def priority_delays(rows: Sequence[Mapping[str, Any]], *, target_s: float) -> dict[str, Any]:
    """The figures of :func:`priority_callbacks` from its rows (``created_at``, ``own``: the
    priority of the task's own call's card, ``raised``: when a call with a priority 1–2 card
    joined it, ``dials``: its dials' starts in order).

    A task made for an unclassified call (an abandoned one) becomes a priority callback when a
    later call from the number, classified 1–2, drops and joins it: its target runs from that
    drop (``from_priority``), not from the first, while it was rightly waiting behind the live
    calls. The figures from the task's first drop stay beside it."""
    delays, since_priority, raised, late = [], [], 0, []
    for row in rows:
        dials: list[datetime] = list(row["dials"])
        if dials:
            delays.append((dials[0] - row["created_at"]).total_seconds())
        became = row["created_at"]
        if row["own"] not in (1, 2) and row["raised"] is not None:
            became, raised = max(became, row["raised"]), raised + 1
        after = [at for at in dials if at >= became]
        if after:
            since_priority.append((after[0] - became).total_seconds())
        if not after or (after[0] - became).total_seconds() > target_s:
            late.append(_late(row, became, after[0] if after else None))
    return {
        "tasks": len(rows),
        "dialled": len(delays),
        "never_dialled": len(rows) - len(delays),
        "within_target": sum(1 for d in delays if d <= target_s),
        "target_s": target_s,
        **spread(delays, "s"),
        "raised_by_a_join": raised,
        "late": late[:5],  # what the next run needs to say why
        "from_priority": {
            "dialled": len(since_priority),
            "within_target": sum(1 for d in since_priority if d <= target_s),
            **spread(since_priority, "s"),
        },
    }


def _late(row: Mapping[str, Any], became: datetime, first: datetime | None) -> dict[str, Any]:
    """A priority callback past its target, as the run's JSON keeps it: when its task was
    made, its card (was the card there at the drop?), its dials."""
    card_at = row.get("card_at")
    return {
        "task_id": str(row.get("id")),
        "created_at": row["created_at"].isoformat(),
        "card_priority": row["own"],
        "card_after_the_drop_s": (
            round((card_at - row["created_at"]).total_seconds(), 2) if card_at else None
        ),
        "from": became.isoformat(),
        "first_dial_s": round((first - became).total_seconds(), 2) if first else None,
        "dials": len(row["dials"]),
    }


async def delivery_lags(
    url: str, *, start: datetime, end: datetime | None, speed: float
) -> dict[str, dict[str, Any]]:
    """Per service, the outbox rows created in ``[start, end)`` (``end`` None: from ``start``
    on): wall seconds to acknowledged (unacknowledged ones counted apart)."""
    rows = await _rows(
        url,
        "SELECT service_code, created_at, acknowledged_at FROM feed_outbox "
        "WHERE created_at >= $1 AND ($2::timestamptz IS NULL OR created_at < $2)",
        start,
        end,
    )
    by: dict[str, list[asyncpg.Record]] = {}
    for row in rows:
        by.setdefault(row["service_code"], []).append(row)
    out: dict[str, dict[str, Any]] = {}
    for code, mine in sorted(by.items()):
        lags = [
            (r["acknowledged_at"] - r["created_at"]).total_seconds() / speed
            for r in mine
            if r["acknowledged_at"] is not None
        ]
        out[code] = {
            "rows": len(mine),
            "unacknowledged": len(mine) - len(lags),
            **spread(lags, "wall_s"),
        }
    return out


def spread(values: Sequence[float], unit: str) -> dict[str, float | int | None]:
    """p50, p99 and max of ``values``, rounded, keys named with ``unit``."""
    if not values:
        return {f"p50_{unit}": None, f"p99_{unit}": None, f"max_{unit}": None}
    return {
        f"p50_{unit}": round(percentile(list(values), 0.5), 2),
        f"p99_{unit}": round(percentile(list(values), 0.99), 2),
        f"max_{unit}": round(max(values), 2),
    }


def service_level(
    records: Iterable[CallRecord], *, start_s: float, end_s: float, target_s: float = 20.0
) -> dict[str, Any]:
    """Calls offered in ``[start_s, end_s)`` (server seconds from the start): answered within
    ``target_s`` over answered plus abandoned."""
    mine = [r for r in records if start_s <= r.offered_at < end_s]
    answered = [r for r in mine if r.answered_at is not None]
    abandoned = [r for r in mine if r.answered_at is None and r.abandoned_at is not None]
    within = sum(
        1
        for r in answered
        if r.answered_at is not None and r.answered_at - r.offered_at <= target_s
    )
    denominator = len(answered) + len(abandoned)
    return {
        "offered": len(mine),
        "answered": len(answered),
        "abandoned": len(abandoned),
        "value": round(within / denominator, 4) if denominator else None,
    }


def fanout(
    sent: Sequence[float],
    arrivals: Sequence[Sequence[tuple[float, int]]],
    *,
    window: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Each settled call's arrival at each console: the k-th request sent (in time order) is
    seen by the first message whose count reaches the console's first count + k. The k-th
    count cannot be reached before k requests were sent, so the figure never undercounts.
    ``window`` (monotonic): only the changes sent within it."""
    made = sorted(sent)
    every = Latencies()
    missed = 0
    for console in arrivals:
        seen = 0
        for k, arrived in _matched(made, console):
            seen = k + 1
            if _inside(made[k], window):
                every.values.append(max(0.0, arrived - made[k]))
        missed += sum(1 for m in made[seen:] if _inside(m, window))
    summary = every.summary()
    summary["missed"] = missed
    summary["changes"] = sum(1 for m in made if _inside(m, window))
    return summary


def slowest_changes(
    sent: Sequence[float], arrivals: Sequence[Sequence[tuple[float, int]]], count: int = 8
) -> list[dict[str, Any]]:
    """The ``count`` changes that reached the consoles latest (by their median console), matched
    as :func:`fanout` matches them: when each was sent (s from the first), its median and
    slowest console (ms)."""
    made = sorted(sent)
    delays: list[list[float]] = [[] for _ in made]
    for console in arrivals:
        for k, arrived in _matched(made, console):
            delays[k].append(max(0.0, arrived - made[k]))
    rows = [
        (statistics.median(each), max(each), made_at)
        for each, made_at in zip(delays, made, strict=True)
        if each
    ]
    first = made[0] if made else 0.0
    return [
        {
            "sent_s": round(made_at - first, 2),
            "median_ms": round(median * 1000, 1),
            "max_ms": round(most * 1000, 1),
        }
        for median, most, made_at in sorted(rows, reverse=True)[:count]
    ]


def _matched(
    made: Sequence[float], console: Sequence[tuple[float, int]]
) -> Iterator[tuple[int, float]]:
    """(k, when the console had it) for each change ``made[k]`` (sorted) the console saw: the
    first message whose count reaches its first count + k + 1; stops at the first it missed."""
    if not console:
        return
    base, j = console[0][1], 0
    for k in range(len(made)):
        while j < len(console) and console[j][1] < base + k + 1:
            j += 1
        if j == len(console):
            return
        yield k, console[j][0]


def _inside(at: float, window: tuple[float, float] | None) -> bool:
    return window is None or window[0] <= at < window[1]
