"""The OpenAPI description says what the server answers: client generators and fuzzers read it.

FastAPI documents a 422 as its own body (``detail``: a list); this server answers every refusal
as ``{"detail": "...", "code": "...", "errors": [...]}`` (``app._validation_error``), a card
that cannot be closed or routed as it stands with ``reasons`` and ``warnings`` as well. Request
bodies an endpoint reads by hand (a card as JSON or XML) are named in ``openapi_extra``; their
schemas are added here so that every reference resolves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from dispatch.cards.schemas import CardCreate

# Bodies read by hand (the endpoints parse them themselves) that the description refers to.
HAND_READ_BODIES: tuple[type[BaseModel], ...] = (CardCreate,)

REFUSAL = {
    "title": "Refusal",
    "type": "object",
    "description": "Why the request was refused, and what to change",
    "required": ["detail", "code"],
    "properties": {
        "detail": {"type": "string", "description": "what is wrong, for a person"},
        "code": {"type": "string", "description": "a stable machine-readable tag"},
        "detail_code": {
            "type": "string",
            "description": "which sentence detail is, where a person meets it in normal work "
            "(e.g. offer_expired, card_version_conflict, card_inconsistent): a stable code a "
            "client says in its own language with detail_params; detail stays the English",
        },
        "detail_params": {
            "type": "object",
            "description": "the particulars of detail_code (e.g. expires_at, version, reasons)",
        },
        "errors": {
            "type": "array",
            "description": "each field at fault (request validation only)",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
        "reasons": {
            "type": "array",
            "description": "a card closed or routed as it stands would contradict itself "
            "(code card_inconsistent): each contradiction, e.g. incident_type_required, "
            "dispatched_without_services; fix the card or choose another outcome",
            "items": {"$ref": "#/components/schemas/Finding"},
        },
        "warnings": {
            "type": "array",
            "description": "what a person may knowingly accept on a card closed or routed "
            "(code warnings_unacknowledged when any is not in the request's acknowledge): "
            "send the request again naming each code in acknowledge",
            "items": {"$ref": "#/components/schemas/Finding"},
        },
    },
}

FINDING = {
    "title": "Finding",
    "type": "object",
    "description": "one contradiction or warning of a card (dispatch/cards/consistency.py)",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "description": "a stable tag, e.g. expected_hazard_missing"},
        "message": {"type": "string", "description": "what is wrong, for a person (English)"},
    },
}


REFUSED = {
    "description": "refused: what is wrong and what to change (401 not signed in, 403 not "
    "this role, 404 not found, 409 not in this state, 413 too large, 415 wrong content type, "
    "429 too many attempts, 503 the database unavailable for a moment: nothing stored, try "
    "again after Retry-After)",
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
    },
}


def describe_answers(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """``app.openapi`` that corrects FastAPI's description once, then keeps it."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["HTTPValidationError"] = REFUSAL
        components["Finding"] = FINDING
        components.pop("ValidationError", None)
        # Any other status an operation answers (401, 403, 404, 409, 413, 415, 429, 503) is a
        # refusal with the same body: said once per operation as its ``default`` answer.
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.setdefault("responses", {}).setdefault("default", REFUSED)
        for model in HAND_READ_BODIES:
            body = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in body.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components.setdefault(model.__name__, body)
        app.openapi_schema = schema
        return schema

    return openapi
