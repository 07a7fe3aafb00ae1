"""The audit log: append-only in the database itself, readable by admins with filters."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.seed import DEMO_ACCOUNTS
from tests.fixtures.api import Api

pytestmark = pytest.mark.asyncio


async def test_the_database_refuses_to_change_or_delete_audit_entries(engine: AsyncEngine) -> None:
    for statement in ("UPDATE audit_log SET actor = 'someone-else'", "DELETE FROM audit_log"):
        async with engine.connect() as connection:
            with pytest.raises((DBAPIError, IntegrityError), match="append-only"):
                await connection.execute(text(statement))
            await connection.rollback()
    async with engine.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM audit_log"))).scalar_one()
    assert count > 0


async def test_admin_filters_the_log(api: Api) -> None:
    everything = await api.get("/api/v1/audit?limit=1000", user="admin")
    body = everything.json()
    assert body["total"] == len(body["items"]) > 0
    ids = [item["id"] for item in body["items"]]
    assert ids == sorted(ids, reverse=True)
    page = await api.get("/api/v1/audit?limit=2&offset=1", user="admin")
    assert [i["id"] for i in page.json()["items"]] == ids[1:3]
    users = await api.get("/api/v1/audit?action=user.&actor=system", user="admin")
    assert users.json()["total"] == len(DEMO_ACCOUNTS)  # each demo account's creation
    assert {i["target_type"] for i in users.json()["items"]} == {"user"}


async def test_bad_audit_query_is_explained(api: Api) -> None:
    response = await api.get("/api/v1/audit?limit=0", user="admin")
    assert response.status_code == 422
    assert "limit" in response.json()["detail"]
    response = await api.get("/api/v1/audit?since=yesterday", user="admin")
    assert response.status_code == 422
    assert "since" in response.json()["detail"]
