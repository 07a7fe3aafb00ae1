"""Two reads that grew with the history kept (session 24, issue 22): the Redis mirror's "rows
not yet streamed" read the whole outbox on PostgreSQL at every card routed and every second
(no index held them), and an operator's latest escalations were found by scanning every
escalation by time when the planner guessed the operator had many.

- ``ix_feed_outbox_unstreamed``: the outbox's ids not yet streamed (a partial index: the rows
  the mirror still owes, a handful, whatever the years kept).
- ``ix_escalations_raised_by_raised_at`` replaces ``ix_escalations_raised_by``: who raised them,
  newest first, in one index.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

UNSTREAMED = sa.text("streamed_at IS NULL")


def upgrade() -> None:
    """Create the two indexes, drop the one the second replaces."""
    op.create_index(
        "ix_feed_outbox_unstreamed",
        "feed_outbox",
        ["id"],
        sqlite_where=UNSTREAMED,
        postgresql_where=UNSTREAMED,
    )
    op.create_index("ix_escalations_raised_by_raised_at", "escalations", ["raised_by", "raised_at"])
    op.drop_index("ix_escalations_raised_by", table_name="escalations")


def downgrade() -> None:
    """Put the escalations' index back, drop the new two."""
    op.create_index("ix_escalations_raised_by", "escalations", ["raised_by"])
    op.drop_index("ix_escalations_raised_by_raised_at", table_name="escalations")
    op.drop_index("ix_feed_outbox_unstreamed", table_name="feed_outbox")
