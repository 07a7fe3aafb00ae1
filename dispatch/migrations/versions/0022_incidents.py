"""Cards keep their incident and their point beside the document, for incident suggestions.

``incident_id`` is the incident a card belongs to (the id of its head card); ``lat``, ``lon``
and ``district_code`` copy the card's location so that the open incidents near a new call are
found by an indexed query instead of parsing every recent document. They are written with
every version (``cards/store.py``). Cards stored before this revision get their point copied
when they were created in the last two days (the longest suggestion window is 24 hours); older
ones get it with their next version.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument, UTCDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_BACKFILL_DAYS = 2


def upgrade() -> None:
    """Add the columns and their indexes; copy the point of recent cards."""
    with op.batch_alter_table("cards") as batch:
        batch.add_column(sa.Column("incident_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch.add_column(sa.Column("lon", sa.Float(), nullable=True))
        batch.add_column(sa.Column("district_code", sa.String(32), nullable=True))
        batch.create_index("ix_cards_incident_id", ["incident_id"])
        batch.create_index("ix_cards_district_code_created_at", ["district_code", "created_at"])
    cards = sa.table(
        "cards",
        sa.column("id", sa.Uuid()),
        sa.column("created_at", UTCDateTime()),
        sa.column("document", JSONDocument),
        sa.column("lat", sa.Float()),
        sa.column("lon", sa.Float()),
        sa.column("district_code", sa.String()),
    )
    connection = op.get_bind()
    since = datetime.now(UTC) - timedelta(days=_BACKFILL_DAYS)
    rows = connection.execute(
        sa.select(cards.c.id, cards.c.document).where(cards.c.created_at >= since)
    ).all()
    for card_id, document in rows:
        location = (document or {}).get("location") or {}
        district = location.get("district") or {}
        values = {
            "lat": location.get("lat"),
            "lon": location.get("lon"),
            "district_code": district.get("code"),
        }
        if any(value is not None for value in values.values()):
            connection.execute(sa.update(cards).where(cards.c.id == card_id).values(**values))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("cards") as batch:
        batch.drop_index("ix_cards_district_code_created_at")
        batch.drop_index("ix_cards_incident_id")
        batch.drop_column("district_code")
        batch.drop_column("lon")
        batch.drop_column("lat")
        batch.drop_column("incident_id")
