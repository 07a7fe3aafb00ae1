"""Regions and districts for maps and forms, and point resolution; any signed-in user."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from dispatch.deps import AnyUser, Session, SettingsDep
from dispatch.geo import service
from dispatch.geo.schemas import ResolutionOut

router = APIRouter(prefix="/api/v1/geo", tags=["geo"])

GEOJSON = "application/geo+json"
_FEATURES: dict[int | str, dict[str, Any]] = {
    200: {"content": {GEOJSON: {}}, "description": "a GeoJSON FeatureCollection"}
}
Geometry = Annotated[bool, Query(description="false leaves out the outlines (for lists and forms)")]


@router.get("/regions", response_class=JSONResponse, responses=_FEATURES)
async def list_regions(session: Session, _: AnyUser, geometry: Geometry = True) -> JSONResponse:
    """The 14 regions as GeoJSON, outlines simplified for drawing; ``id`` is the ISO code."""
    regions = await service.list_regions(session)
    return JSONResponse(service.feature_collection(regions, geometry=geometry), media_type=GEOJSON)


@router.get("/districts", response_class=JSONResponse, responses=_FEATURES)
async def list_districts(
    session: Session,
    _: AnyUser,
    region: Annotated[
        str | None, Query(max_length=16, description="only this region's, e.g. UZ-SA")
    ] = None,
    geometry: Geometry = True,
) -> JSONResponse:
    """Districts as GeoJSON (all, or one region's), outlines simplified for drawing."""
    districts = await service.list_districts(session, region)
    return JSONResponse(
        service.feature_collection(districts, geometry=geometry), media_type=GEOJSON
    )


@router.get("/resolve", response_model=ResolutionOut)
async def resolve(
    session: Session,
    _: AnyUser,
    settings: SettingsDep,
    lat: Annotated[float, Query(ge=-90, le=90, description="WGS84 latitude")],
    lon: Annotated[float, Query(ge=-180, le=180, description="WGS84 longitude")],
) -> ResolutionOut:
    """The region and district of a point: ``inside`` one, ``nearest`` to one within the
    tolerance (or inside a region's outline), else ``unresolved`` for the operator to choose."""
    resolution = await service.resolve_point(
        session, lat, lon, tolerance_m=settings.geo_tolerance_m
    )
    return ResolutionOut.of(resolution)
