"""Service units as data: the sample table, the admin API, and the unit a card goes to."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.agencies import units_service as units
from dispatch.core.actor import SYSTEM
from dispatch.core.bus import InProcessBus
from dispatch.core.database import session_factory, unit_of_work
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint

pytestmark = pytest.mark.asyncio

SERVICES = ["101", "102", "103", "104", "1146"]
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
SAMARQAND_DISTRICTS = 16


async def _choose(
    engine: AsyncEngine, service: str, district: str | None, region: str | None = None
) -> str | None:
    async with session_factory(engine)() as session:
        unit = await units.choose_unit(session, service, district, region)
        return unit.code if unit else None


async def test_a_sample_unit_per_service_per_region_covers_the_region(api: Api) -> None:
    listed = (await api.get("/api/v1/units", user="operator1")).json()
    assert len(listed) == 14 * 5
    assert all(u["sample"] and u["active"] for u in listed)
    ambulance = next(u for u in listed if u["code"] == "UZ-SA-103")
    assert ambulance["name"] == "103 — Samarkand region ambulance"
    assert ambulance["service_code"] == "103"
    assert len(ambulance["districts"]) == SAMARQAND_DISTRICTS
    assert all(d.startswith("UZ-SA-") for d in ambulance["districts"])
    names = {u["code"]: u["name"] for u in listed}
    assert names["UZ-TK-101"] == "101 — Tashkent city fire and rescue"
    assert names["UZ-QR-1146"] == "1146 — Republic of Karakalpakstan crisis line"


async def test_list_filters_by_service_and_district(api: Api) -> None:
    response = await api.get("/api/v1/units?service=103&district=UZ-SA-urgut", user="qa1")
    assert [u["code"] for u in response.json()] == ["UZ-SA-103"]
    by_district = await api.get("/api/v1/units?district=UZ-TK-chilonzor", user="qa1")
    assert [u["code"] for u in by_district.json()] == [f"UZ-TK-{s}" for s in SERVICES]
    one = await api.get("/api/v1/units/UZ-NG-104", user="analyst1")
    assert one.json()["name"] == "104 — Namangan region gas emergency"


@pytest.mark.parametrize("service", SERVICES)
async def test_routing_picks_the_regions_unit_for_each_service(
    api: Api, engine: AsyncEngine, service: str
) -> None:
    assert await _choose(engine, service, "UZ-SA-urgut", "UZ-SA") == f"UZ-SA-{service}"
    assert await _choose(engine, service, "UZ-TK-chilonzor", None) == f"UZ-TK-{service}"
    assert await _choose(engine, service, None, "UZ-QR") == f"UZ-QR-{service}"
    assert await _choose(engine, service, None, None) is None


async def test_a_real_unit_wins_over_the_sample_and_retiring_it_hands_back(
    api: Api, engine: AsyncEngine
) -> None:
    created = await api.post(
        "/api/v1/units",
        user="admin",
        json={
            "code": "UZ-SA-103-urgut",
            "service_code": "103",
            "name": "Urgut district ambulance station",
            "districts": ["UZ-SA-urgut"],
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["sample"] is False
    assert created.json()["districts"] == ["UZ-SA-urgut"]
    assert await _choose(engine, "103", "UZ-SA-urgut", "UZ-SA") == "UZ-SA-103-urgut"
    assert await _choose(engine, "103", "UZ-SA-samarkand-city", "UZ-SA") == "UZ-SA-103"
    assert await _choose(engine, "102", "UZ-SA-urgut", "UZ-SA") == "UZ-SA-102"

    retired = await api.patch("/api/v1/units/UZ-SA-103-urgut", user="admin", json={"active": False})
    assert retired.json()["active"] is False
    assert await _choose(engine, "103", "UZ-SA-urgut", "UZ-SA") == "UZ-SA-103"


async def test_a_district_nobody_covers_falls_back_to_the_region(
    api: Api, engine: AsyncEngine
) -> None:
    narrowed = await api.request(
        "PUT", "/api/v1/units/UZ-SA-104/coverage", user="admin", json={"districts": ["UZ-SA-urgut"]}
    )
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["districts"] == ["UZ-SA-urgut"]
    # Nobody covers Samarqand city for 104 now: the region's unit is the next best.
    assert await _choose(engine, "104", "UZ-SA-samarkand-city", "UZ-SA") == "UZ-SA-104"
    assert await _choose(engine, "104", "UZ-SA-samarkand-city", None) == "UZ-SA-104"
    # A region where the service has no active unit at all: nobody.
    await api.patch("/api/v1/units/UZ-NG-104", user="admin", json={"active": False})
    assert await _choose(engine, "104", "UZ-NG-namangan-city", "UZ-NG") is None
    assert await _choose(engine, "104", "UZ-XX-nowhere", None) is None


async def test_ties_go_to_the_lowest_code_among_real_units(api: Api, engine: AsyncEngine) -> None:
    for code in ["UZ-SA-101-b", "UZ-SA-101-a"]:
        response = await api.post(
            "/api/v1/units",
            user="admin",
            json={"code": code, "service_code": "101", "name": code, "districts": ["UZ-SA-urgut"]},
        )
        assert response.status_code == 201
    assert await _choose(engine, "101", "UZ-SA-urgut", "UZ-SA") == "UZ-SA-101-a"


async def test_admin_renames_confirms_and_changes_coverage_with_audit(api: Api) -> None:
    changed = await api.patch(
        "/api/v1/units/UZ-BU-102",
        user="admin",
        json={"name": "Buxoro viloyati IIB navbatchilik qismi", "sample": False},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Buxoro viloyati IIB navbatchilik qismi"
    assert changed.json()["sample"] is False
    covered = await api.request(
        "PUT",
        "/api/v1/units/UZ-BU-102/coverage",
        user="admin",
        json={"districts": ["UZ-BU-bukhara-city", "UZ-BU-kagan", "UZ-BU-bukhara-city"]},
    )
    assert covered.json()["districts"] == ["UZ-BU-bukhara-city", "UZ-BU-kagan"]
    audit = await api.get("/api/v1/audit?target_type=unit&target_id=UZ-BU-102", user="admin")
    actions = [e["action"] for e in audit.json()["items"]]
    assert actions[:2] == ["unit.coverage", "unit.update"]
    assert len(audit.json()["items"][0]["detail"]["removed"]) == 11
    unchanged = await api.request(
        "PUT",
        "/api/v1/units/UZ-BU-102/coverage",
        user="admin",
        json={"districts": ["UZ-BU-kagan", "UZ-BU-bukhara-city"]},
    )
    assert unchanged.status_code == 200
    again = await api.get("/api/v1/audit?target_type=unit&target_id=UZ-BU-102", user="admin")
    assert again.json()["total"] == audit.json()["total"]


async def test_bad_unit_input_changes_nothing(api: Api, engine: AsyncEngine) -> None:
    retire = await api.patch("/api/v1/services/104", user="admin", json={"active": False})
    assert retire.status_code == 200
    before = await fingerprint(engine)
    good = {"code": "UZ-SA-103-x", "service_code": "103", "name": "X", "districts": []}
    cases = [
        ("POST", "/api/v1/units", {**good, "code": "UZ-SA-103"}, 409),
        ("POST", "/api/v1/units", {**good, "service_code": "999"}, 422),
        ("POST", "/api/v1/units", {**good, "service_code": "104"}, 422),
        ("POST", "/api/v1/units", {**good, "districts": ["UZ-SA-urgut", "UZ-SA-atlantis"]}, 422),
        ("POST", "/api/v1/units", {**good, "code": "bad code"}, 422),
        ("POST", "/api/v1/units", {**good, "code": ""}, 422),
        ("POST", "/api/v1/units", {**good, "name": ""}, 422),
        ("POST", "/api/v1/units", {**good, "colour": "red"}, 422),
        ("POST", "/api/v1/units", {**good, "districts": "UZ-SA-urgut"}, 422),
        ("POST", "/api/v1/units", {**good, "districts": ["x" * 33]}, 422),
        ("PATCH", "/api/v1/units/UZ-SA-999", {"active": False}, 404),
        ("PATCH", "/api/v1/units/UZ-SA-103", {"active": "maybe"}, 422),
        ("PATCH", "/api/v1/units/UZ-SA-103", {"service_code": "102"}, 422),
        ("PUT", "/api/v1/units/UZ-SA-103/coverage", {"districts": ["UZ-SA-atlantis"]}, 422),
        ("PUT", "/api/v1/units/UZ-SA-103/coverage", {}, 422),
        ("PUT", "/api/v1/units/UZ-SA-999/coverage", {"districts": ["UZ-SA-urgut"]}, 404),
    ]
    for method, url, body, status in cases:
        response = await api.request(method, url, user="admin", json=body)
        assert response.status_code == status, (method, url, body, response.text)
        assert response.json()["detail"]
    unknown = await api.post(
        "/api/v1/units", user="admin", json={**good, "districts": ["UZ-SA-atlantis"]}
    )
    assert "UZ-SA-atlantis" in unknown.json()["detail"]
    assert await fingerprint(engine) == before


async def test_only_admins_change_units(api: Api, engine: AsyncEngine) -> None:
    before = await fingerprint(engine)
    for user in ["operator1", "supervisor1", "analyst1"]:
        response = await api.request(
            "PUT", "/api/v1/units/UZ-SA-103/coverage", user=user, json={"districts": []}
        )
        assert response.status_code == 403
        assert "admin" in response.json()["detail"]
    assert await fingerprint(engine) == before


async def test_seeding_again_adds_no_units(engine: AsyncEngine) -> None:
    async with unit_of_work(session_factory(engine), InProcessBus()) as session:
        assert await units.seed_sample_units(session, SYSTEM, now=NOW) == 0
