"""Caller feedback surveys (issue 28): the surveys sent after closed cards and the opt-outs.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import UTCDateTime

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create both tables."""
    op.create_table(
        "surveys",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("card_id", sa.Uuid(), sa.ForeignKey("cards.id"), nullable=False, unique=True),
        sa.Column("card_number", sa.String(32), nullable=False),
        sa.Column("call_id", sa.Uuid(), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("incident_type", sa.String(64), nullable=True),
        sa.Column("region", sa.String(16), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("send_after", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("command_id", sa.Uuid(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reply_message_id", sa.String(200), nullable=True),
        sa.Column("cancelled_reason", sa.String(32), nullable=True),
    )
    for column in ("call_id", "number", "status", "send_after", "sent_at"):
        op.create_index(f"ix_surveys_{column}", "surveys", [column])
    op.create_table(
        "survey_opt_outs",
        sa.Column("number", sa.String(32), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("survey_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.String(160), nullable=False),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("survey_opt_outs")
    for column in ("call_id", "number", "status", "send_after", "sent_at"):
        op.drop_index(f"ix_surveys_{column}", table_name="surveys")
    op.drop_table("surveys")
