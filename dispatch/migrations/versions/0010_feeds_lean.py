"""Feeds: each owed card version's payload rendered once (``feed_payloads``), and each routed
service's progress with a card (``feed_service_status``) for the follow-up list, filled from the
cards stored so far.

Rows owed before this keep no payload; the transports render theirs on first use and keep it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument, UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    """Create the two tables and fill the services' progress from every routed card."""
    op.create_table(
        "feed_payloads",
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("card_version", sa.Integer(), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("eido", JSONDocument, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_feed_payloads_card_id_cards")
        ),
        sa.PrimaryKeyConstraint("card_id", "card_version", name=op.f("pk_feed_payloads")),
    )
    op.create_table(
        "feed_service_status",
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("service_code", sa.String(32), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("routed_at", UTCDateTime(), nullable=False),
        sa.Column("status_at", UTCDateTime(), nullable=False),
        sa.Column("handed_off", sa.Boolean(), nullable=False),
        sa.Column("incident_type", sa.String(64), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_feed_service_status_card_id_cards")
        ),
        sa.ForeignKeyConstraint(
            ["service_code"],
            ["services.code"],
            name=op.f("fk_feed_service_status_service_code_services"),
        ),
        sa.PrimaryKeyConstraint("card_id", "service_code", name=op.f("pk_feed_service_status")),
    )
    op.create_index(
        "ix_feed_service_status_status_routed_at", "feed_service_status", ["status", "routed_at"]
    )
    backfill(op.get_bind())


def backfill(connection: sa.Connection) -> int:
    """Write each routed service's progress from every card past ``open``; returns the rows."""
    cards = sa.table(
        "cards",
        sa.column("id", sa.Uuid()),
        sa.column("status", sa.String()),
        sa.column("document", JSONDocument),
    )
    progress = sa.table(
        "feed_service_status",
        sa.column("card_id", sa.Uuid()),
        sa.column("service_code", sa.String()),
        sa.column("number", sa.String()),
        sa.column("status", sa.String()),
        sa.column("routed_at", UTCDateTime()),
        sa.column("status_at", UTCDateTime()),
        sa.column("handed_off", sa.Boolean()),
        sa.column("incident_type", sa.String()),
        sa.column("priority", sa.Integer()),
    )
    written, after = 0, None
    while True:
        # A page of cards at a time (by id), so a long history never sits in memory at once.
        query = sa.select(cards.c.id, cards.c.document).where(cards.c.status != "open")
        if after is not None:
            query = query.where(cards.c.id > after)
        page = connection.execute(query.order_by(cards.c.id).limit(BATCH)).all()
        if not page:
            return written
        after = page[-1].id
        rows = [row for card_id, document in page for row in _progress(card_id, document)]
        if rows:
            connection.execute(sa.insert(progress), rows)
            written += len(rows)


def _progress(card_id: Any, document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One row per service of a card, as ``feeds.followup.track`` writes it (kept here as it
    was at this revision, so later changes to that code do not change the past)."""
    incident: Mapping[str, Any] = document.get("incident") or {}
    for service in document.get("services") or ():
        history = service.get("history") or ()
        yield {
            "card_id": card_id,
            "service_code": service["code"],
            "number": document["number"],
            "status": service["status"],
            "routed_at": _at(service["routed_at"]),
            "status_at": _at(history[-1]["at"] if history else service["routed_at"]),
            "handed_off": service.get("handoff") is not None,
            "incident_type": incident.get("type"),
            "priority": incident.get("priority"),
        }


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def downgrade() -> None:
    """Drop the two tables (the payloads are rendered again from the card versions)."""
    op.drop_index("ix_feed_service_status_status_routed_at", table_name="feed_service_status")
    op.drop_table("feed_service_status")
    op.drop_table("feed_payloads")
