"""Helpers for card tests: a call from the gateway, a card for it."""

from __future__ import annotations

from typing import Any

import pytest_asyncio

import cardschema
from tests.fixtures.api import Api

GATEWAY = {"X-Api-Key": "gateway1-dev-key"}


async def new_call(api: Api, **fields: Any) -> dict[str, Any]:
    """A call posted by the demo gateway."""
    body = {"channel": "voice", "caller_number": "+998901234567", "language": "uz", **fields}
    response = await api.post("/api/v1/calls", json=body, headers=GATEWAY)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def new_card(api: Api, user: str = "operator1", **fields: Any) -> dict[str, Any]:
    """A card opened by ``user``."""
    response = await api.post("/api/v1/cards", user=user, json=fields)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def card_xml(api: Api, card_id: str, user: str = "operator1") -> bytes:
    """The card as XML, checked against the XSD (every card the server emits must validate)."""
    response = await api.get(f"/api/v1/cards/{card_id}.xml", user=user)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    cardschema.validate(response.content)
    return response.content


@pytest_asyncio.fixture
async def call(api: Api) -> dict[str, Any]:
    """A voice call with an AML-like location in Samarqand."""
    return await new_call(
        api, location={"lat": 39.6542, "lon": 66.9597, "radius_m": 25, "source": "aml"}
    )
