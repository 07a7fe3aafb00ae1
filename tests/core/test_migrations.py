"""The Alembic migrations build exactly the tables, indexes and constraints the models declare,
on SQLite and PostgreSQL: a model change without its migration (or the reverse) fails here."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import dispatch.models
from dispatch import migrations
from dispatch.core.database import Base


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


@pytest.mark.asyncio
async def test_the_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    assert dispatch.models.__all__  # every table is imported into the metadata
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


def test_open_callbacks_sharing_a_number_are_folded_into_one(tmp_path: Path) -> None:
    """Migration 0015 (one open callback per number) keeps the dialing or oldest open task of
    a number, cancels the others and records their calls as joins."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
    migrations.upgrade(url, "0014")
    ids = [uuid.uuid4() for _ in range(4)]
    calls = [uuid.uuid4() for _ in range(4)]
    rows = [  # (task, call, number, status, created)
        (ids[0], calls[0], "+998901110000", "pending", "2026-12-05 08:00:00"),
        (ids[1], calls[1], "+998901110000", "pending", "2026-12-05 08:01:00"),
        (ids[2], calls[2], "+998901110000", "reached", "2026-12-05 07:00:00"),
        (ids[3], calls[3], "+998902220000", "pending", "2026-12-05 08:02:00"),
    ]
    with sqlite3.connect(tmp_path / "before.db") as db:
        db.executemany(
            "INSERT INTO calls (id, channel, caller_number, language, status, queue, created_at,"
            " created_by) VALUES (?, 'voice', ?, 'uz', 'abandoned', 'voice-uz', ?, 'gateway1')",
            [(c.hex, n, at) for _, c, n, _, at in rows],
        )
        db.executemany(
            "INSERT INTO callback_tasks (id, call_id, origin, reason, number, language, status,"
            " priority, created_at, created_by, due_at, attempts)"
            " VALUES (?, ?, 'abandoned', 'r', ?, 'uz', ?, 0, ?, 'system', ?, 0)",
            [(t.hex, c.hex, n, s, at, at) for t, c, n, s, at in rows],
        )
    migrations.upgrade(url)
    with sqlite3.connect(tmp_path / "before.db") as db:
        statuses = dict(db.execute("SELECT id, status FROM callback_tasks").fetchall())
        joins = db.execute("SELECT task_id, call_id, origin FROM callback_joins").fetchall()
    assert [statuses[t.hex] for t in ids] == ["pending", "cancelled", "reached", "pending"]
    assert joins == [(ids[0].hex, calls[1].hex, "abandoned")]
