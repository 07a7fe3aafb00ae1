"""What the queues' summary costs at a surge's size: ``make bench-summary``.

Every console's ``queue`` part, the supervisor's queue board, ``GET /api/v1/queues`` and the
surge judgement read ``dispatch.queues.summary.summary``; the consoles recompute it on every
flush that an ACD event marks (at most ten a second, in every server process), so in a surge it
runs several times a second per process beside the requests. For each backend this migrates and
seeds a new database with the server's own commands, then writes a surge's state directly:
``--operators`` signed-in operators (a third each available, on a call, wrapping up),
``--waiting`` calls waiting across the queues, and ``--intervals`` 15-minute statistics rows for
each queue (today's, up to now), after ``--history-days`` full days of them before today. It
then runs the summary ``--rounds`` times in this process, one session each, and reports CPU
(``time.process_time``) and wall time per summary, and the floor measured in the same run: the
summary's statements, nothing built from their rows.
Figures: BENCHMARKS.md, "The queues' summary".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness.report import emit, new_report, print_rows, uvloop_runner  # noqa: E402
from benchmarks.harness.servers import database, prepare_database, server_env  # noqa: E402
from dispatch.auth.models import User  # noqa: E402
from dispatch.calls.lifecycle import CallStatus  # noqa: E402
from dispatch.calls.models import Call  # noqa: E402
from dispatch.core.database import create_engine, session_factory  # noqa: E402
from dispatch.core.settings import Settings  # noqa: E402
from dispatch.queues import stats, summary  # noqa: E402
from dispatch.queues.models import Operator, QueueEntry, QueueStat  # noqa: E402
from dispatch.queues.states import EntryStatus, OperatorState  # noqa: E402

STATES = (OperatorState.AVAILABLE, OperatorState.ON_CALL, OperatorState.WRAP_UP)
SKILLS = {"voice": 1, "lang:uz": 1, "lang:ru": 2}


def parse(argv: list[str]) -> argparse.Namespace:
    """The options (``BENCH_ARGS``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    add("--operators", type=int, default=300, help="signed-in operators (300)")
    add("--waiting", type=int, default=200, help="calls waiting (200)")
    add("--intervals", type=int, default=40, help="today's 15-minute rows per queue (40)")
    add("--history-days", type=int, default=0, help="days of counters before today (0)")
    add("--rounds", type=int, default=200, help="summaries measured (200)")
    add("--json", action="store_true", help="print JSON instead of a table")
    return parser.parse_args(argv)


async def fill(url: str, args: argparse.Namespace, now: datetime, tz: Any) -> list[str]:
    """Write the surge's state; the queues' names."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            queues = list((await session.scalars(text("SELECT name FROM queues"))).all())
            session.add_all(
                User(username=f"bench{i:04d}", role="operator", created_at=now)
                for i in range(args.operators)
            )
            await session.flush()
            session.add_all(
                Operator(
                    username=f"bench{i:04d}",
                    state=STATES[i % len(STATES)],
                    state_since=now,
                    skills=dict(SKILLS),
                    updated_at=now,
                )
                for i in range(args.operators)
            )
            calls = [
                Call(
                    id=uuid.uuid4(),
                    channel="voice",
                    language="uz",
                    status=CallStatus.WAITING,
                    queue=queues[i % len(queues)],
                    created_at=now,
                    created_by="gateway1",
                )
                for i in range(args.waiting)
            ]
            session.add_all(calls)
            await session.flush()
            session.add_all(
                QueueEntry(
                    call_id=call.id,
                    queue=call.queue,
                    status=EntryStatus.WAITING if i % 5 else EntryStatus.OFFERED,
                    priority=0,
                    channel="voice",
                    language="uz",
                    entered_at=now - timedelta(seconds=i % 300),
                )
                for i, call in enumerate(calls)
            )
            day = summary.today_start(now, tz)
            start = stats.interval_start(now)
            for k in range(args.intervals):
                at = start - timedelta(minutes=stats.INTERVAL_MINUTES * k)
                if at < day:
                    break
                for queue in queues:
                    row = stats.blank(queue, at)
                    row.entered, row.answered, row.abandoned, row.wait_sum = 12, 10, 2, 55.0
                    row.answered_within, row.abandoned_within = {"20": 9}, {"20": 1}
                    session.add(row)
            await session.commit()
            await history(session, queues, day, args.history_days)
        return queues
    finally:
        await engine.dispose()


async def history(session: Any, queues: list[str], day: datetime, days: int) -> None:
    """``days`` full days of counters before today, every interval of every queue (what a
    centre keeps: the statistics are never thrown away)."""
    per_day = 24 * 60 // stats.INTERVAL_MINUTES
    counters = dict.fromkeys(stats.COUNTERS, 0)
    for back in range(1, days + 1):
        midnight = day - timedelta(days=back)
        rows = [
            {
                **counters,
                "queue": queue,
                "interval_start": midnight + timedelta(minutes=stats.INTERVAL_MINUTES * k),
                "entered": 12,
                "answered": 10,
                "max_wait": 30.0,
                "answered_within": {"20": 9},
                "abandoned_within": {},
            }
            for k in range(per_day)
            for queue in queues
        ]
        await session.execute(insert(QueueStat), rows)
    await session.commit()
    if days and session.bind.dialect.name == "postgresql":
        # What autovacuum does after so many rows (the planner's statistics); the product runs
        # no ANALYZE on SQLite, so neither does this.
        await session.execute(text("ANALYZE queue_stats"))
        await session.commit()


async def reads_only(session: Any, now: datetime, tz: Any) -> None:
    """The summary's statements, nothing built from their rows: the floor. Today's and this
    interval's counters summed per queue by the database, the waiting entries, and the
    signed-in operators counted per state, skills and queues."""
    names = list((await session.scalars(text("SELECT name FROM queues"))).all())
    bound = {"day": summary.today_start(now, tz), "start": stats.interval_start(now)}
    counters = summary._counters_statement(("10", "20"))
    (await session.execute(counters, {**bound, "names": names})).all()
    (await session.execute(summary._ENTRIES)).all()
    (await session.execute(summary._PEOPLE)).all()


async def timed(
    url: str, rounds: int, work: Callable[[Any], Awaitable[object]]
) -> dict[str, float]:
    """CPU and wall ms per round of ``work(session)``, a new session each."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    cpu, wall = [], []
    try:
        for _ in range(3):  # warm: caches of statements and the queue catalogue
            async with sessions() as session:
                await work(session)
        for _ in range(rounds):
            async with sessions() as session:
                c0, w0 = time.process_time(), time.perf_counter()
                await work(session)
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
    finally:
        await engine.dispose()
    return {
        "cpu_ms_median": round(statistics.median(cpu) * 1000, 2),
        "cpu_ms_mean": round(statistics.fmean(cpu) * 1000, 2),
        "wall_ms_median": round(statistics.median(wall) * 1000, 2),
    }


async def one_backend(backend: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Prepare, fill and measure one backend."""
    async with database(backend, workdir, durable=False) as (url, described):
        prepare_database(server_env(url), workdir)
        settings = Settings(database_url=url)
        url, tz = settings.database_url, settings.tz
        now = datetime.now(UTC)
        queues = await fill(url, args, now, tz)
        checked: dict[str, Any] = {}

        async def whole(session: Any) -> None:
            result = await summary.summary(session, now=now, tz=tz)
            checked.update(waiting=result.overall.waiting, available=result.overall.available)

        return {
            "backend": backend,
            "database": described,
            "queues": len(queues),
            "summary": await timed(url, args.rounds, whole),
            "reads_only": await timed(url, args.rounds, lambda s: reads_only(s, now, tz)),
            "seen": checked,
        }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every backend asked."""
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    report = new_report(
        "benchmarks/queue_summary.py",
        {
            k: getattr(args, k)
            for k in ("operators", "waiting", "intervals", "history_days", "rounds")
        },
        sys.argv[1:],
    )
    with tempfile.TemporaryDirectory(prefix="bench-summary-") as folder:
        report["backends"] = [await one_backend(b, args, Path(folder)) for b in backends]
    return report


def print_table(report: dict[str, Any]) -> None:
    """One row per backend."""
    s = report["settings"]
    print(
        f"queues' summary: {s['operators']} operators signed in, {s['waiting']} calls waiting, "
        f"{s['intervals']} intervals a queue; {s['rounds']} rounds; commit {report['commit']}"
    )
    rows = [["backend", "summary CPU ms (median/mean)", "wall ms", "reads only CPU ms", "seen"]]
    for b in report["backends"]:
        whole, floor = b["summary"], b["reads_only"]
        rows.append(
            [
                b["backend"],
                f"{whole['cpu_ms_median']} / {whole['cpu_ms_mean']}",
                f"{whole['wall_ms_median']}",
                f"{floor['cpu_ms_median']}",
                f"{b['seen']['waiting']} waiting, {b['seen']['available']} available",
            ]
        )
    print_rows(rows)


def main(argv: list[str]) -> int:
    """Run and print."""
    args = parse(argv)
    with uvloop_runner() as runner:
        report = runner.run(run(args))
    return emit(report, as_json=args.json, table=print_table)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
