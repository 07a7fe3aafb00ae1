"""Units get their names in the UI languages (uz, ru, en) beside the one ``name``.

``name`` stays as it was (the card and outside systems read it); units stored before this
revision start with no names, and the consoles show ``name`` until they get some (the seed
names the untouched sample units from their service's and region's names).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``units.names``, empty for the units already stored."""
    op.add_column(
        "units",
        sa.Column("names", JSONDocument, nullable=False, server_default=sa.text("'{}'")),
    )


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("units") as batch:
        batch.drop_column("names")
