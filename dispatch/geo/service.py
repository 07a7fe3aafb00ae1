"""Regions and districts: loading boundaries, reading them, resolving points.

Other capabilities use these functions, never the tables: ``resolve_point`` (fast, from the
in-process index), ``get_region``, ``get_district``, ``district_codes`` and ``require_districts``.

The index is built once per process from the database and kept under the digest of the newest
boundary load, so each process notices a reload (by any process) within ``DIGEST_FRESH_S`` and
rebuilds (the reloading process at once); the same data loaded into several databases shares
one index.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.core.actor import Actor
from dispatch.core.database import after_commit
from dispatch.errors import DomainError, Invalid, NotFound
from dispatch.geo.index import DEFAULT_TOLERANCE_M, Area, GeoIndex, Resolution
from dispatch.geo.loader import Boundaries, read_boundaries
from dispatch.geo.models import District, GeoLoad, Region

# Simplified outlines for drawing: about 100 m off at most, coordinates to about 1 m.
DRAWING_TOLERANCE_DEG = 0.001
DRAWING_DECIMALS = 5
_INDEX_CACHE_SIZE = 4
_indexes: OrderedDict[str, GeoIndex] = OrderedDict()
_indexes_lock = threading.Lock()
# The newest load's digest per database, as last read, and when (monotonic): a point is
# resolved on every card with a location, and the digest only changes with a reload.
DIGEST_FRESH_S = 2.0
_digests: dict[str, tuple[str, float]] = {}


class BoundariesNotLoaded(DomainError):
    """No boundaries are in the database yet."""

    status_code = 503
    code = "geo_not_loaded"


@dataclass(frozen=True)
class LoadReport:
    """What a boundary load did."""

    digest: str
    regions: int
    districts: int
    added: list[str]
    changed: list[str]
    removed: list[str]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, as audited and printed."""
        return {
            "digest": self.digest,
            "regions": self.regions,
            "districts": self.districts,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
        }


@dataclass(frozen=True)
class _Row:
    code: str
    region_code: str | None
    names: dict[str, str]
    geometry: str
    simplified: str
    bbox: list[float]
    source: str


async def load_boundaries(
    session: AsyncSession, actor: Actor, data_dir: Path, *, now: datetime
) -> LoadReport:
    """Replace every region and district with those in ``data_dir``, in the session's
    transaction. Codes stay the same for the same data, so cards and coverage stay valid;
    coverage of a district that no longer exists goes with it."""
    boundaries = await asyncio.to_thread(read_boundaries, data_dir)
    regions, districts = await asyncio.to_thread(_rows, boundaries)
    old_regions = {r.code: r for r in (await session.scalars(select(Region))).all()}
    old_districts = {d.code: d for d in (await session.scalars(select(District))).all()}
    added: list[str] = []
    changed: list[str] = []
    for row in regions:
        _upsert(session, Region, old_regions.get(row.code), row, now, added, changed)
    await session.flush()
    for row in districts:
        _upsert(session, District, old_districts.get(row.code), row, now, added, changed)
    removed_districts = sorted(old_districts.keys() - {row.code for row in districts})
    removed_regions = sorted(old_regions.keys() - {row.code for row in regions})
    await session.flush()
    if removed_districts:
        await session.execute(delete(District).where(District.code.in_(removed_districts)))
    if removed_regions:
        await session.execute(delete(Region).where(Region.code.in_(removed_regions)))
    report = LoadReport(
        digest=boundaries.digest,
        regions=len(regions),
        districts=len(districts),
        added=added,
        changed=changed,
        removed=removed_regions + removed_districts,
    )
    session.add(
        GeoLoad(
            loaded_at=now,
            loaded_by=actor.username,
            source_dir=str(data_dir)[:500],
            digest=boundaries.digest,
            regions=report.regions,
            districts=report.districts,
        )
    )
    await audit.record(
        session, actor, "geo.load", "boundaries", boundaries.digest[:16], report.as_dict(), at=now
    )
    after_commit(session, _digests.clear)  # this process sees the reload at once
    return report


async def boundaries_loaded(session: AsyncSession) -> bool:
    """True once boundaries have been loaded into this database."""
    return bool(await session.scalar(select(func.count()).select_from(District)))


async def seed_boundaries(
    session: AsyncSession, actor: Actor, data_dir: Path, *, now: datetime
) -> LoadReport | None:
    """Load the boundaries if the tables are empty (first start); None when already there."""
    if await boundaries_loaded(session):
        return None
    return await load_boundaries(session, actor, data_dir, now=now)


async def boundaries_digest(session: AsyncSession) -> str | None:
    """The digest of the boundaries in force (None before the first load); read again after
    ``DIGEST_FRESH_S``, at once after a load through this process."""
    database = str(session.get_bind().engine.url)
    known = _digests.get(database)
    if known is not None and time.monotonic() - known[1] < DIGEST_FRESH_S:
        return known[0]
    digest = await session.scalar(select(GeoLoad.digest).order_by(GeoLoad.id.desc()).limit(1))
    if digest is not None:
        _digests[database] = (digest, time.monotonic())
    return digest


async def current_index(session: AsyncSession) -> GeoIndex:
    """The in-process index of the boundaries now in the database (built on first use). The
    newest load is looked up again after ``DIGEST_FRESH_S``: a reload by another process is
    seen within that time, by this one at once."""
    digest = await boundaries_digest(session)
    if digest is None:
        raise BoundariesNotLoaded(
            "the boundaries of regions and districts are not loaded; "
            "run 'python -m dispatch geo load'"
        )
    with _indexes_lock:
        cached = _indexes.get(digest)
        if cached is not None:
            _indexes.move_to_end(digest)
            return cached
    regions = (await session.execute(select(Region.code, Region.names, Region.geometry))).all()
    districts = (
        await session.execute(
            select(District.code, District.names, District.geometry, District.region_code)
        )
    ).all()
    index = await asyncio.to_thread(
        _build_index,
        digest,
        [(code, names, geometry, None) for code, names, geometry in regions],
        [tuple(row) for row in districts],
    )
    with _indexes_lock:
        _indexes[digest] = index
        while len(_indexes) > _INDEX_CACHE_SIZE:
            _indexes.popitem(last=False)
    return index


async def resolve_point(
    source: AsyncSession | GeoIndex,
    lat: float,
    lon: float,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> Resolution:
    """Region and district of a WGS84 point (see ``dispatch.geo.index`` for the rules)."""
    index = source if isinstance(source, GeoIndex) else await current_index(source)
    return index.resolve(lat, lon, tolerance_m=tolerance_m)


async def get_region(session: AsyncSession, code: str) -> Region:
    """The region with ISO 3166-2 ``code``; NotFound otherwise."""
    region = await session.get(Region, code)
    if region is None:
        raise NotFound(f"no region with code {code!r}; see GET /api/v1/geo/regions")
    return region


async def get_district(session: AsyncSession, code: str) -> District:
    """The district with ``code``; NotFound otherwise."""
    district = await session.get(District, code)
    if district is None:
        raise NotFound(f"no district with code {code!r}; see GET /api/v1/geo/districts")
    return district


async def list_regions(session: AsyncSession) -> list[Region]:
    """Every region by code."""
    return list((await session.scalars(select(Region).order_by(Region.code))).all())


async def list_districts(session: AsyncSession, region: str | None = None) -> list[District]:
    """Every district by code, or those of ``region`` (NotFound for an unknown region)."""
    query = select(District).order_by(District.code)
    if region is not None:
        await get_region(session, region)
        query = query.where(District.region_code == region)
    return list((await session.scalars(query)).all())


async def list_region_areas(session: AsyncSession) -> list[Area]:
    """Every region's code and names (no outlines), by code."""
    rows = await session.execute(select(Region.code, Region.names).order_by(Region.code))
    return [Area(code, names) for code, names in rows.all()]


async def district_codes(session: AsyncSession, region_code: str) -> list[str]:
    """The codes of the districts of ``region_code`` (empty for an unknown region)."""
    query = select(District.code).where(District.region_code == region_code)
    return sorted((await session.scalars(query)).all())


async def require_districts(session: AsyncSession, codes: Iterable[str]) -> list[str]:
    """``codes`` without repeats, in order; Invalid naming every unknown one."""
    wanted = list(dict.fromkeys(codes))
    found = set(
        (await session.scalars(select(District.code).where(District.code.in_(wanted)))).all()
    )
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise Invalid(
            f"unknown district code(s): {', '.join(unknown)}; see GET /api/v1/geo/districts"
        )
    return wanted


def feature_collection(
    areas: Sequence[Region | District], *, geometry: bool = True
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the simplified outlines (or none, ``geometry=False``)."""
    features = []
    for area in areas:
        properties: dict[str, Any] = {"code": area.code, "name": area.name, "names": area.names}
        if isinstance(area, District):
            properties["region_code"] = area.region_code
        properties["bbox"] = area.bbox
        features.append(
            {
                "type": "Feature",
                "id": area.code,
                "bbox": area.bbox,
                "geometry": json.loads(area.simplified) if geometry else None,
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _rows(boundaries: Boundaries) -> tuple[list[_Row], list[_Row]]:
    regions = [_row(r.code, None, r.names, r.geometry, r.source) for r in boundaries.regions]
    districts = [
        _row(d.code, d.region_code, d.names, d.geometry, d.source) for d in boundaries.districts
    ]
    return regions, districts


def _row(
    code: str, region_code: str | None, names: dict[str, str], geometry: BaseGeometry, source: str
) -> _Row:
    simplified = shapely.simplify(geometry, DRAWING_TOLERANCE_DEG, preserve_topology=True)
    simplified = shapely.transform(simplified, lambda xy: np.round(xy, DRAWING_DECIMALS))
    return _Row(
        code=code,
        region_code=region_code,
        names=names,
        geometry=shapely.to_geojson(geometry),
        simplified=shapely.to_geojson(simplified),
        bbox=[round(float(v), 6) for v in geometry.bounds],
        source=source[:200],
    )


def _upsert(
    session: AsyncSession,
    model: type[Region] | type[District],
    existing: Region | District | None,
    row: _Row,
    now: datetime,
    added: list[str],
    changed: list[str],
) -> None:
    fields: dict[str, Any] = {
        "names": row.names,
        "geometry": row.geometry,
        "simplified": row.simplified,
        "bbox": row.bbox,
        "source": row.source,
    }
    if model is District:
        fields["region_code"] = row.region_code
    if existing is None:
        session.add(model(code=row.code, updated_at=now, **fields))
        added.append(row.code)
        return
    if any(getattr(existing, key) != value for key, value in fields.items()):
        for key, value in fields.items():
            setattr(existing, key, value)
        existing.updated_at = now
        changed.append(row.code)


def _build_index(
    digest: str,
    regions: list[tuple[Any, ...]],
    districts: list[tuple[Any, ...]],
) -> GeoIndex:
    return GeoIndex(
        [(Area(code, names), shapely.from_geojson(text)) for code, names, text, _ in regions],
        [
            (Area(code, names, region), shapely.from_geojson(text))
            for code, names, text, region in districts
        ],
        version=digest,
    )
