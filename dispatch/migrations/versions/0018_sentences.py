"""Sentences the system writes for a person keep their code and particulars beside the English.

An automatic break's or sign-out's reason (``operators.reason_said``), an escalation the system
raised (``escalations.reason_said``) and a callback task's note on its card
(``callback_tasks.card_note_said``) are stored as ``{code, params}`` too, which the consoles say
in the UI's language. Rows stored before this revision have none, and the consoles show their
English text as before.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

COLUMNS = (
    ("operators", "reason_said"),
    ("escalations", "reason_said"),
    ("callback_tasks", "card_note_said"),
)


def upgrade() -> None:
    """Add the three columns, empty for the rows already stored."""
    for table, column in COLUMNS:
        op.add_column(table, sa.Column(column, JSONDocument, nullable=True))


def downgrade() -> None:
    """Drop them."""
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
