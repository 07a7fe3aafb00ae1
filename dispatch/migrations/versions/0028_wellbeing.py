"""Wellbeing after traumatic calls (issue 29): ``wellbeing_cases`` (a closed card that met the
rules, or an operator's own request, for one operator), ``wellbeing_offers`` (the short break
offered: offered, accepted or declined) and ``wellbeing_debriefs`` (flagged for the
psychologist: open, held or cancelled).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument, UTCDateTime

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the three tables."""
    op.create_table(
        "wellbeing_cases",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("card_id", sa.Uuid(), sa.ForeignKey("cards.id"), nullable=True),
        sa.Column("card_number", sa.String(32), nullable=True),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("reasons", JSONDocument, nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("card_id", "username"),
    )
    for column in ("username", "created_at"):
        op.create_index(f"ix_wellbeing_cases_{column}", "wellbeing_cases", [column])
    op.create_table(
        "wellbeing_offers",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "case_id", sa.Uuid(), sa.ForeignKey("wellbeing_cases.id"), nullable=False, unique=True
        ),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("offered_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("break_until", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "wellbeing_debriefs",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "case_id", sa.Uuid(), sa.ForeignKey("wellbeing_cases.id"), nullable=False, unique=True
        ),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("flagged_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    for table in ("wellbeing_offers", "wellbeing_debriefs"):
        for column in ("username", "status"):
            op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    """Drop the three tables."""
    for table in ("wellbeing_debriefs", "wellbeing_offers"):
        for column in ("username", "status"):
            op.drop_index(f"ix_{table}_{column}", table_name=table)
        op.drop_table(table)
    for column in ("username", "created_at"):
        op.drop_index(f"ix_wellbeing_cases_{column}", table_name="wellbeing_cases")
    op.drop_table("wellbeing_cases")
