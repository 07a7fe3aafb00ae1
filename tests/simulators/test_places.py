"""Caller positions are drawn inside real district outlines."""

from __future__ import annotations

import json
import random
from pathlib import Path

from shapely.geometry import Point

from simulators.places import PlaceSampler, districts_from_geojson, point_in

GEO = Path(__file__).resolve().parents[3] / "shared" / "data" / "geo"


def _tashkent() -> dict[str, object]:
    text = (GEO / "tashkent_city_districts_akbartus_osm.geojson").read_text(encoding="utf-8")
    collection: dict[str, object] = json.loads(text)
    return collection


def test_points_fall_inside_the_district_they_were_drawn_in() -> None:
    districts = districts_from_geojson(_tashkent())
    assert len(districts) >= 10
    rng = random.Random(4)
    by_code = {d.code: d for d in districts}
    sampler = PlaceSampler(districts, rng)
    for _ in range(300):
        place = sampler.draw()
        assert by_code[place.district].outline.contains(Point(place.lon, place.lat))
    assert len({sampler.draw().district for _ in range(300)}) > len(districts) // 2


def test_weights_choose_the_districts() -> None:
    districts = districts_from_geojson(_tashkent())
    only = districts[0].code
    sampler = PlaceSampler(districts, random.Random(1), weights={only: 1.0})
    assert {sampler.draw().district for _ in range(50)} == {only}


def test_a_seed_reproduces_the_points() -> None:
    district = districts_from_geojson(_tashkent())[3]
    first = [point_in(district, random.Random(9)) for _ in range(3)]
    assert first == [point_in(district, random.Random(9)) for _ in range(3)]
