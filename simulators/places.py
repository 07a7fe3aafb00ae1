"""Where callers are: points drawn uniformly inside real district outlines (GeoJSON).

The outlines come from the server (``GET /api/v1/geo/districts``), so a drawn point resolves to
the district it was drawn in. Districts are weighted by area unless weights are given.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep

MAX_TRIES = 10_000
METRES_PER_DEGREE = 111_320.0  # of latitude; of longitude times cos(latitude)


@dataclass(frozen=True)
class District:
    """One district's code, name and outline."""

    code: str
    name: str
    outline: BaseGeometry
    prepared: PreparedGeometry[BaseGeometry]


@dataclass(frozen=True)
class Place:
    """A caller's position and the district it was drawn in."""

    lat: float
    lon: float
    district: str


def districts_from_geojson(collection: Mapping[str, Any]) -> list[District]:
    """The districts of a GeoJSON FeatureCollection that have an outline."""
    out = []
    for number, feature in enumerate(collection.get("features", [])):
        geometry = feature.get("geometry")
        if not geometry:
            continue
        outline = shape(geometry)
        if outline.is_empty or outline.area <= 0:
            continue
        props = feature.get("properties") or {}
        # The server's features carry ``code``; a raw boundary file its own names.
        name = str(props.get("name") or props.get("ADM2_EN") or props.get("shapeName") or "")
        code = str(props.get("code") or feature.get("id") or name or f"#{number}")
        out.append(District(code, name or code, outline, prep(outline)))
    return out


def point_in(district: District, rng: random.Random) -> Place:
    """A point drawn uniformly inside the district's outline (rejection from its bounds)."""
    west, south, east, north = district.outline.bounds
    for _ in range(MAX_TRIES):
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if district.prepared.contains(Point(lon, lat)):
            return Place(lat=lat, lon=lon, district=district.code)
    centre = district.outline.representative_point()
    return Place(lat=centre.y, lon=centre.x, district=district.code)


class PlaceSampler:
    """Draws caller positions: a district (by area or given weights), then a point inside."""

    def __init__(
        self,
        districts: Sequence[District],
        rng: random.Random,
        weights: Mapping[str, float] | None = None,
    ) -> None:
        if not districts:
            raise ValueError("no district outlines to draw callers in")
        self.districts = list(districts)
        self.rng = rng
        self.weights = [
            (weights or {}).get(d.code, 0.0) if weights else d.outline.area for d in self.districts
        ]

    def draw(self) -> Place:
        """A caller's position."""
        district = self.rng.choices(self.districts, weights=self.weights)[0]
        return point_in(district, self.rng)

    def near(self, lat: float, lon: float, radius_m: float) -> Place:
        """A caller's position drawn uniformly within ``radius_m`` of (lat, lon), in the
        district that contains it (an empty code when none does)."""
        distance = radius_m * math.sqrt(self.rng.random())
        bearing = self.rng.uniform(0.0, 2 * math.pi)
        north = distance * math.cos(bearing) / METRES_PER_DEGREE
        east = distance * math.sin(bearing) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
        point = Point(lon + east, lat + north)
        code = next((d.code for d in self.districts if d.prepared.contains(point)), "")
        return Place(lat=point.y, lon=point.x, district=code)
