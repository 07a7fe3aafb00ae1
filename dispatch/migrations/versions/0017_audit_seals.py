"""The audit log becomes tamper-evident: ``audit_seals`` holds the hash chain over its rows
(``dispatch/audit/chain.py``), append-only like the log itself, starting with seal 0 whose
random hash names this database's chain (and its checkpoint file). On SQLite the log also
refuses an insert over an existing id (``INSERT OR REPLACE`` would replace a row without
firing the DELETE trigger). Rows already in the log are sealed by the first seal.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the seal table with seal 0, make it append-only, guard the log's ids."""
    seals = op.create_table(
        "audit_seals",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("ids", sa.Text(), nullable=False),
        sa.Column("digests", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("sealed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_seals")),
    )
    op.bulk_insert(
        seals,
        [
            {
                "seq": 0,
                "last_id": 0,
                "row_count": 0,
                "ids": "",
                "digests": "",
                "hash": secrets.token_hex(32),
                "sealed_at": datetime.now(UTC),
            }
        ],
    )
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_seals_no_{verb.lower()} BEFORE {verb} ON audit_seals "
                "BEGIN SELECT RAISE(ABORT, 'audit_seals is append-only'); END"
            )
        op.execute(
            "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
            "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )
        return
    op.execute(
        "CREATE FUNCTION audit_seals_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_seals is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_seals_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON audit_seals FOR EACH STATEMENT EXECUTE FUNCTION audit_seals_append_only()"
    )


def downgrade() -> None:
    """Drop the seals and their guards (the log keeps its own UPDATE/DELETE triggers)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_log_no_replace")
    else:
        op.execute("DROP TRIGGER audit_seals_append_only ON audit_seals")
        op.execute("DROP FUNCTION audit_seals_append_only()")
    op.drop_table("audit_seals")
