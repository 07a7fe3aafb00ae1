"""The surge policy (issue 22): ``queue_surge``, one row with the mode a supervisor set and the
ACD's latest judgement (in surge or not, why, with its figures).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument, UTCDateTime

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table, empty: the ACD writes its row at its first judgement (mode auto)."""
    op.create_table(
        "queue_surge",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("mode_reason", sa.String(500), nullable=True),
        sa.Column("mode_set_by", sa.String(64), nullable=True),
        sa.Column("mode_set_at", UTCDateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("why", sa.String(32), nullable=False),
        sa.Column("figures", JSONDocument, nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("judged_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_queue_surge_one_row"),
        sa.CheckConstraint("mode IN ('auto', 'on', 'off')", name="ck_queue_surge_mode"),
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("queue_surge")
