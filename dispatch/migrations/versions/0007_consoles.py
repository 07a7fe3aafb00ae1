"""Escalations of calls from operators to supervisors (the consoles).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("card_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("raised_by", sa.String(64), nullable=False),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("taken_by", sa.String(64), nullable=True),
        sa.Column("taken_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_escalations_call_id_calls")
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_escalations_card_id_cards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    op.create_index(op.f("ix_escalations_call_id"), "escalations", ["call_id"])
    op.create_index(op.f("ix_escalations_status"), "escalations", ["status"])
    op.create_index(op.f("ix_escalations_raised_by"), "escalations", ["raised_by"])
    op.create_index(op.f("ix_escalations_raised_at"), "escalations", ["raised_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_escalations_raised_at"), table_name="escalations")
    op.drop_index(op.f("ix_escalations_raised_by"), table_name="escalations")
    op.drop_index(op.f("ix_escalations_status"), table_name="escalations")
    op.drop_index(op.f("ix_escalations_call_id"), table_name="escalations")
    op.drop_table("escalations")
