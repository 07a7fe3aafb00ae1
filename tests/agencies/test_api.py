"""Emergency services as data: list, add, change, retire — through the API."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint

pytestmark = pytest.mark.asyncio

NAMES = {"uz": "Favqulodda vaziyatlar", "ru": "Служба ЧС", "en": "Emergency situations"}


async def test_the_five_starting_services_are_seeded(api: Api) -> None:
    response = await api.get("/api/v1/services", user="operator1")
    assert response.status_code == 200
    assert [s["code"] for s in response.json()] == ["101", "102", "103", "104", "1146"]
    ambulance = await api.get("/api/v1/services/103", user="operator1")
    assert ambulance.json()["names"]["ru"] == "Скорая медицинская помощь"


async def test_admin_adds_a_service_without_code_changes(api: Api) -> None:
    created = await api.post(
        "/api/v1/services",
        user="admin",
        json={"code": "1050", "names": NAMES, "webhook_url": "https://mchs.example.uz/cards"},
    )
    assert created.status_code == 201, created.text
    listed = await api.get("/api/v1/services", user="supervisor1")
    assert "1050" in [s["code"] for s in listed.json()]
    audit = await api.get("/api/v1/audit?action=service.create&target_id=1050", user="admin")
    entry = audit.json()["items"][0]
    assert entry["actor"] == "admin"
    assert entry["role"] == "admin"
    assert entry["ip"] == "127.0.0.1"
    assert entry["request_id"]


async def test_admin_changes_and_retires_a_service(api: Api) -> None:
    changed = await api.patch(
        "/api/v1/services/104", user="admin", json={"webhook_url": "https://gaz.example.uz/in"}
    )
    assert changed.json()["webhook_url"] == "https://gaz.example.uz/in"
    cleared = await api.patch("/api/v1/services/104", user="admin", json={"webhook_url": None})
    assert cleared.json()["webhook_url"] is None
    retired = await api.patch("/api/v1/services/104", user="admin", json={"active": False})
    assert retired.json()["active"] is False
    audit = await api.get("/api/v1/audit?action=service.update&target_id=104", user="admin")
    assert audit.json()["total"] == 3


async def test_bad_service_input_changes_nothing(api: Api, engine: AsyncEngine) -> None:
    before = await fingerprint(engine)
    cases = [
        ("POST", "/api/v1/services", {"code": "101", "names": NAMES}, 409),
        ("POST", "/api/v1/services", {"code": "", "names": NAMES}, 422),
        ("POST", "/api/v1/services", {"code": "105", "names": {"uz": "x"}}, 422),
        ("POST", "/api/v1/services", {"code": "105", "names": NAMES, "webhook_url": "nope"}, 422),
        ("POST", "/api/v1/services", {"code": "105", "names": NAMES, "colour": "red"}, 422),
        ("PATCH", "/api/v1/services/999", {"active": False}, 404),
        ("PATCH", "/api/v1/services/101", {"active": "maybe"}, 422),
    ]
    for method, url, body, status in cases:
        response = await api.request(method, url, user="admin", json=body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["detail"]
    malformed = await api.post(
        "/api/v1/services",
        user="admin",
        content=b'{"code": "105",',
        headers={"Content-Type": "application/json"},
    )
    assert malformed.status_code == 422
    assert "JSON" in malformed.json()["detail"]
    assert await fingerprint(engine) == before


async def test_only_admins_change_services(api: Api, engine: AsyncEngine) -> None:
    before = await fingerprint(engine)
    response = await api.post(
        "/api/v1/services", user="supervisor1", json={"code": "105", "names": NAMES}
    )
    assert response.status_code == 403
    assert "admin" in response.json()["detail"]
    assert await fingerprint(engine) == before
