"""The OpenAPI description matches what the server answers: every reference resolves, and a
refusal's body is what the description says it is."""

from __future__ import annotations

import uuid
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


async def test_the_frameworks_own_refusals_have_the_same_body_and_a_true_allow(api: Api) -> None:
    schema = {**api.app.openapi()["components"]["schemas"]["HTTPValidationError"]}
    card = f"/api/v1/cards/{uuid.uuid4()}"
    listing = await api.request("OPTIONS", "/api/v1/cards", user="operator1")
    assert listing.status_code == 405
    # Every method the path takes, from all its routes (Starlette named only the first's).
    assert set(listing.headers["allow"].split(", ")) >= {"GET", "POST"}
    one = await api.request("DELETE", card, user="operator1")
    assert set(one.headers["allow"].split(", ")) >= {"GET", "PATCH"}
    as_xml = await api.request("PATCH", f"{card}.xml", user="operator1", json={})
    assert as_xml.status_code == 405  # not a 422 about "ID.xml" being no UUID
    assert "PATCH" not in as_xml.headers["allow"]
    assert "GET" in as_xml.headers["allow"]
    unknown = await api.get("/api/v1/nowhere", user="operator1")
    assert unknown.status_code == 404
    not_json = await api.client.put(
        "/api/v1/operators/me/skills",
        content=b"{not json",
        headers={**(await api.headers("operator1")), "Content-Type": "application/json"},
    )
    assert not_json.status_code in (400, 422)
    for response in (listing, one, as_xml, unknown, not_json):
        jsonschema.validate(response.json(), schema)
    assert unknown.json()["code"] == "not_found"
    assert listing.json()["code"] == "method_not_allowed"
