"""The benchmarks' loss audit says, of each routed card a service never received, what the
outbox holds of it: no row (never owed) or its cursor, status and how it was acknowledged."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from benchmarks.harness.losses import _outbox_of
from tests.fixtures.databases import PostgresTemplate

pytestmark = [pytest.mark.asyncio, pytest.mark.postgres]


async def test_a_missing_delivery_is_described_by_its_outbox_rows(
    postgres_template: PostgresTemplate,
) -> None:
    name, url = await postgres_template.clone()
    acknowledged, never_owed = uuid.uuid4(), uuid.uuid4()
    connection = await asyncpg.connect("postgresql://" + url.split("://", 1)[1])
    try:
        await connection.execute("SET session_replication_role = replica")  # no card rows
        await connection.execute(
            "INSERT INTO feed_outbox (id, service_code, card_id, card_version, redelivery, reason,"
            " created_at, status, attempts, via) VALUES (41, '102', $1, 1, false, 'route', now(),"
            " 'acknowledged', 1, 'pull')",
            acknowledged,
        )
        described = await _outbox_of(
            connection, [f"{acknowledged} → 102", f"{never_owed} → 102", f"{acknowledged} → 101"]
        )
    finally:
        await connection.close()
        await postgres_template.drop(name)

    assert described == [
        f"{acknowledged} → 102: cursor 41 acknowledged via pull",
        f"{never_owed} → 102: no outbox row",
        f"{acknowledged} → 101: no outbox row",
    ]
