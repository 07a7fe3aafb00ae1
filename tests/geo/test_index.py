"""Resolving points on the real boundaries: every region, borders, abroad, the Aral Sea."""

from __future__ import annotations

import math

import pytest
import shapely

from dispatch.errors import Invalid
from dispatch.geo.index import GeoIndex, ResolutionStatus, haversine_m

INSIDE, NEAREST, UNRESOLVED = (
    ResolutionStatus.INSIDE,
    ResolutionStatus.NEAREST,
    ResolutionStatus.UNRESOLVED,
)

# Each region's administrative centre (city centre coordinates).
CAPITALS = {
    "UZ-TK": ("Toshkent", 41.3111, 69.2797),
    "UZ-QR": ("Nukus", 42.4600, 59.6100),
    "UZ-XO": ("Urganch", 41.5500, 60.6333),
    "UZ-BU": ("Buxoro", 39.7747, 64.4286),
    "UZ-NW": ("Navoiy", 40.0844, 65.3792),
    "UZ-SA": ("Samarqand", 39.6542, 66.9597),
    "UZ-QA": ("Qarshi", 38.8606, 65.7897),
    "UZ-SU": ("Termiz", 37.2242, 67.2783),
    "UZ-JI": ("Jizzax", 40.1158, 67.8422),
    "UZ-SI": ("Guliston", 40.4897, 68.7842),
    "UZ-NG": ("Namangan", 40.9983, 71.6726),
    "UZ-AN": ("Andijon", 40.7821, 72.3442),
    "UZ-FA": ("Farg‘ona", 40.3842, 71.7843),
    "UZ-TO": ("Nurafshon", 41.0414, 69.3575),
}


@pytest.mark.parametrize("region", sorted(CAPITALS), ids=lambda r: f"{r}-{CAPITALS[r][0]}")
def test_each_regions_capital_resolves_inside_that_region(index: GeoIndex, region: str) -> None:
    _, lat, lon = CAPITALS[region]
    resolution = index.resolve(lat, lon)
    assert resolution.status is INSIDE
    assert resolution.region is not None
    assert resolution.district is not None
    assert resolution.region.code == region
    assert resolution.district.region_code == region
    assert resolution.district.code.startswith(region + "-")
    assert resolution.distance_m == 0.0


@pytest.mark.parametrize(
    ("lat", "lon", "district", "name"),
    [
        (41.3111, 69.2797, "UZ-TK-yunusobod", "Yunusobod tumani"),  # Amir Temur square
        (41.3300, 69.3300, "UZ-TK-mirzo-ulugbek", "Mirzo Ulug'bek tumani"),
        (41.2750, 69.2000, "UZ-TK-chilonzor", "Chilonzor tumani"),
        (41.0414, 69.3575, "UZ-TO-nurafshon-city", "Nurafshon shahri"),
        (40.9983, 71.6726, "UZ-NG-namangan-city", "Namangan city"),
        (39.4000, 67.2500, "UZ-SA-urgut", "Urgut"),
    ],
)
def test_known_places_get_their_district_and_its_name(
    index: GeoIndex, lat: float, lon: float, district: str, name: str
) -> None:
    resolution = index.resolve(lat, lon)
    assert resolution.district is not None
    assert (resolution.district.code, resolution.district.name) == (district, name)


def test_tashkent_city_is_not_split_into_tashkent_region(index: GeoIndex) -> None:
    # geoBoundaries ADM2 put these city points into Qibray (Tashkent region); OSM does not.
    for lat, lon in [(41.37, 69.29), (41.33, 69.33), (41.345, 69.21), (41.29, 69.34)]:
        resolution = index.resolve(lat, lon)
        assert resolution.region is not None
        assert resolution.region.code == "UZ-TK", (lat, lon, resolution)


def _shared_edge_midpoint(index: GeoIndex, a: str, b: str) -> shapely.Point:
    border = shapely.intersection(
        index.district_geometry(a).boundary, index.district_geometry(b).boundary
    )
    lines = [g for g in shapely.get_parts(shapely.line_merge(border)) if g.length > 0]
    longest = max(lines, key=lambda line: line.length)
    point = shapely.line_interpolate_point(longest, 0.5, normalized=True)
    assert isinstance(point, shapely.Point)
    return point


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("UZ-SA-samarkand", "UZ-SA-samarkand-city"),  # within a region
        ("UZ-JI-gallyaaral", "UZ-SA-bulungur"),  # between two regions
        ("UZ-TK-chilonzor", "UZ-TK-uchtepa"),  # OSM districts of Tashkent city
    ],
)
def test_a_point_on_a_shared_edge_goes_to_the_lowest_code(index: GeoIndex, a: str, b: str) -> None:
    point = _shared_edge_midpoint(index, a, b)
    for code in (a, b):
        assert index.district_geometry(code).boundary.distance(point) < 1e-9
    resolution = index.resolve(point.y, point.x)
    assert resolution.status is INSIDE
    assert resolution.district is not None
    assert resolution.district.code == min(a, b)
    assert resolution.region is not None
    assert resolution.region.code == min(a, b)[:5]
    # A few metres to either side, the tie-break no longer applies.
    sides = {
        district.code
        for dlat, dlon in [(1e-4, 0), (-1e-4, 0), (0, 1e-4), (0, -1e-4)]
        if (district := index.resolve(point.y + dlat, point.x + dlon).district) is not None
    }
    assert {a, b} <= sides


def test_a_vertex_shared_by_three_districts_goes_to_the_lowest_code(index: GeoIndex) -> None:
    lon, lat = 72.29614994470083, 40.767436061915674
    three = ["UZ-AN-altinkul", "UZ-AN-andijan", "UZ-AN-andijan-city"]
    vertex = shapely.Point(lon, lat)
    for code in three:
        assert index.district_geometry(code).boundary.distance(vertex) == 0
    resolution = index.resolve(lat, lon)
    assert resolution.status is INSIDE
    assert resolution.district is not None
    assert resolution.district.code == "UZ-AN-altinkul"


@pytest.mark.parametrize(
    ("place", "lat", "lon"),
    [("Almaty", 43.2389, 76.8897), ("Kabul", 34.5553, 69.2075), ("Bishkek", 42.8746, 74.5698)],
)
def test_cities_abroad_are_unresolved(index: GeoIndex, place: str, lat: float, lon: float) -> None:
    resolution = index.resolve(lat, lon)
    assert resolution.status is UNRESOLVED
    assert resolution.region is None
    assert resolution.district is None
    assert resolution.distance_m is not None
    assert resolution.distance_m > 100_000, place


def test_500_m_outside_the_border_resolves_to_the_nearest_district(index: GeoIndex) -> None:
    # South of Termiz, across the Amu Darya in Afghanistan.
    lat, lon = 37.1799, 67.28
    resolution = index.resolve(lat, lon)
    assert resolution.status is NEAREST
    assert resolution.district is not None
    assert resolution.region is not None
    assert (resolution.region.code, resolution.district.code) == ("UZ-SU", "UZ-SU-termez")
    # The distance is metres on the ground: check against a brute-force great-circle minimum.
    outline = shapely.segmentize(index.district_geometry("UZ-SU-termez").boundary, 2e-5)
    brute = min(haversine_m(lat, lon, y, x) for x, y in shapely.get_coordinates(outline))
    assert resolution.distance_m is not None
    assert abs(resolution.distance_m - brute) < 2
    assert 450 < resolution.distance_m < 550


def test_the_tolerance_decides_between_nearest_and_unresolved(index: GeoIndex) -> None:
    lat, lon = 37.1595, 67.28  # about 2.8 km south of Termiz district
    assert index.resolve(lat, lon).status is UNRESOLVED
    assert index.resolve(lat, lon, tolerance_m=5000).status is NEAREST
    assert index.resolve(37.1799, 67.28, tolerance_m=100).status is UNRESOLVED


def test_aral_sea_water_is_in_muynak_district_of_karakalpakstan(index: GeoIndex) -> None:
    # The ADM1 outline of Karakalpakstan leaves out the water of the Aral Sea's western
    # basin; the districts (and the law) do not: the Uzbek part of the sea is Mo'ynoq's.
    lat, lon = 45.0, 58.4
    karakalpakstan = index.region_geometry("UZ-QR")
    assert not karakalpakstan.contains(shapely.Point(lon, lat))
    resolution = index.resolve(lat, lon)
    assert resolution.status is INSIDE
    assert resolution.district is not None
    assert resolution.region is not None
    assert (resolution.region.code, resolution.district.code) == ("UZ-QR", "UZ-QR-muynak")


def test_dry_aral_bed_inside_the_region_outline_but_no_district_is_nearest(
    index: GeoIndex,
) -> None:
    # A sliver of the dried eastern basin is in the region outline but in no district: the
    # region is certain, so the nearest district of that region is taken, however far.
    lat, lon = 44.826, 60.236
    assert index.region_geometry("UZ-QR").contains(shapely.Point(lon, lat))
    resolution = index.resolve(lat, lon, tolerance_m=0)
    assert resolution.status is NEAREST
    assert resolution.district is not None
    assert resolution.district.code == "UZ-QR-muynak"
    assert resolution.distance_m is not None
    assert resolution.distance_m > 0


def test_kazakh_part_of_the_aral_sea_is_unresolved(index: GeoIndex) -> None:
    resolution = index.resolve(45.9, 59.5)
    assert resolution.status is UNRESOLVED
    assert resolution.distance_m is not None
    assert resolution.distance_m > 2000


@pytest.mark.parametrize(
    ("lat", "lon"), [(90.5, 60.0), (-91, 60.0), (40.0, 180.5), (40.0, -181), (math.nan, 60.0)]
)
def test_impossible_points_are_refused(index: GeoIndex, lat: float, lon: float) -> None:
    with pytest.raises(Invalid):
        index.resolve(lat, lon)


def test_poles_and_antimeridian_are_valid_and_unresolved(index: GeoIndex) -> None:
    for lat, lon in [(90, 0), (-90, 180), (0, -180)]:
        assert index.resolve(lat, lon).status is UNRESOLVED


def test_resolution_as_a_card_place(index: GeoIndex) -> None:
    _, lat, lon = CAPITALS["UZ-SA"]
    assert index.resolve(lat, lon).as_dict() == {
        "status": "inside",
        "region": {"code": "UZ-SA", "name": "Samarqand viloyati"},
        "district": {"code": "UZ-SA-samarkand", "name": "Samarkand"},
        "distance_m": 0.0,
    }
