"""Reading the boundary files: what comes out, how codes are made, and bad data refused."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from dispatch.geo.errors import GeoDataError
from dispatch.geo.index import GeoIndex
from dispatch.geo.loader import REGIONS_FILE, Boundaries, read_boundaries, slug

DISTRICTS_PER_REGION = {
    "UZ-AN": 16,
    "UZ-BU": 13,
    "UZ-FA": 19,
    "UZ-JI": 13,
    "UZ-NG": 12,
    "UZ-NW": 10,
    "UZ-QA": 15,
    "UZ-QR": 15,
    "UZ-SA": 16,
    "UZ-SI": 11,
    "UZ-SU": 14,
    "UZ-TK": 12,
    "UZ-TO": 22,
    "UZ-XO": 12,
}


def test_fourteen_regions_with_iso_codes_and_three_languages(boundaries: Boundaries) -> None:
    assert [r.code for r in boundaries.regions] == sorted(DISTRICTS_PER_REGION)
    for region in boundaries.regions:
        assert set(region.names) == {"uz", "ru", "en"}, region.code
    samarqand = next(r for r in boundaries.regions if r.code == "UZ-SA")
    assert samarqand.names["uz"] == "Samarqand viloyati"
    assert samarqand.names["en"] == "Samarkand region"


def test_every_district_is_joined_to_a_region_with_a_readable_code(
    boundaries: Boundaries,
) -> None:
    codes = [d.code for d in boundaries.districts]
    assert len(codes) == len(set(codes)) == 200
    assert Counter(d.region_code for d in boundaries.districts) == DISTRICTS_PER_REGION
    for district in boundaries.districts:
        assert re.fullmatch(r"UZ-[A-Z]{2}-[a-z0-9]+(-[a-z0-9]+)*", district.code), district.code
        assert len(district.code) <= 32
        assert district.code.startswith(district.region_code + "-")
        assert district.geometry.is_valid
        assert district.geometry.geom_type in ("Polygon", "MultiPolygon")


def test_tashkent_districts_come_from_osm_with_three_languages(boundaries: Boundaries) -> None:
    tashkent = [d for d in boundaries.districts if d.region_code in ("UZ-TK", "UZ-TO")]
    assert all(set(d.names) == {"uz", "ru", "en"} for d in tashkent)
    by_code = {d.code: d for d in boundaries.districts}
    assert by_code["UZ-TK-yangihayot"].names["ru"] == "Янгихаётский район"
    assert by_code["UZ-TO-olmaliq-city"].names["uz"] == "Olmaliq shahri"
    others = [d for d in boundaries.districts if d.region_code not in ("UZ-TK", "UZ-TO")]
    assert all(set(d.names) == {"en"} for d in others)


def test_latin_names_with_cyrillic_letters_are_mended(boundaries: Boundaries) -> None:
    by_code = {d.code: d for d in boundaries.districts}
    # geoBoundaries spells these with a Cyrillic "а" inside the Latin name.
    assert by_code["UZ-BU-ramitan"].names["en"] == "Ramitan"
    assert by_code["UZ-JI-zaamin"].names["en"] == "Zaamin"


def test_a_district_the_region_layer_misses_joins_the_nearest_region(
    boundaries: Boundaries,
) -> None:
    # Shirin is a town of Sirdaryo region that the ADM1 outline leaves just outside.
    shirin = next(d for d in boundaries.districts if d.code.endswith("-shirin-city"))
    assert shirin.region_code == "UZ-SI"


def test_a_city_inside_its_district_is_cut_out_of_it(
    boundaries: Boundaries, index: GeoIndex
) -> None:
    by_code = {d.code: d for d in boundaries.districts}
    for city, district in [
        ("UZ-TO-angren-city", "UZ-TO-ohangaron"),
        ("UZ-TO-ohangaron-city", "UZ-TO-ohangaron"),
        ("UZ-TO-olmaliq-city", "UZ-TO-piskent"),
        ("UZ-TO-nurafshon-city", "UZ-TO-orta-chirchiq"),
    ]:
        town, around = by_code[city].geometry, by_code[district].geometry
        assert around.intersection(town).area < 1e-9 * town.area
        assert around.envelope.contains(town.representative_point())
        inside = town.representative_point()
        resolution = index.resolve(inside.y, inside.x)
        assert resolution.district is not None
        assert resolution.district.code == city


def test_reading_twice_gives_the_same_codes_and_digest(
    geo_dir: Path, boundaries: Boundaries
) -> None:
    again = read_boundaries(geo_dir)
    assert [d.code for d in again.districts] == [d.code for d in boundaries.districts]
    assert again.digest == boundaries.digest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kattakurgan city", "kattakurgan-city"),
        ("Rаmitan", "ramitan"),  # Cyrillic а
        ("Mirzo Ulug'bek", "mirzo-ulugbek"),
        ("Qoraqalpogʻiston", "qoraqalpogiston"),
        ("  Sharof  Rashidov ", "sharof-rashidov"),
    ],
)
def test_slug(text: str, expected: str) -> None:
    assert slug(text) == expected


def test_a_missing_folder_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(GeoDataError, match="DISPATCH_GEO_DATA_DIR"):
        read_boundaries(tmp_path / "nowhere")


def _copy(geo_dir: Path, target: Path) -> Path:
    shutil.copytree(geo_dir, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


def test_broken_json_names_the_file(geo_dir: Path, tmp_path: Path) -> None:
    folder = _copy(geo_dir, tmp_path / "geo")
    (folder / REGIONS_FILE).write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(GeoDataError, match=REGIONS_FILE):
        read_boundaries(folder)


def test_a_region_twice_or_without_iso_code_is_refused(geo_dir: Path, tmp_path: Path) -> None:
    folder = _copy(geo_dir, tmp_path / "geo")
    document = json.loads((folder / REGIONS_FILE).read_text())
    document["features"][1]["properties"]["shapeISO"] = document["features"][0]["properties"][
        "shapeISO"
    ]
    (folder / REGIONS_FILE).write_text(json.dumps(document))
    with pytest.raises(GeoDataError, match="appears twice"):
        read_boundaries(folder)
    document["features"][1]["properties"]["shapeISO"] = "XX"
    (folder / REGIONS_FILE).write_text(json.dumps(document))
    with pytest.raises(GeoDataError, match="not an ISO 3166-2 code"):
        read_boundaries(folder)
