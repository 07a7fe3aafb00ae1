"""Training schedules (issue 29): ``training_schedules`` (a programme due again every so many
months for the roles and ACD skills in its scope, suggested some days ahead, until ended) and
``training_trainees.schedule_id`` (the schedule an invitation came from).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument, UTCDateTime

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table and add the column, empty for the invitations already stored."""
    op.create_table(
        "training_schedules",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "programme_id", sa.Uuid(), sa.ForeignKey("training_programmes.id"), nullable=False
        ),
        sa.Column("roles", JSONDocument, nullable=False),
        sa.Column("skills", JSONDocument, nullable=False),
        sa.Column("interval_months", sa.Integer(), nullable=False),
        sa.Column("lead_days", sa.Integer(), nullable=False),
        sa.Column("counts_also", JSONDocument, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by", sa.String(64), nullable=True),
    )
    for column in ("programme_id", "ended_at"):
        op.create_index(f"ix_training_schedules_{column}", "training_schedules", [column])
    op.add_column("training_trainees", sa.Column("schedule_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("training_trainees") as batch:
        batch.drop_column("schedule_id")
    op.drop_table("training_schedules")
