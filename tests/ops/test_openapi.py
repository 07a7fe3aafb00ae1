"""The OpenAPI description matches what the server answers: every reference resolves, and a
refusal's body is what the description says it is."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from dispatch.app import create_app
from tests.fixtures.api import Api

pytestmark = pytest.mark.asyncio


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


async def test_every_reference_in_the_description_resolves() -> None:
    description = create_app().openapi()
    schemas = description["components"]["schemas"]
    refs = _refs(description)
    assert "#/components/schemas/CardCreate" in refs  # the card body read by hand
    missing = {ref for ref in refs if ref.removeprefix("#/components/schemas/") not in schemas}
    assert missing == set()


async def test_refusals_have_the_documented_body(api: Api) -> None:
    description = api.app.openapi()
    documented = description["paths"]["/api/v1/cards"]["get"]["responses"]["422"]
    ref = documented["content"]["application/json"]["schema"]["$ref"]
    schema = {**description["components"]["schemas"][ref.split("/")[-1]]}
    refused = [
        await api.get("/api/v1/cards?limit=0", user="operator1"),  # request validation
        await api.post("/api/v1/cards", user="operator1", json={"incident": {"priority": 9}}),
        await api.get("/api/v1/cards?operator=%00", user="operator1"),  # the edge's refusal
    ]
    for response in refused:
        assert response.status_code == 422, response.text
        jsonschema.validate(response.json(), schema)
    assert refused[0].json()["errors"][0]["field"] == "query.limit"


async def test_the_card_body_documented_is_the_one_accepted(api: Api) -> None:
    description = api.app.openapi()
    schemas = description["components"]["schemas"]
    body = {"channel": "voice", "incident": {"description": "smoke from a window"}}
    resolver_schema = {**schemas["CardCreate"], "components": {"schemas": schemas}}
    jsonschema.validate(body, resolver_schema)
    created = await api.post("/api/v1/cards", user="operator1", json=body)
    assert created.status_code == 201, created.text
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"surprise": 1}, resolver_schema)
    refused = await api.post("/api/v1/cards", user="operator1", json={"surprise": 1})
    assert refused.status_code == 422
