"""The services' feed outbox and each service's webhook secret.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("webhook_secret", sa.String(128), nullable=True))
    op.create_table(
        "feed_outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("service_code", sa.String(32), nullable=False),
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("card_version", sa.Integer(), nullable=False),
        sa.Column("redelivery", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("via", sa.String(16), nullable=True),
        sa.Column("streamed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_code"], ["services.code"], name=op.f("fk_feed_outbox_service_code_services")
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_feed_outbox_card_id_cards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_outbox")),
    )
    op.create_index(op.f("ix_feed_outbox_card_id"), "feed_outbox", ["card_id"])
    op.create_index(
        "ix_feed_outbox_service_status", "feed_outbox", ["service_code", "status", "id"]
    )
    op.create_index(
        "uq_feed_outbox_first",
        "feed_outbox",
        ["service_code", "card_id", "card_version"],
        unique=True,
        sqlite_where=sa.text("redelivery = 0"),
        postgresql_where=sa.text("redelivery = false"),
    )


def downgrade() -> None:
    op.drop_index("uq_feed_outbox_first", table_name="feed_outbox")
    op.drop_index("ix_feed_outbox_service_status", table_name="feed_outbox")
    op.drop_index(op.f("ix_feed_outbox_card_id"), table_name="feed_outbox")
    op.drop_table("feed_outbox")
    with op.batch_alter_table("services") as batch:
        batch.drop_column("webhook_secret")
