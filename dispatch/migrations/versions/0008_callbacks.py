"""Callback tasks and attempts.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OPEN_TASK = sa.text("status IN ('pending', 'dialing')")
DIALING = sa.text("status = 'dialing'")


def upgrade() -> None:
    op.create_table(
        "callback_tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("card_id", sa.Uuid(), nullable=True),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("language", sa.String(3), nullable=False),
        sa.Column("queue", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("preferred_operator", sa.String(64), nullable=True),
        sa.Column("operator", sa.String(64), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(64), nullable=True),
        sa.Column("card_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_callback_tasks_call_id_calls")
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_callback_tasks_card_id_cards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_tasks")),
    )
    op.create_index(op.f("ix_callback_tasks_call_id"), "callback_tasks", ["call_id"])
    op.create_index(op.f("ix_callback_tasks_created_at"), "callback_tasks", ["created_at"])
    op.create_index("ix_callback_tasks_status_due_at", "callback_tasks", ["status", "due_at"])
    op.create_index(
        "uq_callback_tasks_open_call",
        "callback_tasks",
        ["call_id"],
        unique=True,
        sqlite_where=OPEN_TASK,
        postgresql_where=OPEN_TASK,
    )
    op.create_index(
        "uq_callback_tasks_dialing_operator",
        "callback_tasks",
        ["operator"],
        unique=True,
        sqlite_where=DIALING,
        postgresql_where=DIALING,
    )
    op.create_table(
        "callback_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("command_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["callback_tasks.id"],
            name=op.f("fk_callback_attempts_task_id_callback_tasks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_attempts")),
        sa.UniqueConstraint("task_id", "number", name=op.f("uq_callback_attempts_task_id_number")),
    )
    op.create_index(op.f("ix_callback_attempts_task_id"), "callback_attempts", ["task_id"])
    op.create_index(op.f("ix_callback_attempts_operator"), "callback_attempts", ["operator"])
    op.create_index(op.f("ix_callback_attempts_started_at"), "callback_attempts", ["started_at"])


def downgrade() -> None:
    op.drop_table("callback_attempts")
    op.drop_table("callback_tasks")
