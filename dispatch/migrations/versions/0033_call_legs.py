"""Call control (issue 26): ``call_legs``, every party brought onto a call (a transfer's target,
a conference's party, a supervisor monitoring) with who asked and how it went.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import UTCDateTime

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table, empty."""
    op.create_table(
        "call_legs",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("call_id", sa.Uuid(), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=True),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("target_name", sa.String(200), nullable=True),
        sa.Column("number", sa.String(32), nullable=True),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("command_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
    )
    op.create_index("ix_call_legs_call_id", "call_legs", ["call_id"])
    op.create_index("ix_call_legs_status", "call_legs", ["status"])


def downgrade() -> None:
    """Drop the table."""
    op.drop_index("ix_call_legs_status", table_name="call_legs")
    op.drop_index("ix_call_legs_call_id", table_name="call_legs")
    op.drop_table("call_legs")
