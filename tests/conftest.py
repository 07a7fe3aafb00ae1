"""Shared fixtures: real SQLite and PostgreSQL databases, real Redis, the real app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.database import create_engine
from dispatch.core.settings import Settings
from dispatch.core.workers import finish
from tests.fixtures.api import Api, running_api
from tests.fixtures.databases import TEST_SCRYPT_N, PostgresTemplate, SqliteTemplate
from tests.fixtures.eido import EIDO_DIR, EidoValidator
from tests.fixtures.servers import postgres_server, redis_server

pytest_plugins = ["tests.fixtures.hygiene", "tests.fixtures.routes_once"]

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: real outside data (boundaries, AML, EIDO, call records)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared data folder is missing: {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def eido_validator() -> EidoValidator:
    """One EIDO schema validator for the session (the schema files are read once)."""
    return EidoValidator(EIDO_DIR)


@pytest.fixture(scope="session", autouse=True)
def _no_audit_checkpoint_files() -> Iterator[None]:
    """Servers of the tests write no audit checkpoint files (never into the checkout's var/);
    the tests of the checkpoints name a folder of their own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DISPATCH_AUDIT_CHECKPOINT_DIR", "")
        yield


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for the whole session."""
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real Redis server for the whole session."""
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    """The migrated, seeded SQLite template."""
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgres_template(postgres_url: str) -> PostgresTemplate:
    """The migrated, seeded PostgreSQL template database."""
    return PostgresTemplate(postgres_url)


@pytest_asyncio.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A fresh, migrated and seeded database for one test, on each backend in turn."""
    if request.param == "sqlite":
        template: SqliteTemplate = request.getfixturevalue("sqlite_template")
        yield template.clone()
        return
    pg: PostgresTemplate = request.getfixturevalue("postgres_template")
    name, url = await pg.clone()
    try:
        yield url
    finally:
        await pg.drop(name)


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Dev-mode settings on the test's database."""
    return Settings(database_url=database_url, password_scrypt_n=TEST_SCRYPT_N, log_level="WARNING")


@pytest_asyncio.fixture
async def api(settings: Settings) -> AsyncIterator[Api]:
    """The real app on the test's database, with a client."""
    async with running_api(settings) as client:
        yield client


@pytest_asyncio.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A separate engine on the test's database, for checking what was stored."""
    eng = create_engine(database_url)
    try:
        yield eng
    finally:
        await finish(eng.dispose(), name="test engine dispose", within=30)
