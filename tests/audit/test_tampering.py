"""The audit log is tamper-evident: once rows are sealed, changing, deleting or adding a row is
found by verify, which names the row; rewriting the rows and the seal table together is found
against the signed checkpoint file. On SQLite and PostgreSQL, the tampering done around the
server with the append-only triggers out of the way."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.audit import (
    add_entries,
    audit_ids,
    check,
    forge_entry,
    make_gap,
    seal_all,
    tamper,
    unguard,
)

pytestmark = pytest.mark.asyncio


async def test_an_untouched_log_verifies_with_its_gaps(engine: AsyncEngine, tmp_path: Path) -> None:
    await add_entries(engine, 30)
    made = await seal_all(engine, folder=tmp_path, batch=40)
    await add_entries(engine, 3)
    report = await check(engine, tmp_path)
    ids = await audit_ids(engine)
    assert report.intact, report.summary()
    assert len(made) == report.seals == report.vouched >= 2
    assert report.rows == len(ids) - 3
    assert report.unsealed == 3
    assert "audit log intact" in report.summary()


async def test_a_changed_row_is_named(engine: AsyncEngine) -> None:
    await add_entries(engine, 10)
    await seal_all(engine)
    victim = (await audit_ids(engine))[-4]
    await tamper(engine, "UPDATE audit_log SET actor = 'someone-else' WHERE id = :id", id=victim)
    report = await check(engine)
    assert report.finding is not None
    assert (report.finding.kind, report.finding.row_id) == ("changed", victim)
    assert f"row {victim} was changed" in report.summary()


async def test_a_change_inside_the_json_detail_is_named(engine: AsyncEngine) -> None:
    await add_entries(engine, 5)
    await seal_all(engine)
    victim = (await audit_ids(engine))[-2]
    changed = json.dumps({"n": 99, "note": "ёзув"})  # was {"n": 3, ...}
    await tamper(engine, "UPDATE audit_log SET detail = :d WHERE id = :id", d=changed, id=victim)
    report = await check(engine)
    assert report.finding is not None
    assert (report.finding.kind, report.finding.row_id) == ("changed", victim)


async def test_a_deleted_row_is_named(engine: AsyncEngine) -> None:
    await add_entries(engine, 10)
    await seal_all(engine)
    victim = (await audit_ids(engine))[5]
    await tamper(engine, "DELETE FROM audit_log WHERE id = :id", id=victim)
    report = await check(engine)
    assert report.finding is not None
    assert (report.finding.kind, report.finding.row_id) == ("deleted", victim)


async def test_a_row_put_into_a_sealed_gap_is_an_insertion(engine: AsyncEngine) -> None:
    await add_entries(engine, 4)
    gap = await make_gap(engine)
    await add_entries(engine, 4)
    await seal_all(engine)
    assert (await check(engine)).intact  # a gap is sealed as a gap
    await forge_entry(engine, gap)
    report = await check(engine)
    assert report.finding is not None
    assert (report.finding.kind, report.finding.row_id) == ("inserted", gap)
    assert f"row {gap} was inserted after the sealing of seal" in report.summary()


async def test_a_row_before_the_chain_start_is_an_insertion(engine: AsyncEngine) -> None:
    await seal_all(engine)
    await forge_entry(engine, -5)
    report = await check(engine)
    assert report.finding is not None
    assert (report.finding.kind, report.finding.row_id) == ("inserted", -5)


async def test_the_first_of_several_tamperings_is_named(engine: AsyncEngine) -> None:
    await add_entries(engine, 20)
    await seal_all(engine, batch=6)
    ids = await audit_ids(engine)
    await tamper(engine, "DELETE FROM audit_log WHERE id = :id", id=ids[-2])
    await tamper(engine, "UPDATE audit_log SET role = 'admin' WHERE id = :id", id=ids[-9])
    report = await check(engine)
    assert report.finding is not None
    assert (report.finding.kind, report.finding.row_id) == ("changed", ids[-9])


async def test_rewriting_rows_and_seals_together_is_found_by_the_checkpoints(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await add_entries(engine, 12)
    await seal_all(engine, folder=tmp_path, batch=5)
    victim = (await audit_ids(engine))[-7]
    await tamper(engine, "UPDATE audit_log SET actor = 'someone-else' WHERE id = :id", id=victim)
    async with engine.connect() as connection:
        first = await connection.scalar(
            text("SELECT min(seq) FROM audit_seals WHERE last_id >= :id"), {"id": victim}
        )
    # The forger seals again from the changed row on, without the checkpoint key.
    await tamper(engine, "DELETE FROM audit_seals WHERE seq >= :seq", seq=first)
    await seal_all(engine, batch=5)
    assert (await check(engine)).intact  # the database alone is consistent again
    report = await check(engine, tmp_path)
    assert report.finding is not None
    assert (report.finding.kind, report.finding.seq) == ("checkpoint", first)
    assert "rewritten together" in report.summary()


async def test_removing_the_newest_rows_with_their_seals_is_found_by_the_checkpoints(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await add_entries(engine, 10)
    await seal_all(engine, folder=tmp_path, batch=4)
    async with engine.connect() as connection:
        last = await connection.scalar(text("SELECT max(seq) FROM audit_seals"))
        cut = await connection.scalar(
            text("SELECT last_id FROM audit_seals WHERE seq = :s"), {"s": last - 1}
        )
    await tamper(engine, "DELETE FROM audit_seals WHERE seq = :s", s=last)
    await tamper(engine, "DELETE FROM audit_log WHERE id > :id", id=cut)
    assert (await check(engine)).intact
    report = await check(engine, tmp_path)
    assert report.finding is not None
    assert report.finding.kind == "checkpoint"
    assert f"vouches for seal {last}" in report.finding.message


async def test_a_chain_started_again_is_found_by_its_missing_checkpoints(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await add_entries(engine, 3)
    await seal_all(engine, folder=tmp_path)
    victim = (await audit_ids(engine))[0]
    await tamper(engine, "DELETE FROM audit_log WHERE id = :id", id=victim)
    # The forger empties the seal table and starts a chain of their own (no line signed).
    await tamper(engine, "DELETE FROM audit_seals")
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO audit_seals (seq, last_id, row_count, ids, digests, hash, sealed_at)"
                " VALUES (0, 0, 0, '', '', :hash, :at)"
            ),
            {"hash": "f" * 64, "at": datetime.now(UTC)},
        )
    await seal_all(engine)
    assert (await check(engine)).intact
    report = await check(engine, tmp_path)
    assert report.finding is not None
    assert "no signed checkpoint" in report.finding.message


async def test_a_forged_or_foreign_checkpoint_line_is_refused(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await add_entries(engine, 3)
    await seal_all(engine, folder=tmp_path)
    (path,) = await asyncio.to_thread(lambda: list(tmp_path.iterdir()))
    good = path.read_text()
    line = json.loads(good)
    line["hash"] = "0" * 64
    path.write_text(good + json.dumps(line) + "\n")
    report = await check(engine, tmp_path)
    assert report.finding is not None
    assert "line 2" in report.finding.message
    assert "not signed with the audit key" in report.finding.message


async def test_a_checkpoint_line_cut_short_by_a_crash_is_skipped(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await add_entries(engine, 3)
    await seal_all(engine, folder=tmp_path)
    (path,) = await asyncio.to_thread(lambda: list(tmp_path.iterdir()))
    whole = path.read_text()
    path.write_text(whole + whole[:40])  # the next write was cut short
    await add_entries(engine, 3)
    await seal_all(engine, folder=tmp_path)
    report = await check(engine, tmp_path)
    assert report.intact, report.summary()
    assert report.vouched == report.seals == 2


async def test_the_seal_table_is_append_only(engine: AsyncEngine) -> None:
    await add_entries(engine, 2)
    await seal_all(engine)
    for statement in ("UPDATE audit_seals SET hash = 'x'", "DELETE FROM audit_seals"):
        async with engine.connect() as connection:
            with pytest.raises((DBAPIError, IntegrityError), match="append-only"):
                await connection.execute(text(statement))
            await connection.rollback()
    assert (await check(engine)).intact


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlite_refuses_insert_or_replace_and_verify_finds_it(engine: AsyncEngine) -> None:
    await add_entries(engine, 4)
    await seal_all(engine)
    victim = (await audit_ids(engine))[-2]
    replace = (
        "INSERT OR REPLACE INTO audit_log (id, at, actor, role, action, target_type, target_id,"
        " detail) VALUES (:id, '2026-12-05 10:00:00.000000', 'x', 'admin', 'x', 'x', 'x', '{}')"
    )
    async with engine.connect() as connection:
        with pytest.raises((DBAPIError, IntegrityError), match="append-only"):
            await connection.execute(text(replace), {"id": victim})
        await connection.rollback()
    assert (await check(engine)).intact
    await unguard(engine)
    async with engine.begin() as connection:
        await connection.execute(text(replace), {"id": victim})
    report = await check(engine)
    assert report.finding is not None
    assert (report.finding.kind, report.finding.row_id) == ("changed", victim)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_unreadable_row_is_reported_changed(engine: AsyncEngine) -> None:
    await add_entries(engine, 3)
    await seal_all(engine)
    victim = (await audit_ids(engine))[-1]
    await tamper(engine, "UPDATE audit_log SET at = 'yesterday' WHERE id = :id", id=victim)
    report = await check(engine)
    assert report.finding is not None
    assert (report.finding.kind, report.finding.row_id) == ("changed", victim)
