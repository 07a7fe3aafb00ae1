"""Helpers for attachment tests: a caller's MMS through the gateway, what was stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.api import Api

GATEWAY = {"X-Api-Key": "gateway1-dev-key"}
NUMBER = "+998901112233"


async def mms(api: Api, *files: dict[str, Any], expect: int = 201, **fields: Any) -> dict[str, Any]:
    """An SMS (MMS) from the caller with ``files``, posted by the demo gateway."""
    body = {
        "channel": "sms",
        "caller_number": NUMBER,
        "text": "Yong‘in! Rasm yubordim",
        "attachments": list(files),
        **fields,
    }
    response = await api.post("/api/v1/calls", json=body, headers=GATEWAY)
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def stored(engine: AsyncEngine) -> list[dict[str, Any]]:
    """Every attachment row, oldest first (without the bytes)."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT id, call_id, card_id, media_type, size, sha256, filename, source, "
                "storage, content IS NULL AS no_content FROM attachments ORDER BY created_at"
            )
        )
        return [dict(row._mapping) for row in rows]


async def audited(engine: AsyncEngine, action: str) -> list[dict[str, Any]]:
    """The audit entries of ``action``, oldest first."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT actor, target_type, target_id, detail FROM audit_log "
                "WHERE action = :action ORDER BY id"
            ),
            {"action": action},
        )
        return [dict(row._mapping) for row in rows]
