"""Regions, districts and resolution over the API, and reloading boundaries, on SQLite and
PostgreSQL. Every per-test database is seeded with the real boundaries."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.agencies.units_models import UnitCoverage
from dispatch.audit.models import AuditEntry
from dispatch.core.actor import SYSTEM
from dispatch.core.bus import InProcessBus
from dispatch.core.database import session_factory, unit_of_work
from dispatch.geo import service as geo
from dispatch.geo.index import ResolutionStatus
from dispatch.geo.loader import DISTRICTS_FILE
from dispatch.geo.service import LoadReport
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint

pytestmark = pytest.mark.asyncio

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


async def _reload(engine: AsyncEngine, data_dir: Path) -> LoadReport:
    async with unit_of_work(session_factory(engine), InProcessBus()) as session:
        return await geo.load_boundaries(session, SYSTEM, data_dir, now=NOW)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # reads: backend-neutral
async def test_regions_are_geojson_with_names(api: Api) -> None:
    response = await api.get("/api/v1/geo/regions", user="operator1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == 14
    samarqand = next(f for f in body["features"] if f["id"] == "UZ-SA")
    assert samarqand["properties"]["name"] == "Samarqand viloyati"
    # the source spells it "Самаркандаская": mended as the boundaries are loaded
    assert samarqand["properties"]["names"]["ru"] == "Самаркандская область"
    assert samarqand["geometry"]["type"] in ("Polygon", "MultiPolygon")
    west, south, east, north = samarqand["bbox"]
    assert 65 < west < east < 68
    assert 38 < south < north < 41


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # reads: backend-neutral
async def test_districts_of_a_region_simplified_for_drawing(api: Api) -> None:
    response = await api.get("/api/v1/geo/districts?region=UZ-SA", user="analyst1")
    assert response.status_code == 200
    features = response.json()["features"]
    assert len(features) == 16
    assert {f["properties"]["region_code"] for f in features} == {"UZ-SA"}
    assert "UZ-SA-urgut" in {f["id"] for f in features}
    for feature in features:
        ring = feature["geometry"]["coordinates"][0]
        if feature["geometry"]["type"] == "MultiPolygon":
            ring = ring[0]
        # Rounded for drawing: five decimals (about a metre) at most.
        assert all(len(repr(x).split(".")[-1]) <= 5 for x, _ in ring)
    everything = await api.get("/api/v1/geo/districts?geometry=false", user="qa1")
    all_features = everything.json()["features"]
    assert len(all_features) == 200
    assert all(f["geometry"] is None for f in all_features)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # reads: backend-neutral
async def test_districts_of_an_unknown_region_is_404(api: Api) -> None:
    response = await api.get("/api/v1/geo/districts?region=UZ-XX", user="operator1")
    assert response.status_code == 404
    assert "UZ-XX" in response.json()["detail"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # reads: backend-neutral
async def test_resolve_a_point(api: Api) -> None:
    response = await api.get("/api/v1/geo/resolve?lat=39.6542&lon=66.9597", user="operator1")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "inside"
    assert body["region"]["code"] == "UZ-SA"
    assert body["district"]["code"] == "UZ-SA-samarkand"
    assert body["distance_m"] == 0.0
    abroad = await api.get("/api/v1/geo/resolve?lat=43.2389&lon=76.8897", user="operator1")
    assert abroad.json()["status"] == "unresolved"
    assert abroad.json()["district"] is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # reads: backend-neutral
async def test_resolve_uses_the_tolerance_setting(api: Api) -> None:
    url = "/api/v1/geo/resolve?lat=37.1799&lon=67.28"  # about 500 m south of Termiz district
    assert (await api.get(url, user="operator1")).json()["status"] == "nearest"
    api.runtime.settings.geo_tolerance_m = 100
    assert (await api.get(url, user="operator1")).json()["status"] == "unresolved"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # reads: backend-neutral
@pytest.mark.parametrize(
    "query",
    [
        "lat=91&lon=60",
        "lat=-90.5&lon=60",
        "lat=40&lon=180.1",
        "lat=40&lon=-181",
        "lat=40",
        "lon=60",
        "lat=north&lon=60",
        "lat=nan&lon=60",
        "lat=40&lon=inf",
    ],
)
async def test_resolve_refuses_impossible_points(api: Api, query: str) -> None:
    response = await api.get(f"/api/v1/geo/resolve?{query}", user="operator1")
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


async def test_seeding_loaded_the_boundaries_once(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session:
        assert len(await geo.list_regions(session)) == 14
        assert len(await geo.list_districts(session)) == 200
        region = await geo.get_region(session, "UZ-QR")
        assert region.name == "Qoraqalpogʻiston Respublikasi"
        district = await geo.get_district(session, "UZ-TK-chilonzor")
        assert (district.region_code, district.names["ru"]) == ("UZ-TK", "Чиланзарский район")
        index = await geo.current_index(session)
        assert await geo.current_index(session) is index
        resolution = await geo.resolve_point(session, 41.3111, 69.2797)
        assert resolution.status is ResolutionStatus.INSIDE
        assert (await geo.resolve_point(index, 41.3111, 69.2797)) == resolution
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "geo.load"))
        ).all()
        assert len(entries) == 1
        assert entries[0].detail["districts"] == 200


async def _card_with_place(api: Api) -> dict[str, Any]:
    created = await api.post(
        "/api/v1/cards",
        user="operator1",
        json={
            "location": {
                "lat": 39.4,
                "lon": 67.25,
                "region": {"code": "UZ-SA", "name": "Samarqand viloyati"},
                "district": {"code": "UZ-SA-urgut", "name": "Urgut"},
            }
        },
    )
    assert created.status_code == 201, created.text
    card: dict[str, Any] = created.json()
    return card


async def test_reloading_the_same_files_keeps_codes_cards_and_coverage(
    api: Api, engine: AsyncEngine, shared_data: Path
) -> None:
    card = await _card_with_place(api)
    before = (await api.get("/api/v1/geo/districts?geometry=false", user="admin")).json()
    units_before = (await api.get("/api/v1/units", user="admin")).json()
    report = await _reload(engine, shared_data / "geo")
    assert (report.regions, report.districts) == (14, 200)
    assert (report.added, report.changed, report.removed) == ([], [], [])
    after = (await api.get("/api/v1/geo/districts?geometry=false", user="admin")).json()
    assert after == before
    assert (await api.get("/api/v1/units", user="admin")).json() == units_before
    read = await api.get(f"/api/v1/cards/{card['id']}", user="operator1")
    assert read.json() == card


async def test_a_reload_that_drops_a_district_keeps_cards_and_says_what_went(
    api: Api, engine: AsyncEngine, shared_data: Path, tmp_path: Path
) -> None:
    card = await _card_with_place(api)
    folder = tmp_path / "geo"
    shutil.copytree(shared_data / "geo", folder)
    (folder / DISTRICTS_FILE).chmod(0o644)
    document = json.loads((folder / DISTRICTS_FILE).read_text())
    renamed = next(f for f in document["features"] if f["properties"]["shapeName"] == "Urgut")
    renamed["properties"]["shapeName"] = "Urgut tumani"
    (folder / DISTRICTS_FILE).write_text(json.dumps(document))

    report = await _reload(engine, folder)
    assert report.added == ["UZ-SA-urgut-tumani"]
    assert report.removed == ["UZ-SA-urgut"]
    assert report.changed == []
    # The card keeps the place it was given; it is the card's own copy.
    assert (await api.get(f"/api/v1/cards/{card['id']}", user="operator1")).json() == card
    # Coverage of the dropped district went with it, and nothing else changed.
    async with session_factory(engine)() as session:
        covered = (
            await session.scalars(
                select(UnitCoverage.unit_code).where(UnitCoverage.district_code == "UZ-SA-urgut")
            )
        ).all()
        assert covered == []
        resolution = await geo.resolve_point(session, 39.4, 67.25)
        assert resolution.district is not None
        assert resolution.district.code == "UZ-SA-urgut-tumani"
    audit = await api.get("/api/v1/audit?action=geo.load", user="admin")
    assert audit.json()["items"][0]["detail"]["removed"] == ["UZ-SA-urgut"]
    # Loading the real files again brings the old code back.
    await _reload(engine, shared_data / "geo")
    resolved = await api.get("/api/v1/geo/resolve?lat=39.4&lon=67.25", user="operator1")
    assert resolved.json()["district"]["code"] == "UZ-SA-urgut"


async def test_a_reload_from_broken_files_changes_nothing(
    api: Api, engine: AsyncEngine, tmp_path: Path
) -> None:
    before = await fingerprint(engine)
    with pytest.raises(ValueError, match="DISPATCH_GEO_DATA_DIR"):
        await _reload(engine, tmp_path / "missing")
    assert await fingerprint(engine) == before
