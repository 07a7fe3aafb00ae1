"""Intake: call events and timeline, text conversations, AML locations, gateway commands.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SerialId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

CALL_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("caller_key", sa.String(32), nullable=True),
    sa.Column("caller_address", sa.String(254), nullable=True),
    sa.Column("imei", sa.String(16), nullable=True),
    sa.Column("conversation_id", sa.String(200), nullable=True),
    sa.Column("operator", sa.String(64), nullable=True),
    sa.Column("offered_at", UTCDateTime(), nullable=True),
    sa.Column("answered_at", UTCDateTime(), nullable=True),
    sa.Column("ended_at", UTCDateTime(), nullable=True),
    sa.Column("talk_seconds", sa.Float(), nullable=True),
    sa.Column("media_url", sa.String(1000), nullable=True),
    sa.Column("timeline_complete", sa.Boolean(), nullable=False, server_default=sa.true()),
    sa.Column("last_message_at", UTCDateTime(), nullable=True),
)
CALL_INDEXES = ("caller_key", "caller_address", "imei", "conversation_id")


def upgrade() -> None:
    for column in CALL_COLUMNS:
        op.add_column("calls", column)
    for name in CALL_INDEXES:
        op.create_index(op.f(f"ix_calls_{name}"), "calls", [name])
    # Calls stored before this revision match AML and conversations by their number as posted.
    op.execute("UPDATE calls SET caller_key = caller_number WHERE caller_number IS NOT NULL")

    op.create_table(
        "call_events",
        sa.Column("id", SerialId, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(100), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("operator", sa.String(64), nullable=True),
        sa.Column("media_url", sa.String(1000), nullable=True),
        sa.Column("command_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("received_by", sa.String(64), nullable=False),
        sa.Column("result", JSONDocument, nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_events_call_id_calls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_call_events_event_id")),
    )
    op.create_index(op.f("ix_call_events_call_id"), "call_events", ["call_id"])

    op.create_table(
        "call_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(300), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("author", sa.String(254), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("command_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_messages_call_id_calls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_messages")),
    )
    op.create_index(op.f("ix_call_messages_call_id"), "call_messages", ["call_id"])
    op.create_index(op.f("ix_call_messages_external_id"), "call_messages", ["external_id"])

    op.create_table(
        "aml_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("received_by", sa.String(64), nullable=False),
        sa.Column("transport", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("number", sa.String(64), nullable=True),
        sa.Column("number_key", sa.String(32), nullable=True),
        sa.Column("imei", sa.String(16), nullable=True),
        sa.Column("imei_key", sa.String(14), nullable=True),
        sa.Column("imsi", sa.String(15), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("radius_m", sa.Float(), nullable=True),
        sa.Column("positioned_at", UTCDateTime(), nullable=True),
        sa.Column("confidence", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(8), nullable=True),
        sa.Column("mcc", sa.String(3), nullable=True),
        sa.Column("mnc", sa.String(3), nullable=True),
        sa.Column("authenticated", sa.Boolean(), nullable=True),
        sa.Column("details", JSONDocument, nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.Column("matched_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_aml_messages_call_id_calls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aml_messages")),
    )
    for name in ("received_at", "number_key", "imei_key", "call_id"):
        op.create_index(op.f(f"ix_aml_messages_{name}"), "aml_messages", [name])

    op.create_table(
        "aml_refused",
        sa.Column("id", SerialId, autoincrement=True, nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("received_by", sa.String(64), nullable=False),
        sa.Column("transport", sa.String(8), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sender", sa.String(64), nullable=True),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aml_refused")),
    )
    op.create_index(op.f("ix_aml_refused_received_at"), "aml_refused", ["received_at"])

    op.create_table(
        "gateway_commands",
        sa.Column("id", SerialId, autoincrement=True, nullable=False),
        sa.Column("command_id", sa.Uuid(), nullable=False),
        sa.Column("command", sa.String(16), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("operator", sa.String(64), nullable=True),
        sa.Column("payload", JSONDocument, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("failed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_gateway_commands_call_id_calls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_commands")),
        sa.UniqueConstraint("command_id", name=op.f("uq_gateway_commands_command_id")),
    )
    op.create_index(op.f("ix_gateway_commands_call_id"), "gateway_commands", ["call_id"])
    op.create_index(op.f("ix_gateway_commands_status"), "gateway_commands", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_gateway_commands_status"), table_name="gateway_commands")
    op.drop_index(op.f("ix_gateway_commands_call_id"), table_name="gateway_commands")
    op.drop_table("gateway_commands")
    op.drop_index(op.f("ix_aml_refused_received_at"), table_name="aml_refused")
    op.drop_table("aml_refused")
    for name in ("received_at", "number_key", "imei_key", "call_id"):
        op.drop_index(op.f(f"ix_aml_messages_{name}"), table_name="aml_messages")
    op.drop_table("aml_messages")
    op.drop_index(op.f("ix_call_messages_external_id"), table_name="call_messages")
    op.drop_index(op.f("ix_call_messages_call_id"), table_name="call_messages")
    op.drop_table("call_messages")
    op.drop_index(op.f("ix_call_events_call_id"), table_name="call_events")
    op.drop_table("call_events")
    for name in CALL_INDEXES:
        op.drop_index(op.f(f"ix_calls_{name}"), table_name="calls")
    with op.batch_alter_table("calls") as batch:
        for column in reversed(CALL_COLUMNS):
            batch.drop_column(column.name)
