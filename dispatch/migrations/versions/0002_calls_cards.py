"""Calls and call cards with their version history and daily numbering.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("caller_number", sa.String(32), nullable=True),
        sa.Column("language", sa.String(3), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("radius_m", sa.Float(), nullable=True),
        sa.Column("location_source", sa.String(8), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("subject", sa.String(300), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
    )
    op.create_index(op.f("ix_calls_caller_number"), "calls", ["caller_number"])
    op.create_index(op.f("ix_calls_created_at"), "calls", ["created_at"])
    op.create_table(
        "cards",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.Column("incident_type", sa.String(64), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("operator_id", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("document", JSONDocument, nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_cards_call_id_calls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
        sa.UniqueConstraint("number", name=op.f("uq_cards_number")),
        sa.UniqueConstraint("call_id", name=op.f("uq_cards_call_id")),
    )
    op.create_index(op.f("ix_cards_status"), "cards", ["status"])
    op.create_index(op.f("ix_cards_incident_type"), "cards", ["incident_type"])
    op.create_index(op.f("ix_cards_operator_id"), "cards", ["operator_id"])
    op.create_index(op.f("ix_cards_created_at"), "cards", ["created_at"])
    op.create_table(
        "card_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("change", sa.String(32), nullable=False),
        sa.Column("detail", JSONDocument, nullable=False),
        sa.Column("document", JSONDocument, nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_card_versions_card_id_cards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_versions")),
        sa.UniqueConstraint("card_id", "version", name=op.f("uq_card_versions_card_id")),
    )
    op.create_index(op.f("ix_card_versions_card_id"), "card_versions", ["card_id"])
    op.create_table(
        "card_number_counters",
        sa.Column("day", sa.String(8), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_card_number_counters")),
    )


def downgrade() -> None:
    op.drop_table("card_number_counters")
    op.drop_index(op.f("ix_card_versions_card_id"), table_name="card_versions")
    op.drop_table("card_versions")
    for index in ("created_at", "operator_id", "incident_type", "status"):
        op.drop_index(op.f(f"ix_cards_{index}"), table_name="cards")
    op.drop_table("cards")
    op.drop_index(op.f("ix_calls_created_at"), table_name="calls")
    op.drop_index(op.f("ix_calls_caller_number"), table_name="calls")
    op.drop_table("calls")
