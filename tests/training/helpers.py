"""Training test helpers: a programme's body, PUT as a demo user."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.api import Api

TEXTS = {"uz": "Manzilni aniqlash", "ru": "Уточнение адреса", "en": "Verifying the address"}


def programme(**fields: Any) -> dict[str, Any]:
    """A programme on the address and key questions of the default scorecard."""
    body: dict[str, Any] = {
        "title": TEXTS,
        "goals": {"uz": "Manzil", "ru": "Адрес", "en": "Every address verified"},
        "modules": [
            {
                "title": "Address",
                "content": "Ask for the landmark.",
                "materials": [{"url": "https://example.org/address.pdf", "title": "Guide"}],
            }
        ],
        "functions": ["A1.02.3", "D2.01.4"],
        "scorecard": "ace",
        "items": ["address_verified", "all_key_questions"],
        "test": {
            "pass_mark": 50,
            "questions": [
                {"text": "First?", "choices": ["address", "name"], "answer": 0},
                {"text": "Repeat it?", "choices": ["no", "yes", "later"], "answer": 1},
            ],
        },
    }
    body.update(fields)
    return body


async def put(api: Api, url: str, *, user: str, json: Any) -> httpx.Response:
    """PUT as ``user``."""
    return await api.request("PUT", url, user=user, json=json)
