"""ACD: queues, operators, calls in queues, offers, the queue log and its statistics.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SerialId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    op.create_table(
        "queues",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("channels", JSONDocument, nullable=False),
        sa.Column("languages", JSONDocument, nullable=False),
        sa.Column("match_rank", sa.Integer(), nullable=False),
        sa.Column("required_skills", JSONDocument, nullable=False),
        sa.Column("strategy", sa.String(16), nullable=False),
        sa.Column("penalty_steps", JSONDocument, nullable=False),
        sa.Column("offer_timeout_s", sa.Integer(), nullable=False),
        sa.Column("wrap_up_s", sa.Integer(), nullable=False),
        sa.Column("sl_targets", JSONDocument, nullable=False),
        sa.Column("rr_last", sa.String(64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_queues")),
    )
    op.create_table(
        "operators",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("state_since", UTCDateTime(), nullable=False),
        sa.Column("skills", JSONDocument, nullable=False),
        sa.Column("queues", JSONDocument, nullable=True),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.Column("queue", sa.String(64), nullable=True),
        sa.Column("wrap_up_until", UTCDateTime(), nullable=True),
        sa.Column("idle_since", UTCDateTime(), nullable=True),
        sa.Column("last_heartbeat_at", UTCDateTime(), nullable=True),
        sa.Column("offer_not_before", UTCDateTime(), nullable=True),
        sa.Column("no_answer_count", sa.Integer(), nullable=False),
        sa.Column("calls_taken", sa.Integer(), nullable=False),
        sa.Column("talk_seconds", sa.Float(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"], ["users.username"], name=op.f("fk_operators_username_users")
        ),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_operators")),
    )
    op.create_index(op.f("ix_operators_state"), "operators", ["state"])
    op.create_table(
        "queue_entries",
        sa.Column("id", SerialId, autoincrement=True, nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("language", sa.String(3), nullable=False),
        sa.Column("entered_at", UTCDateTime(), nullable=False),
        sa.Column("target_operator", sa.String(64), nullable=True),
        sa.Column("operator", sa.String(64), nullable=True),
        sa.Column("connected_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("no_answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_queue_entries_call_id_calls")
        ),
        sa.ForeignKeyConstraint(
            ["queue"], ["queues.name"], name=op.f("fk_queue_entries_queue_queues")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_entries")),
        sa.UniqueConstraint("call_id", name=op.f("uq_queue_entries_call_id")),
    )
    op.create_index("ix_queue_entries_status_queue", "queue_entries", ["status", "queue"])
    op.create_table(
        "queue_offers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("offered_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("command_id", sa.Uuid(), nullable=True),
        sa.Column("offered_by", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_queue_offers_call_id_calls")
        ),
        sa.ForeignKeyConstraint(
            ["operator"],
            ["operators.username"],
            name=op.f("fk_queue_offers_operator_operators"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_offers")),
    )
    op.create_index(op.f("ix_queue_offers_call_id"), "queue_offers", ["call_id"])
    op.create_index("ix_queue_offers_status_expires_at", "queue_offers", ["status", "expires_at"])
    for name, column in (("call", "call_id"), ("operator", "operator")):
        op.create_index(
            f"uq_queue_offers_active_{name}",
            "queue_offers",
            [column],
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        )
    op.create_table(
        "queue_log",
        sa.Column("id", SerialId, autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("queue", sa.String(64), nullable=True),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.Column("operator", sa.String(64), nullable=True),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("data", JSONDocument, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_log")),
    )
    for column in ("at", "call_id", "operator"):
        op.create_index(op.f(f"ix_queue_log_{column}"), "queue_log", [column])
    _make_append_only("queue_log")
    op.create_table(
        "queue_stats",
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("interval_start", UTCDateTime(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "entered",
                "transferred",
                "answered",
                "abandoned",
                "completed",
                "ring_no_answer",
                "wrap_ups",
            )
        ),
        *(
            sa.Column(name, sa.Float(), nullable=False)
            for name in ("wait_sum", "max_wait", "abandon_wait_sum", "talk_sum", "wrap_sum")
        ),
        sa.Column("answered_within", JSONDocument, nullable=False),
        sa.Column("abandoned_within", JSONDocument, nullable=False),
        sa.PrimaryKeyConstraint("queue", "interval_start", name=op.f("pk_queue_stats")),
    )


def _make_append_only(table: str) -> None:
    """The database refuses to change or delete queue-log lines (statistics rebuild from them)."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
    )


def downgrade() -> None:
    op.drop_table("queue_stats")
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER queue_log_append_only ON queue_log")
        op.execute("DROP FUNCTION queue_log_append_only()")
    op.drop_table("queue_log")
    op.drop_table("queue_offers")
    op.drop_table("queue_entries")
    op.drop_index(op.f("ix_operators_state"), table_name="operators")
    op.drop_table("operators")
    op.drop_table("queues")
