"""The Alembic migrations build exactly the tables, indexes and constraints the models declare,
on SQLite and PostgreSQL: a model change without its migration (or the reverse) fails here."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import dispatch.models
from dispatch.core.database import Base

pytestmark = pytest.mark.asyncio


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    assert dispatch.models.__all__  # every table is imported into the metadata
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []
