"""Protocols (issue 24): every version of every protocol, and the protocols walked on cards.

``protocol_versions`` holds each version's definition (draft, in review, approved, retired);
``protocol_runs`` what was answered and given on a card, written onto the card at most every
few seconds and at route and close (``pending`` until then). The seeded protocols are added as
drafts by ``seed`` (never approved).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument, UTCDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create both tables."""
    op.create_table(
        "protocol_versions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("code", sa.String(48), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("definition", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("review_note", sa.String(2000), nullable=True),
        sa.UniqueConstraint("code", "version"),
    )
    op.create_index("ix_protocol_versions_code", "protocol_versions", ["code"])
    op.create_table(
        "protocol_runs",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("card_id", sa.Uuid(), sa.ForeignKey("cards.id"), nullable=False),
        sa.Column("protocol_code", sa.String(48), nullable=False),
        sa.Column("protocol_version", sa.Integer(), nullable=False),
        sa.Column("protocol_version_id", sa.Uuid(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("started_by", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("answers", JSONDocument, nullable=False),
        sa.Column("given", JSONDocument, nullable=False),
        sa.Column("determinant", JSONDocument, nullable=True),
        sa.Column("override_priority", sa.Integer(), nullable=True),
        sa.Column("override_reason", sa.String(500), nullable=True),
        sa.Column("escalated_at", UTCDateTime(), nullable=True),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("flushed_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_protocol_runs_card_id", "protocol_runs", ["card_id"])
    op.create_index("ix_protocol_runs_pending", "protocol_runs", ["pending"])


def downgrade() -> None:
    """Drop them."""
    op.drop_table("protocol_runs")
    op.drop_table("protocol_versions")
