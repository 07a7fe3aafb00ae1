"""Shift rosters and the surge days left out of the forecast (issue 28).

``analytics_roster``: one row per planned shift of an operator (start and end in UTC, the
queues and skills expected, a note). ``analytics_surge_days``: local days a supervisor or an
analyst marked as surges.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument, UTCDateTime

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create both tables."""
    op.create_table(
        "analytics_roster",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("queues", JSONDocument, nullable=False),
        sa.Column("skills", JSONDocument, nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_roster")),
    )
    op.create_index("ix_analytics_roster_start", "analytics_roster", ["starts_at"])
    op.create_index(
        "ix_analytics_roster_operator_start",
        "analytics_roster",
        ["username", "starts_at"],
    )
    op.create_table(
        "analytics_surge_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_analytics_surge_days")),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("analytics_surge_days")
    op.drop_index("ix_analytics_roster_operator_start", table_name="analytics_roster")
    op.drop_index("ix_analytics_roster_start", table_name="analytics_roster")
    op.drop_table("analytics_roster")
