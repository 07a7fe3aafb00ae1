"""Reading Uzbekistan's boundaries from the GeoJSON files in ``DISPATCH_GEO_DATA_DIR``.

Pure: files in, shapes out; no database. The rules, decided once and kept stable:

- Regions are the 14 geoBoundaries ADM1 polygons, coded by ISO 3166-2 (``shapeISO``, e.g.
  ``UZ-SA``); their names in uz/ru/en come from the OSM regions file, matched by overlap.
- Districts come from geoBoundaries ADM2 (a 2017 map, names only in ``shapeName``), except in
  Tashkent city and Tashkent region, where ADM2 is so far off that a third of the city fell into
  districts of the region; there the OSM district files (with uz/ru/en names) replace it.
  A city mapped inside its surrounding district is cut out of that district.
- An ADM2 district belongs to the region it overlaps most; one overlapping none (a small
  enclave the two layers disagree about) belongs to the nearest region.
- A district's code is ``<region code>-<slug of its English name>``, e.g. ``UZ-SA-urgut`` or
  ``UZ-TK-chilonzor``: readable, and the same on every load of the same files.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from dispatch.geo.errors import GeoDataError

REGIONS_FILE = "uzb_adm1_regions_geoboundaries.geojson"
DISTRICTS_FILE = "uzb_adm2_districts_geoboundaries.geojson"
REGION_NAMES_FILE = "uzb_adm1_regions_akbartus_osm.geojson"
# Regions whose districts come from a detailed OSM file instead of geoBoundaries ADM2.
DETAILED_DISTRICT_FILES = {
    "UZ-TK": "tashkent_city_districts_akbartus_osm.geojson",
    "UZ-TO": "tashkent_region_districts_akbartus_osm.geojson",
}
# Bump when these rules change: the digest (and so every cached index) changes with it.
LOADER_VERSION = "1"
REGION_CODE_PATTERN = re.compile(r"^UZ-[A-Z]{2}$")
MAX_CODE_LENGTH = 32
# A smaller shape this much inside a bigger one of the same file is a city inside its district.
_ENCLOSED = 0.9
# Cyrillic letters that look Latin, found inside Latin names (e.g. "Rаmitan" with a Cyrillic а).
_HOMOGLYPHS = str.maketrans("аеорсухкмтнвАЕОРСУХКМТНВ", "aeopcyxkmthbAEOPCYXKMTHB")
# Names misspelt in the source data, as an operator must not read them (the source is kept as
# it is in ../shared/data; SOURCES.md there names it).
_MISSPELT = {"Самаркандаская область": "Самаркандская область"}


@dataclass(frozen=True, slots=True)
class RegionShape:
    """A region as read from the files."""

    code: str
    names: dict[str, str]
    geometry: BaseGeometry
    source: str


@dataclass(frozen=True, slots=True)
class DistrictShape:
    """A district as read from the files, with the region it was joined to."""

    code: str
    region_code: str
    names: dict[str, str]
    geometry: BaseGeometry
    source: str


@dataclass(frozen=True, slots=True)
class Boundaries:
    """Every region and district, sorted by code; ``digest`` identifies files and rules."""

    regions: tuple[RegionShape, ...]
    districts: tuple[DistrictShape, ...]
    digest: str


def read_boundaries(data_dir: Path) -> Boundaries:
    """Read, check and join the boundary files in ``data_dir``; GeoDataError if unusable."""
    files = [REGIONS_FILE, DISTRICTS_FILE, REGION_NAMES_FILE, *DETAILED_DISTRICT_FILES.values()]
    raw = {name: _read_bytes(data_dir / name) for name in files}
    digest = hashlib.sha256(LOADER_VERSION.encode())
    for name in files:
        digest.update(name.encode() + b"\0" + raw[name] + b"\0")
    documents = {name: _parse(name, raw[name]) for name in files}
    regions = _regions(documents[REGIONS_FILE], documents[REGION_NAMES_FILE])
    districts = _districts(documents, regions)
    empty = sorted({r.code for r in regions} - {d.region_code for d in districts})
    if empty:
        raise GeoDataError(f"no district was joined to region(s) {', '.join(empty)}")
    return Boundaries(regions=regions, districts=districts, digest=digest.hexdigest())


def display_name(names: Mapping[str, str]) -> str:
    """The name shown on a card: Uzbek where known, else English, else any."""
    for language in ("uz", "en", "ru"):
        if names.get(language):
            return names[language]
    return next(iter(names.values()), "")


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: "Kattakurgan city" -> "kattakurgan-city"."""
    plain = unicodedata.normalize("NFKD", text.translate(_HOMOGLYPHS))
    ascii_only = plain.encode("ascii", "ignore").decode().lower()
    ascii_only = re.sub(r"['`ʻʼ’]", "", ascii_only)
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise GeoDataError(
            f"cannot read boundary file {path}: {exc.strerror}; set DISPATCH_GEO_DATA_DIR to the "
            "folder holding the geo files (see shared/data/SOURCES.md)"
        ) from exc


def _parse(name: str, content: bytes) -> list[dict[str, Any]]:
    try:
        document = json.loads(content)
    except ValueError as exc:
        raise GeoDataError(f"{name} is not valid JSON: {exc}") from exc
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or not features:
        raise GeoDataError(f"{name} is not a GeoJSON FeatureCollection with features")
    return features


def _polygonal(name: str, feature: dict[str, Any]) -> BaseGeometry:
    """The feature's area as a valid (Multi)Polygon; lines and points in collections dropped."""
    try:
        geometry = shapely.make_valid(shape(feature["geometry"]))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise GeoDataError(f"{name}: a feature has no usable geometry ({exc})") from exc
    polygons = list(_polygons(geometry))
    if not polygons:
        raise GeoDataError(f"{name}: a feature has no area ({feature.get('properties')})")
    merged = shapely.union_all(polygons)
    assert isinstance(merged, Polygon | MultiPolygon)
    return merged


def _polygons(geometry: BaseGeometry) -> Iterator[Polygon]:
    if isinstance(geometry, Polygon):
        if not geometry.is_empty:
            yield geometry
    elif hasattr(geometry, "geoms"):
        for part in geometry.geoms:
            yield from _polygons(part)


def _property(name: str, feature: dict[str, Any], key: str) -> str:
    value = (feature.get("properties") or {}).get(key)
    if not isinstance(value, str) or not value.strip():
        raise GeoDataError(f"{name}: a feature lacks the property {key!r}")
    value = _MISSPELT.get(value.strip(), value.strip())
    # Only a Latin name is mended; a Russian name's Cyrillic letters are its own.
    return value.translate(_HOMOGLYPHS) if re.search(r"[A-Za-z]", value) else value


def _regions(
    features: list[dict[str, Any]], name_features: list[dict[str, Any]]
) -> tuple[RegionShape, ...]:
    named = [
        (
            _polygonal(REGION_NAMES_FILE, f),
            {
                "uz": _property(REGION_NAMES_FILE, f, "ADM1_UZ"),
                "ru": _property(REGION_NAMES_FILE, f, "ADM1_RU"),
                "en": _property(REGION_NAMES_FILE, f, "ADM1_EN"),
            },
        )
        for f in name_features
    ]
    regions: dict[str, RegionShape] = {}
    for feature in features:
        code = _property(REGIONS_FILE, feature, "shapeISO")
        if not REGION_CODE_PATTERN.match(code):
            raise GeoDataError(f"{REGIONS_FILE}: {code!r} is not an ISO 3166-2 code of Uzbekistan")
        if code in regions:
            raise GeoDataError(f"{REGIONS_FILE}: region {code} appears twice")
        geometry = _polygonal(REGIONS_FILE, feature)
        names = _names_by_overlap(geometry, named) or {
            "en": _property(REGIONS_FILE, feature, "shapeName")
        }
        regions[code] = RegionShape(code, names, geometry, f"{REGIONS_FILE}#{code}")
    return tuple(regions[code] for code in sorted(regions))


def _names_by_overlap(
    geometry: BaseGeometry, named: list[tuple[BaseGeometry, dict[str, str]]]
) -> dict[str, str] | None:
    """The names of the shape covering most of ``geometry`` (at least half of it)."""
    best = max(named, key=lambda item: item[0].intersection(geometry).area, default=None)
    if best is None or best[0].intersection(geometry).area < 0.5 * geometry.area:
        return None
    return dict(best[1])


def _districts(
    documents: dict[str, list[dict[str, Any]]], regions: tuple[RegionShape, ...]
) -> tuple[DistrictShape, ...]:
    found: dict[str, DistrictShape] = {}
    for district in [*_adm2_districts(documents[DISTRICTS_FILE], regions), *_detailed(documents)]:
        if len(district.code) > MAX_CODE_LENGTH:
            raise GeoDataError(f"district code {district.code} is longer than {MAX_CODE_LENGTH}")
        if district.code in found:
            raise GeoDataError(
                f"two districts would get the code {district.code}: "
                f"{found[district.code].source} and {district.source}"
            )
        found[district.code] = district
    return tuple(found[code] for code in sorted(found))


def _adm2_districts(
    features: list[dict[str, Any]], regions: tuple[RegionShape, ...]
) -> Iterator[DistrictShape]:
    tree = shapely.STRtree([r.geometry for r in regions])
    for feature in features:
        name = _property(DISTRICTS_FILE, feature, "shapeName")
        geometry = _polygonal(DISTRICTS_FILE, feature)
        region = _region_of(geometry, regions, tree)
        if region.code in DETAILED_DISTRICT_FILES:
            continue
        yield DistrictShape(
            code=f"{region.code}-{slug(name)}",
            region_code=region.code,
            names={"en": name},
            geometry=geometry,
            source=f"{DISTRICTS_FILE}#{feature.get('properties', {}).get('shapeID', name)}",
        )


def _region_of(
    geometry: BaseGeometry, regions: tuple[RegionShape, ...], tree: shapely.STRtree
) -> RegionShape:
    """The region overlapping ``geometry`` most, else the nearest one."""
    overlaps = [
        (regions[i].geometry.intersection(geometry).area, regions[i].code, int(i))
        for i in tree.query(geometry)
    ]
    best = max(overlaps, default=(0.0, "", -1))
    if best[0] > 0:
        return regions[best[2]]
    nearest = tree.query_nearest(geometry.representative_point())
    return regions[int(min(nearest, key=lambda i: regions[int(i)].code))]


def _detailed(documents: dict[str, list[dict[str, Any]]]) -> Iterator[DistrictShape]:
    for region_code, name in DETAILED_DISTRICT_FILES.items():
        shapes = [
            (
                _polygonal(name, f),
                {
                    "uz": _property(name, f, "ADM2_UZ"),
                    "ru": _property(name, f, "ADM2_RU"),
                    "en": _property(name, f, "ADM2_EN"),
                },
            )
            for f in documents[name]
        ]
        for geometry, names in _cut_out_enclosed(shapes):
            english = re.sub(r"\s+district$", "", names["en"], flags=re.IGNORECASE)
            yield DistrictShape(
                code=f"{region_code}-{slug(english)}",
                region_code=region_code,
                names=names,
                geometry=geometry,
                source=f"{name}#{names['en']}",
            )


def _cut_out_enclosed(
    shapes: Iterable[tuple[BaseGeometry, dict[str, str]]],
) -> list[tuple[BaseGeometry, dict[str, str]]]:
    """Cut each shape lying inside a bigger one (a city in its district) out of the bigger."""
    items = list(shapes)
    result = []
    for outer, names in items:
        for inner, _ in items:
            if inner is outer or inner.area >= outer.area:
                continue
            if inner.intersection(outer).area >= _ENCLOSED * inner.area:
                outer = shapely.make_valid(outer.difference(inner))
        polygons = list(_polygons(outer))
        merged = shapely.union_all(polygons)
        result.append((merged, names))
    return result
