"""Helpers for survey tests: a closed card of a call, the commands queued, the app's settings."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.calls.gateway.models import GatewayCommand
from dispatch.cards.consistency import ALL_WARNINGS
from dispatch.core.settings import Settings
from tests.fixtures.api import Api
from tests.fixtures.databases import TEST_SCRYPT_N

GATEWAY = {"X-Api-Key": "gateway1-dev-key"}
MOBILE = "+998901112233"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Dev settings; surveys go out at the close (no delay) unless a test says otherwise."""
    return Settings(
        database_url=database_url,
        password_scrypt_n=TEST_SCRYPT_N,
        log_level="WARNING",
        survey_delay_minutes=0,
    )


async def post_sms(api: Api, number: str, text: str, expect: int, **fields: Any) -> dict[str, Any]:
    """An SMS from ``number`` as the gateway posts it."""
    body = {"channel": "sms", "caller_number": number, "language": "uz", "text": text, **fields}
    response = await api.post("/api/v1/calls", json=body, headers=GATEWAY)
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def closed_card(
    api: Api,
    *,
    number: str | None = MOBILE,
    channel: str = "voice",
    language: str = "uz",
    text: str | None = None,
    outcome: str = "advice_given",
    incident_type: str = "medical.illness",
    **card: Any,
) -> dict[str, Any]:
    """A call from ``number``, its card with ``card``'s fields, closed with ``outcome``."""
    body: dict[str, Any] = {"channel": channel, "language": language}
    if number is not None:
        body["caller_number"] = number
    if text is not None:
        body["text"] = text
    call = await api.post("/api/v1/calls", json=body, headers=GATEWAY)
    assert call.status_code == 201, call.text
    made = await api.post(
        "/api/v1/cards",
        user="operator1",
        json={"call_id": call.json()["id"], "incident": {"type": incident_type}, **card},
    )
    assert made.status_code == 201, made.text
    closed = await api.post(
        f"/api/v1/cards/{made.json()['id']}/close",
        user="operator1",
        json={"outcome": outcome, "acknowledge": sorted(ALL_WARNINGS)},
    )
    assert closed.status_code == 200, closed.text
    result: dict[str, Any] = closed.json()
    result["call_id"] = call.json()["id"]
    return result


async def survey_commands(engine: AsyncEngine) -> list[GatewayCommand]:
    """Every send_text command the surveys queued, oldest first."""
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(GatewayCommand)
                .where(GatewayCommand.command == "send_text")
                .order_by(GatewayCommand.id)
            )
        ).all()
    return [row for row in rows if "survey_id" in (row.payload or {})]  # type: ignore[misc]
