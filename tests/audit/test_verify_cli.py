"""``python -m dispatch audit verify``: exit 0 with a summary when the log is intact, 1 naming
the first row when a row was inserted, changed or deleted after sealing (or a checkpoint
disagrees), 2 when the database cannot be checked. The tampering drill of RELIABILITY.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.audit import add_entries, audit_ids, forge_entry, make_gap, seal_all, tamper
from tests.fixtures.processes import dispatch_env, run_cli


def _verify(database_url: str, folder: Path, **extra: str) -> tuple[int, str]:
    env = dispatch_env(
        DISPATCH_DATABASE_URL=database_url, DISPATCH_AUDIT_CHECKPOINT_DIR=str(folder), **extra
    )
    done = run_cli(["audit", "verify"], env)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.asyncio
async def test_an_intact_log_exits_0_with_a_summary(
    database_url: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    await add_entries(engine, 5)
    made = await seal_all(engine, folder=tmp_path)
    await add_entries(engine, 2)
    code, output = _verify(database_url, tmp_path)
    assert code == 0, output
    rows = len(await audit_ids(engine)) - 2
    assert f"audit log intact: {rows} rows in {len(made)} seals" in output
    assert "2 newer rows not sealed yet" in output
    assert f"{len(made)} of the {len(made)} seals match their signed checkpoints" in output


@pytest.mark.asyncio
@pytest.mark.parametrize("how", ["insert", "change", "delete"])
async def test_tampering_exits_1_naming_the_row(
    database_url: str, engine: AsyncEngine, tmp_path: Path, how: str
) -> None:
    await add_entries(engine, 6)
    gap = await make_gap(engine)
    await add_entries(engine, 6)
    await seal_all(engine, folder=tmp_path)
    victim = (await audit_ids(engine))[-3]
    if how == "insert":
        victim = gap
        await forge_entry(engine, gap)
    elif how == "change":
        await tamper(engine, "UPDATE audit_log SET actor = 'nobody' WHERE id = :id", id=victim)
    else:
        await tamper(engine, "DELETE FROM audit_log WHERE id = :id", id=victim)
    code, output = _verify(database_url, tmp_path)
    assert code == 1, output
    verb = {"insert": "inserted", "change": "changed", "delete": "deleted"}[how]
    assert f"audit log TAMPERED ({verb}): row {victim} was {verb}" in output


@pytest.mark.asyncio
async def test_checkpoints_signed_with_another_key_exit_1(
    database_url: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    await seal_all(engine, folder=tmp_path)
    code, output = _verify(database_url, tmp_path, DISPATCH_AUDIT_KEY="k" * 40)
    assert code == 1, output
    assert "not signed with the audit key" in output


def test_a_database_without_the_chain_exits_2(tmp_path: Path) -> None:
    code, output = _verify(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    assert code == 2, output
    assert "cannot verify the audit log" in output
