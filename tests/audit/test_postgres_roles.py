"""PostgreSQL with the README's two roles: migrations as the owner
(``DISPATCH_MIGRATE_DATABASE_URL``), the server as a role that may only insert into and read
the audit tables. The statements are taken from the README, so what it says is what is tested."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from dispatch.core.database import create_engine
from dispatch.core.workers import finish
from tests.fixtures.audit import add_entries, check, seal_all
from tests.fixtures.databases import ADMIN_TIMEOUT_S, PostgresTemplate
from tests.fixtures.processes import ROOT, dispatch_env, run_cli

_counter = itertools.count()


def _readme_statements() -> list[str]:
    """The three SQL blocks of README's "a serving role that can only add to the audit"."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### PostgreSQL: a serving role that can only add to the audit")[1]
    section = section.split("\n## ")[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 3, "the README's role section has three SQL blocks"
    return blocks


async def _run_as(server_url: str, user: str, database: str, sql: str) -> None:
    url = make_url(server_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=user, database=database, timeout=ADMIN_TIMEOUT_S
    )
    try:
        await connection.execute(sql, timeout=ADMIN_TIMEOUT_S)
    finally:
        await connection.close()


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_the_serving_role_can_only_add_to_the_audit(
    postgres_template: PostgresTemplate, tmp_path: Path
) -> None:
    n = next(_counter)
    owner, app, database = f"dispatch_owner_{n}", f"dispatch_app_{n}", f"dispatch_roles_{n}"
    create, before, after = (
        block.replace("dispatch_owner", owner)
        .replace("dispatch_app", app)
        .replace("DATABASE dispatch ", f'DATABASE "{database}" ')
        for block in _readme_statements()
    )
    server = postgres_template.server_url
    for statement in filter(str.strip, create.split(";")):
        await postgres_template._admin(statement)  # CREATE DATABASE runs alone
    base = make_url(server).set(database=database)
    owner_url = base.set(username=owner).render_as_string(hide_password=False)
    app_url = base.set(username=app).render_as_string(hide_password=False)
    engine = create_engine(app_url)
    try:
        await _run_as(server, owner, database, before)
        as_app = dispatch_env(DISPATCH_DATABASE_URL=app_url)
        refused = run_cli(["migrate"], as_app)
        assert refused.returncode != 0  # the serving role cannot make tables
        migrated = run_cli(["migrate"], {**as_app, "DISPATCH_MIGRATE_DATABASE_URL": owner_url})
        assert migrated.returncode == 0, migrated.stderr
        await _run_as(server, owner, database, after)

        await add_entries(engine, 5)
        assert await seal_all(engine, folder=tmp_path)
        for statement in (
            "UPDATE audit_log SET actor = 'x'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
            "ALTER TABLE audit_log DISABLE TRIGGER USER",
            "DROP TRIGGER audit_log_append_only ON audit_log",
            "UPDATE audit_seals SET hash = 'x'",
            "ALTER TABLE audit_seals DISABLE TRIGGER USER",
        ):
            async with engine.connect() as connection:
                with pytest.raises(DBAPIError, match=r"permission denied|must be owner"):
                    await connection.execute(text(statement))
                await connection.rollback()
        report = await check(engine, tmp_path)
        assert report.intact, report.summary()
        assert report.vouched == report.seals >= 1
    finally:
        await finish(engine.dispose(), name="app engine dispose", within=30)
        await postgres_template.drop(database)
        for role in (app, owner):
            await postgres_template._admin(f'DROP ROLE IF EXISTS "{role}"')
