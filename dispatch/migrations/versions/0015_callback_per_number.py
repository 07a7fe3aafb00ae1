"""One open callback task per number: later calls from the number join it.

Open tasks that already share a number are folded into the oldest: the others are cancelled
(``card_note`` names the task they joined) and their calls recorded as joins, so the unique
index can be built.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

OPEN_TASK = sa.text("status IN ('pending', 'dialing')")


def upgrade() -> None:
    """Create the joins table, fold duplicate open tasks, index one open task per number."""
    joins = op.create_table(
        "callback_joins",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["callback_tasks.id"],
            name=op.f("fk_callback_joins_task_id_callback_tasks"),
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_callback_joins_call_id_calls")
        ),
        sa.PrimaryKeyConstraint("task_id", "call_id", name=op.f("pk_callback_joins")),
    )
    _fold_duplicates(joins)
    op.create_index(
        "uq_callback_tasks_open_number",
        "callback_tasks",
        ["number"],
        unique=True,
        sqlite_where=OPEN_TASK,
        postgresql_where=OPEN_TASK,
    )


def _fold_duplicates(joins: sa.Table) -> None:
    tasks = sa.table(
        "callback_tasks",
        sa.column("id", sa.Uuid()),
        sa.column("call_id", sa.Uuid()),
        sa.column("number", sa.String()),
        sa.column("origin", sa.String()),
        sa.column("status", sa.String()),
        sa.column("created_at", UTCDateTime()),
        sa.column("closed_at", UTCDateTime()),
        sa.column("closed_by", sa.String()),
        sa.column("card_note", sa.Text()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(tasks.c.id, tasks.c.call_id, tasks.c.number, tasks.c.origin)
        .where(tasks.c.status.in_(("pending", "dialing")))
        .order_by(tasks.c.number, tasks.c.status.desc(), tasks.c.created_at)
    ).all()
    kept: dict[str, Any] = {}
    now = datetime.now(UTC)
    for row in rows:
        first = kept.setdefault(row.number, row)
        if first is row:
            continue  # the dialing one (if any) or the oldest stays
        bind.execute(
            sa.insert(joins).values(
                task_id=first.id, call_id=row.call_id, origin=row.origin, joined_at=now
            )
        )
        bind.execute(
            sa.update(tasks)
            .where(tasks.c.id == row.id)
            .values(
                status="cancelled",
                closed_at=now,
                closed_by="system",
                card_note=f"joined callback {first.id} of the same number (migration 0015)",
            )
        )


def downgrade() -> None:
    """Drop the index and the joins."""
    op.drop_index("uq_callback_tasks_open_number", table_name="callback_tasks")
    op.drop_table("callback_joins")
