"""Analytics (issue 27): the places rollup counted per UTC day, ``analytics_place_days``.

One row per kind (``call``: calls by their start and the place they were placed in; ``card``:
cards by their creation and the place on them), UTC day, region, district, incident type and,
for calls, how they were placed (``card``, ``point``, ``outside``, ``none``), with the count per
UTC hour (``h00``..``h23``) and in all; and per region what a card's district placed (``creg``:
calls, ``kreg``: cards). Filled here from ``analytics_places`` as it stands; the drains keep it
(``analytics.days.recompute``), ``python -m dispatch analytics rebuild`` recounts it.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

MarkId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
HOURS = [f"h{hour:02d}" for hour in range(24)]
KEYS = ["kind", "day", "region_code", "district_code", "incident_type", "placed", "total"]
INDEXES = {
    "day": ["kind", "day"],
    "region": ["kind", "region_code", "day"],
    "district": ["kind", "district_code", "day"],
}


def upgrade() -> None:
    """Create the table and count the places rollup's rows into it."""
    op.create_table(
        "analytics_place_days",
        sa.Column("id", MarkId, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(4), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("region_code", sa.String(64), nullable=True),
        sa.Column("district_code", sa.String(64), nullable=True),
        sa.Column("incident_type", sa.String(64), nullable=True),
        sa.Column("placed", sa.String(8), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in HOURS],
        sa.PrimaryKeyConstraint("id"),
    )
    for name, columns in INDEXES.items():
        op.create_index(f"ix_analytics_place_days_{name}", "analytics_place_days", columns)
    if op.get_bind().dialect.name == "postgresql":
        day = "(({at}) AT TIME ZONE 'UTC')::date"
        hour = "extract(hour FROM ({at}) AT TIME ZONE 'UTC')"
    else:
        day, hour = "date({at})", "CAST(strftime('%H', {at}) AS INTEGER)"
    placed = (
        "CASE WHEN district_code IS NULL AND located THEN 'outside' "
        "WHEN district_code IS NULL THEN 'none' "
        "WHEN card_district IS NOT NULL THEN 'card' ELSE 'point' END"
    )
    for kind, at, region, district, how in (
        ("call", "started_at", "region_code", "district_code", placed),
        ("card", "card_at", "card_region", "card_district", "NULL"),
    ):
        sums = ", ".join(
            f"sum(CASE WHEN {hour.format(at=at)} = {n} THEN 1 ELSE 0 END)" for n in range(24)
        )
        keys = f"{day.format(at=at)}, {region}, {district}, incident_type"
        grouped = keys if how == "NULL" else f"{keys}, {how}"
        fields = ", ".join([*KEYS, *HOURS])
        op.execute(
            f"INSERT INTO analytics_place_days ({fields}) "  # noqa: S608 - no outside input
            f"SELECT '{kind}', {keys}, {how}, count(*), {sums} FROM analytics_places "
            f"WHERE {at} IS NOT NULL GROUP BY {grouped}"
        )
    sums = ", ".join(f"sum({name})" for name in HOURS)
    for kind, of, by_card in (
        ("creg", "call", "placed = 'card'"),
        ("kreg", "card", "district_code IS NOT NULL"),
    ):
        op.execute(
            f"INSERT INTO analytics_place_days ({', '.join([*KEYS, *HOURS])}) "  # noqa: S608
            f"SELECT '{kind}', day, region_code, NULL, incident_type, NULL, sum(total), {sums} "
            f"FROM analytics_place_days WHERE kind = '{of}' AND {by_card} "
            f"GROUP BY day, region_code, incident_type"
        )


def downgrade() -> None:
    """Drop the table."""
    for name in INDEXES:
        op.drop_index(f"ix_analytics_place_days_{name}", "analytics_place_days")
    op.drop_table("analytics_place_days")
