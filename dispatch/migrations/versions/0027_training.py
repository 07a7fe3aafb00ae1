"""Training programmes and sessions (issue 29): ``training_programmes`` (goals, modules,
materials, the standard's task codes, the targeted QA items and a test), ``training_sessions``
(planned, held or cancelled) and ``training_trainees`` (invitation, attendance, test result,
feedback); the regulations library (D2.02): ``training_regulations`` (every version of a law,
order or instruction, the roles it concerns and what it affects) and
``training_acknowledgements``; the competency register: ``training_competencies``.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument, UTCDateTime

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the six tables."""
    op.create_table(
        "training_programmes",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("title", JSONDocument, nullable=False),
        sa.Column("goals", JSONDocument, nullable=False),
        sa.Column("modules", JSONDocument, nullable=False),
        sa.Column("functions", JSONDocument, nullable=False),
        sa.Column("scorecard", sa.String(64), nullable=False),
        sa.Column("items", JSONDocument, nullable=False),
        sa.Column("test", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_training_programmes_created_at", "training_programmes", ["created_at"])
    op.create_table(
        "training_sessions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "programme_id", sa.Uuid(), sa.ForeignKey("training_programmes.id"), nullable=False
        ),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("trainer", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    for column in ("programme_id", "starts_at", "trainer", "status"):
        op.create_index(f"ix_training_sessions_{column}", "training_sessions", [column])
    op.create_table(
        "training_trainees",
        sa.Column("session_id", sa.Uuid(), sa.ForeignKey("training_sessions.id"), primary_key=True),
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("topic_ids", JSONDocument, nullable=False),
        sa.Column("invited_at", UTCDateTime(), nullable=False),
        sa.Column("invited_by", sa.String(64), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("attendance_by", sa.String(64), nullable=True),
        sa.Column("test_answers", JSONDocument, nullable=True),
        sa.Column("test_score", sa.Float(), nullable=True),
        sa.Column("test_passed", sa.Boolean(), nullable=True),
        sa.Column("tested_at", UTCDateTime(), nullable=True),
        sa.Column("tested_by", sa.String(64), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("feedback_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_training_trainees_username", "training_trainees", ["username"])
    op.create_table(
        "training_regulations",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("number", sa.String(64), nullable=True),
        sa.Column("title", JSONDocument, nullable=False),
        sa.Column("summary", JSONDocument, nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("in_force_from", sa.Date(), nullable=False),
        sa.Column("in_force_to", sa.Date(), nullable=True),
        sa.Column("attachment_id", sa.Uuid(), nullable=True),
        sa.Column("url", sa.String(2000), nullable=True),
        sa.Column("roles", JSONDocument, nullable=False),
        sa.Column("affects", JSONDocument, nullable=False),
        sa.Column("acknowledge_within_days", sa.Integer(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.UniqueConstraint("code", "version"),
    )
    op.create_index("ix_training_regulations_code", "training_regulations", ["code"])
    op.create_index(
        "ix_training_regulations_published_at", "training_regulations", ["published_at"]
    )
    op.create_table(
        "training_acknowledgements",
        sa.Column(
            "regulation_id", sa.Uuid(), sa.ForeignKey("training_regulations.id"), primary_key=True
        ),
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_training_acknowledgements_username", "training_acknowledgements", ["username"]
    )
    op.create_table(
        "training_competencies",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("suggested", sa.Boolean(), nullable=False),
        sa.Column("evidence", JSONDocument, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_training_competencies_username", "training_competencies", ["username"])


def downgrade() -> None:
    """Drop the six tables."""
    op.drop_table("training_competencies")
    op.drop_table("training_acknowledgements")
    op.drop_table("training_regulations")
    op.drop_table("training_trainees")
    op.drop_table("training_sessions")
    op.drop_table("training_programmes")
