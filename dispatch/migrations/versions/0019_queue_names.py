"""Queues get their names in the UI languages (uz, ru, en) beside the one ``title``.

``title`` stays as it was; queues stored before this revision start with no names, and the
consoles show their own texts' name of a seeded queue, else ``title``, until an admin gives
some (POST and PATCH /api/v1/queues take ``names``).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``queues.names``, empty for the queues already stored."""
    op.add_column(
        "queues",
        sa.Column("names", JSONDocument, nullable=False, server_default=sa.text("'{}'")),
    )


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("queues") as batch:
        batch.drop_column("names")
