"""Analytics' per-call places rollup (issue 27): ``analytics_places``, one row per call (and per
card without a call) with where and what it was, indexed by (district, start) and (region,
start); ``analytics_place_marks``, what changed since, written by triggers on ``calls`` and
``cards`` in the same transaction as the change (so every writer, COPY included, is seen).

The rows start empty and every existing call and card is marked: the first report (or
``python -m dispatch analytics rebuild``) computes them. On SQLite a later migration that
rebuilds ``calls`` or ``cards`` in batch mode drops these triggers with the old table: it must
create them again (``tests/analytics/test_places.py`` checks they are there at the head).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

MarkId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# What a call's row holds: a change to any of these marks the call.
CALL_COLUMNS = ("created_at", "queue", "channel", "language", "operator", "lat", "lon")
# What a card's row holds, beside its location's region and district codes.
CARD_COLUMNS = ("call_id", "created_at", "incident_type")
PLACE_PATHS = ("region", "district")
INDEXES = {
    "district_start": ["district_code", "started_at"],
    "region_start": ["region_code", "started_at"],
    "start": ["started_at"],
    "unplaced": ["located", "district_code", "started_at"],
    "card_district": ["card_district", "card_at"],
    "card_region": ["card_region", "card_at"],
    "card_at": ["card_at"],
}


def upgrade() -> None:
    """Create the tables, mark every call and card, and install the triggers."""
    op.create_table(
        "analytics_places",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("region_code", sa.String(64), nullable=True),
        sa.Column("district_code", sa.String(64), nullable=True),
        sa.Column("located", sa.Boolean(), nullable=False),
        sa.Column("queue", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(8), nullable=True),
        sa.Column("language", sa.String(3), nullable=True),
        sa.Column("operator", sa.String(64), nullable=True),
        sa.Column("card_id", sa.Uuid(), nullable=True),
        sa.Column("card_at", UTCDateTime(), nullable=True),
        sa.Column("card_region", sa.String(64), nullable=True),
        sa.Column("card_district", sa.String(64), nullable=True),
        sa.Column("incident_type", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    for name, columns in INDEXES.items():
        op.create_index(f"ix_analytics_places_{name}", "analytics_places", columns)
    op.create_table(
        "analytics_place_marks",
        sa.Column("id", MarkId, autoincrement=True, nullable=False),
        sa.Column("subject", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(4), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO analytics_place_marks (subject, kind) SELECT id, 'call' FROM calls")
    op.execute("INSERT INTO analytics_place_marks (subject, kind) SELECT id, 'card' FROM cards")
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _postgresql_triggers() -> None:
    changed_call = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in CALL_COLUMNS)
    changed_card = " OR ".join(
        [f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in CARD_COLUMNS]
        + [
            f"(OLD.document #>> '{{location,{p},code}}') IS DISTINCT FROM "
            f"(NEW.document #>> '{{location,{p},code}}')"
            for p in PLACE_PATHS
        ]
    )
    op.execute(
        """
        CREATE FUNCTION analytics_mark_call() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                INSERT INTO analytics_place_marks (subject, kind) VALUES (OLD.id, 'call');
                RETURN OLD;
            END IF;
            INSERT INTO analytics_place_marks (subject, kind) VALUES (NEW.id, 'call');
            RETURN NEW;
        END $$
        """
    )
    # A card moved off a call (or deleted) leaves its old call to recompute too.
    op.execute(
        """
        CREATE FUNCTION analytics_mark_card() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.call_id IS NOT NULL THEN
                INSERT INTO analytics_place_marks (subject, kind) VALUES (OLD.call_id, 'call');
            END IF;
            IF TG_OP = 'DELETE' THEN
                INSERT INTO analytics_place_marks (subject, kind) VALUES (OLD.id, 'card');
                RETURN OLD;
            END IF;
            INSERT INTO analytics_place_marks (subject, kind) VALUES (NEW.id, 'card');
            RETURN NEW;
        END $$
        """
    )
    for table, function, changed in (
        ("calls", "analytics_mark_call", changed_call),
        ("cards", "analytics_mark_card", changed_card),
    ):
        op.execute(
            f"CREATE TRIGGER {table}_mark_places AFTER INSERT OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_mark_places_change AFTER UPDATE ON {table} "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {function}()"
        )


def _sqlite_triggers() -> None:
    changed_call = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in CALL_COLUMNS)
    changed_card = " OR ".join(
        [f"OLD.{c} IS NOT NEW.{c}" for c in CARD_COLUMNS]
        + [
            f"json_extract(OLD.document, '$.location.{p}.code') IS NOT "
            f"json_extract(NEW.document, '$.location.{p}.code')"
            for p in PLACE_PATHS
        ]
    )
    mark = "INSERT INTO analytics_place_marks (subject, kind) VALUES"
    for statement in (
        f"CREATE TRIGGER calls_mark_places AFTER INSERT ON calls "
        f"BEGIN {mark} (NEW.id, 'call'); END",
        f"CREATE TRIGGER calls_mark_places_gone AFTER DELETE ON calls "
        f"BEGIN {mark} (OLD.id, 'call'); END",
        f"CREATE TRIGGER calls_mark_places_change AFTER UPDATE ON calls WHEN {changed_call} "
        f"BEGIN {mark} (NEW.id, 'call'); END",
        f"CREATE TRIGGER cards_mark_places AFTER INSERT ON cards "
        f"BEGIN {mark} (NEW.id, 'card'); END",
        f"CREATE TRIGGER cards_mark_places_gone AFTER DELETE ON cards "
        f"BEGIN {mark} (OLD.id, 'card'); "
        f"INSERT INTO analytics_place_marks (subject, kind) "
        f"SELECT OLD.call_id, 'call' WHERE OLD.call_id IS NOT NULL; END",
        f"CREATE TRIGGER cards_mark_places_change AFTER UPDATE ON cards WHEN {changed_card} "
        f"BEGIN {mark} (NEW.id, 'card'); "
        f"INSERT INTO analytics_place_marks (subject, kind) "
        f"SELECT OLD.call_id, 'call' WHERE OLD.call_id IS NOT NULL; END",
    ):
        op.execute(statement)


def downgrade() -> None:
    """Drop the triggers and the tables."""
    if op.get_bind().dialect.name == "postgresql":
        for table in ("calls", "cards"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_mark_places ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_mark_places_change ON {table}")
        op.execute("DROP FUNCTION analytics_mark_call()")
        op.execute("DROP FUNCTION analytics_mark_card()")
    else:
        # A later migration's batch mode may have rebuilt the table (and so dropped them).
        for table in ("calls", "cards"):
            for suffix in ("", "_gone", "_change"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_mark_places{suffix}")
    op.drop_table("analytics_place_marks")
    for name in INDEXES:
        op.drop_index(f"ix_analytics_places_{name}", "analytics_places")
    op.drop_table("analytics_places")
