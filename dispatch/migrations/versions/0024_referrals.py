"""The referral directory (issue 25): state and NGO help a caller can be referred to.

``referrals`` holds each entry (names in uz/ru/en, kind, national or the regions it serves,
phones, hours, languages, address, notes, active); the seeded starting set is added by
``seed`` from ``dispatch/referrals/seeds.yaml``. A referral recorded on a card is a card note.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument, UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table."""
    op.create_table(
        "referrals",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=True, unique=True),
        sa.Column("names", JSONDocument, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("national", sa.Boolean(), nullable=False),
        sa.Column("regions", JSONDocument, nullable=False),
        sa.Column("phones", JSONDocument, nullable=False),
        sa.Column("always_open", sa.Boolean(), nullable=False),
        sa.Column("hours", JSONDocument, nullable=True),
        sa.Column("languages", JSONDocument, nullable=False),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_referrals_kind", "referrals", ["kind"])
    op.create_index("ix_referrals_active", "referrals", ["active"])


def downgrade() -> None:
    """Drop it."""
    op.drop_table("referrals")
