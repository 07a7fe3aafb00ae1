"""Point resolution over districts: a shapely STRtree of prepared polygons, built once.

``GeoIndex.resolve(lat, lon)`` answers, in this order:

1. ``inside``: the district containing the point. A point on a border (within
   ``BORDER_EPSILON_DEG``, about 1 cm, of two or more districts, a shared vertex included)
   goes to the district with the lowest code, so the answer never depends on float rounding.
   The region is always the district's own region, so the pair never contradicts itself.
2. ``nearest``: the point is in no district but inside a region's polygon (the region and
   district layers disagree by a sliver here and there, e.g. along the Aral Sea shore): the
   nearest district of that region, whatever the distance.
3. ``nearest``: the point is in no region and no district, but within ``tolerance_m`` of a
   district (a GPS fix just across the border): the nearest district.
4. ``unresolved``: anything else (abroad); ``distance_m`` says how far the nearest district is,
   and the operator chooses the district.

Distances are metres on the sphere: the candidates are clipped around the point and put into
a local equirectangular projection (exact to well under 1 % within tens of kilometres).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from dispatch.errors import Invalid
from dispatch.geo.loader import Boundaries, display_name

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180
BORDER_EPSILON_DEG = 1e-7
DEFAULT_TOLERANCE_M = 2000.0
_ORIGIN = shapely.Point(0.0, 0.0)


class ResolutionStatus(StrEnum):
    """How a point was placed: in a district, next to one, or not at all."""

    INSIDE = "inside"
    NEAREST = "nearest"
    UNRESOLVED = "unresolved"


@dataclass(frozen=True, slots=True)
class Area:
    """A region or district: its code, its names, and for a district its region's code."""

    code: str
    names: Mapping[str, str]
    region_code: str | None = None

    @property
    def name(self) -> str:
        """The name shown on a card: Uzbek where known, else English, else any."""
        return display_name(self.names) or self.code

    def place(self) -> dict[str, str]:
        """``{code, name}`` as a card's ``location.region`` / ``location.district`` holds it."""
        return {"code": self.code, "name": self.name}


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a point is: status, region and district (None when unresolved), metres away."""

    status: ResolutionStatus
    region: Area | None = None
    district: Area | None = None
    distance_m: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{status, region {code, name}, district {code, name}, distance_m}``."""
        return {
            "status": self.status.value,
            "region": self.region.place() if self.region else None,
            "district": self.district.place() if self.district else None,
            "distance_m": self.distance_m,
        }


def check_point(lat: float, lon: float) -> None:
    """Invalid unless ``lat`` is in [-90, 90] and ``lon`` in [-180, 180] (no NaN)."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise Invalid("lat and lon must be finite numbers")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid(
            f"no such point: lat must be in [-90, 90] and lon in [-180, 180], not {lat}, {lon}"
        )


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass
class _Layer:
    areas: list[Area]
    geometries: NDArray[np.object_]
    tree: shapely.STRtree = field(init=False)

    def __post_init__(self) -> None:
        shapely.prepare(self.geometries)
        self.tree = shapely.STRtree(self.geometries)

    def containing(self, point: shapely.Point) -> list[int]:
        """Indices of the areas containing ``point`` or having it on their border."""
        candidates = self.tree.query(point)
        if candidates.size == 0:
            return []
        near = shapely.dwithin(self.geometries[candidates], point, BORDER_EPSILON_DEG)
        return [int(i) for i in candidates[near]]

    def lowest(self, indices: Sequence[int]) -> int:
        return min(indices, key=lambda i: self.areas[i].code)

    def geometry(self, code: str) -> BaseGeometry:
        for area, geometry in zip(self.areas, self.geometries, strict=True):
            if area.code == code:
                return geometry  # type: ignore[no-any-return]
        raise KeyError(code)


class GeoIndex:
    """Regions and districts in memory, ready to resolve points; immutable once built."""

    def __init__(
        self,
        regions: Sequence[tuple[Area, BaseGeometry]],
        districts: Sequence[tuple[Area, BaseGeometry]],
        *,
        version: str = "",
    ) -> None:
        self.version = version
        self._regions = _Layer([a for a, _ in regions], _array(g for _, g in regions))
        self._districts = _Layer([a for a, _ in districts], _array(g for _, g in districts))
        self._region_by_code = {a.code: a for a in self._regions.areas}
        self._district_by_code = {a.code: a for a in self._districts.areas}
        by_region: dict[str, list[int]] = {}
        for i, area in enumerate(self._districts.areas):
            region = area.region_code
            if region is None or region not in self._region_by_code:
                raise ValueError(f"district {area.code} names unknown region {region}")
            by_region.setdefault(region, []).append(i)
        self._districts_of = {code: np.array(ix, dtype=np.intp) for code, ix in by_region.items()}

    @classmethod
    def from_boundaries(cls, boundaries: Boundaries) -> GeoIndex:
        """An index straight from the files, without a database (benchmarks, tests)."""
        return cls(
            [(Area(r.code, r.names), r.geometry) for r in boundaries.regions],
            [(Area(d.code, d.names, d.region_code), d.geometry) for d in boundaries.districts],
            version=boundaries.digest,
        )

    @property
    def regions(self) -> list[Area]:
        """Every region, by code."""
        return sorted(self._regions.areas, key=lambda a: a.code)

    @property
    def districts(self) -> list[Area]:
        """Every district, by code."""
        return sorted(self._districts.areas, key=lambda a: a.code)

    def region(self, code: str) -> Area | None:
        """The region with ``code``, if any."""
        return self._region_by_code.get(code)

    def district(self, code: str) -> Area | None:
        """The district with ``code``, if any."""
        return self._district_by_code.get(code)

    def district_geometry(self, code: str) -> BaseGeometry:
        """The district's full polygon (KeyError if unknown)."""
        return self._districts.geometry(code)

    def region_geometry(self, code: str) -> BaseGeometry:
        """The region's full polygon (KeyError if unknown)."""
        return self._regions.geometry(code)

    def resolve(
        self, lat: float, lon: float, *, tolerance_m: float = DEFAULT_TOLERANCE_M
    ) -> Resolution:
        """Place the WGS84 point; see the module docstring for the rules."""
        check_point(lat, lon)
        point = shapely.Point(lon, lat)
        inside = self._districts.containing(point)
        if inside:
            return self._answer(ResolutionStatus.INSIDE, self._districts.lowest(inside), 0.0)
        regions = self._regions.containing(point)
        if regions:
            region = self._regions.areas[self._regions.lowest(regions)]
            own = self._districts_of.get(region.code, np.array([], dtype=np.intp))
            found = self._nearest(own, lat, lon, None)
            if found is not None:
                return self._answer(ResolutionStatus.NEAREST, *found)
        window = _window(lat, lon, tolerance_m)
        candidates = self._districts.tree.query(shapely.box(*window))
        found = self._nearest(candidates, lat, lon, tolerance_m)
        if found is not None:
            return self._answer(ResolutionStatus.NEAREST, *found)
        return Resolution(ResolutionStatus.UNRESOLVED, distance_m=self._distance_abroad(point))

    def _answer(self, status: ResolutionStatus, index: int, distance_m: float) -> Resolution:
        district = self._districts.areas[index]
        assert district.region_code is not None
        return Resolution(
            status=status,
            region=self._region_by_code[district.region_code],
            district=district,
            distance_m=round(distance_m, 1),
        )

    def _nearest(
        self, candidates: NDArray[np.intp], lat: float, lon: float, limit_m: float | None
    ) -> tuple[int, float] | None:
        """The candidate nearest the point in metres (lowest code on a tie), within ``limit_m``."""
        if candidates.size == 0:
            return None
        point = shapely.Point(lon, lat)
        geometries = self._districts.geometries[candidates]
        # In degrees a longitude step counts cos(lat) too much, so nothing more than 1/cos(lat)
        # times the nearest degree distance can be the nearest in metres.
        degrees = shapely.distance(geometries, point)
        keep = degrees <= degrees.min() / max(math.cos(math.radians(lat)), 0.01) + 1e-12
        best: tuple[float, str, int] | None = None
        for i, geometry in zip(candidates[keep], geometries[keep], strict=True):
            metres = _metres(geometry, lat, lon, limit_m)
            if metres is None or (limit_m is not None and metres > limit_m):
                continue
            key = (round(metres, 3), self._districts.areas[int(i)].code, int(i))
            if best is None or key < best:
                best = key
        return None if best is None else (best[2], best[0])

    def _distance_abroad(self, point: shapely.Point) -> float | None:
        """Metres (great circle) to the district nearest in degrees: how far abroad, roughly."""
        nearest = self._districts.tree.query_nearest(point)
        if nearest.size == 0:
            return None
        geometry = self._districts.geometries[int(nearest[0])]
        on_border = shapely.shortest_line(point, geometry).coords[-1]
        return round(haversine_m(point.y, point.x, on_border[1], on_border[0]), 1)


def _array(geometries: Any) -> NDArray[np.object_]:
    return np.array(list(geometries), dtype=object)


def _window(lat: float, lon: float, metres: float) -> tuple[float, float, float, float]:
    """A lon/lat box holding every point within ``metres`` of (lat, lon)."""
    dlat = metres / METRES_PER_DEGREE
    dlon = metres / (METRES_PER_DEGREE * max(math.cos(math.radians(abs(lat) + dlat)), 0.01))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def _metres(geometry: BaseGeometry, lat: float, lon: float, limit_m: float | None) -> float | None:
    """Metres from (lat, lon) to ``geometry``; None if beyond ``limit_m``."""
    if limit_m is not None:
        geometry = shapely.clip_by_rect(geometry, *_window(lat, lon, limit_m))
        if geometry.is_empty:
            return None
    scale = np.array([METRES_PER_DEGREE * math.cos(math.radians(lat)), METRES_PER_DEGREE])
    origin = np.array([lon, lat])
    local = shapely.transform(geometry, lambda xy: (xy - origin) * scale)
    return float(shapely.distance(local, _ORIGIN))
