"""Webhook batches (issue 22): ``services.webhook_batch``, the cards a webhook request may carry
(1, the original one-card POST, for every service stored so far).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column, 1 for every service."""
    op.add_column(
        "services", sa.Column("webhook_batch", sa.Integer(), nullable=False, server_default="1")
    )


def downgrade() -> None:
    """Drop the column in place (SQLite 3.35+ too: a batch would copy ``services``, which the
    foreign keys of many tables point at)."""
    op.execute("ALTER TABLE services DROP COLUMN webhook_batch")
