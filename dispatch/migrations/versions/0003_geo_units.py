"""Regions, districts, boundary loads, service units and their coverage.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.core.database import JSONDocument, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("names", JSONDocument, nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("simplified", sa.Text(), nullable=False),
        sa.Column("bbox", JSONDocument, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regions")),
    )
    op.create_table(
        "districts",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("region_code", sa.String(16), nullable=False),
        sa.Column("names", JSONDocument, nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("simplified", sa.Text(), nullable=False),
        sa.Column("bbox", JSONDocument, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_districts_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_districts")),
    )
    op.create_index(op.f("ix_districts_region_code"), "districts", ["region_code"])
    op.create_table(
        "geo_loads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("loaded_at", UTCDateTime(), nullable=False),
        sa.Column("loaded_by", sa.String(64), nullable=False),
        sa.Column("source_dir", sa.String(500), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("regions", sa.Integer(), nullable=False),
        sa.Column("districts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_geo_loads")),
    )
    op.create_table(
        "units",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("service_code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_code"], ["services.code"], name=op.f("fk_units_service_code_services")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_units")),
    )
    op.create_index(op.f("ix_units_service_code"), "units", ["service_code"])
    op.create_table(
        "unit_coverage",
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("district_code", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["units.code"], name=op.f("fk_unit_coverage_unit_code_units")
        ),
        sa.ForeignKeyConstraint(
            ["district_code"],
            ["districts.code"],
            name=op.f("fk_unit_coverage_district_code_districts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("unit_code", "district_code", name=op.f("pk_unit_coverage")),
    )
    op.create_index(op.f("ix_unit_coverage_district_code"), "unit_coverage", ["district_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_unit_coverage_district_code"), table_name="unit_coverage")
    op.drop_table("unit_coverage")
    op.drop_index(op.f("ix_units_service_code"), table_name="units")
    op.drop_table("units")
    op.drop_table("geo_loads")
    op.drop_index(op.f("ix_districts_region_code"), table_name="districts")
    op.drop_table("districts")
    op.drop_table("regions")
