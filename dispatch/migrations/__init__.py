"""Alembic migrations; :func:`upgrade` brings a database to the newest schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at this package's scripts and ``database_url``."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database forward (call outside a running event loop)."""
    command.upgrade(alembic_config(database_url), revision)


def newest() -> str:
    """The revision the code expects the database at (the migrations' head)."""
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None, "the migrations have one head"
    return head


async def current(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    async with engine.connect() as connection:
        if not await connection.run_sync(lambda sync: inspect(sync).has_table("alembic_version")):
            return None
        version: str | None = await connection.scalar(
            text("SELECT version_num FROM alembic_version")
        )
        return version


def downgrade(database_url: str, revision: str) -> None:
    """Migrate the database back to ``revision``."""
    command.downgrade(alembic_config(database_url), revision)
