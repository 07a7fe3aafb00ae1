"""Revision 1.2's card fields over the API: structured address, caller conditions, persons and
vehicles are created, patched, cleared, versioned and refused with a clear 422."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import cardschema
from tests.cards.conftest import card_xml, new_card
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint

pytestmark = [
    pytest.mark.asyncio,
    # Field handling happens in Python before anything is stored: the same on both backends.
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

ADDRESS = {
    "street": "Bunyodkor shoh ko‘chasi",
    "house": "9",
    "building": "2",
    "entrance": "3",
    "floor": "5",
    "flat": "45",
    "mahalla": "Qatortol mahallasi",
    "landmark": "Chilonzor metrosi ro‘parasi",
}
VICTIM = {"role": "victim", "age": 71, "sex": "female", "condition": "boshidan qon ketmoqda"}
SUSPECT = {"role": "suspect", "age_band": "adult", "sex": "male", "description": "qora kurtka"}
CAR = {"role": "suspect", "plate": "01 A 777 BC", "make": "Chevrolet", "colour": "oq"}
NEW_KEYS = ("persons", "vehicles", "attachments", "incident_id")


def _person(data: dict[str, Any]) -> dict[str, Any]:
    fields = ("name", "age", "age_band", "sex", "condition", "description")
    return dict.fromkeys(fields) | data


def _vehicle(data: dict[str, Any]) -> dict[str, Any]:
    return dict.fromkeys(("plate", "make", "model", "colour", "description")) | data


async def test_a_card_is_created_with_the_new_fields_and_keeps_them(api: Api) -> None:
    card = await new_card(
        api,
        caller={"conditions": ["hearing_impaired", "child"], "condition_note": "faqat SMS"},
        location={"address": "Chilonzor, 9-kvartal", "structured_address": ADDRESS},
        incident={"type": "road.pedestrian_hit"},
        persons=[VICTIM, SUSPECT],
        vehicles=[CAR],
    )
    assert card["caller"]["conditions"] == ["hearing_impaired", "child"]
    assert card["caller"]["condition_note"] == "faqat SMS"
    assert card["location"]["structured_address"] == ADDRESS
    assert card["location"]["address"] == "Chilonzor, 9-kvartal"
    assert card["persons"] == [_person(VICTIM), _person(SUSPECT)]
    assert card["vehicles"] == [_vehicle(CAR)]
    read = await api.get(f"/api/v1/cards/{card['id']}", user="operator1")
    assert read.status_code == 200
    assert read.json() == card
    parsed = cardschema.parse(await card_xml(api, card["id"]))
    assert parsed.persons[0].age == 71
    assert parsed.vehicles[0].plate == "01 A 777 BC"
    assert parsed.location.structured_address == cardschema.StructuredAddress(**ADDRESS)
    assert parsed.caller.conditions == (
        cardschema.CallerCondition.HEARING_IMPAIRED,
        cardschema.CallerCondition.CHILD,
    )


async def test_a_card_without_them_has_none_of_the_new_keys(api: Api) -> None:
    card = await new_card(api, location={"address": "Samarqand"})
    for key in NEW_KEYS:
        assert key not in card
    assert "conditions" not in card["caller"]
    assert "structured_address" not in card["location"]
    assert b"persons" not in await card_xml(api, card["id"])


async def test_patches_change_part_by_part_and_each_is_a_version(api: Api) -> None:
    card = await new_card(api, location={"structured_address": ADDRESS}, persons=[VICTIM])
    url = f"/api/v1/cards/{card['id']}"
    changed = await api.patch(
        url,
        user="operator1",
        json={
            "location": {"structured_address": {"flat": "46", "landmark": None}},
            "caller": {"conditions": ["cannot_speak", "cannot_speak", "child"]},
            "persons": [SUSPECT],
            "vehicles": [CAR, {"role": "involved"}],
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["location"]["structured_address"] == ADDRESS | {"flat": "46", "landmark": None}
    assert body["caller"]["conditions"] == ["cannot_speak", "child"]
    assert body["persons"] == [_person(SUSPECT)]
    assert len(body["vehicles"]) == 2
    history = (await api.get(f"{url}/history", user="operator1")).json()
    assert history[-1]["change"] == "update"
    assert history[-1]["detail"]["fields"] == [
        "caller.conditions",
        "location.structured_address.flat",
        "location.structured_address.landmark",
        "persons",
        "vehicles",
    ]
    cleared = await api.patch(
        url,
        user="operator1",
        json={
            "persons": None,
            "vehicles": [],
            "caller": {"conditions": None},
            "location": {"structured_address": dict.fromkeys(ADDRESS)},
        },
    )
    assert cleared.status_code == 200, cleared.text
    for key in NEW_KEYS:
        assert key not in cleared.json()
    assert "conditions" not in cleared.json()["caller"]
    assert "structured_address" not in cleared.json()["location"]
    await card_xml(api, card["id"])


async def test_a_caller_sent_as_null_clears_the_conditions(api: Api) -> None:
    card = await new_card(api, caller={"conditions": ["child"], "condition_note": "8 yosh"})
    cleared = await api.patch(
        f"/api/v1/cards/{card['id']}", user="operator1", json={"caller": None}
    )
    assert cleared.status_code == 200, cleared.text
    assert "conditions" not in cleared.json()["caller"]
    assert "condition_note" not in cleared.json()["caller"]


BAD: list[tuple[dict[str, Any], str]] = [
    ({"persons": [{"role": "victim", "age": 131}]}, "age"),
    ({"persons": [{"role": "victim", "age": -1}]}, "age"),
    ({"persons": [{"role": "victim", "age": 30, "age_band": "adult"}]}, "not both"),
    ({"persons": [{"role": "bystander"}]}, "role"),
    ({"persons": [{"age": 5}]}, "role"),
    ({"persons": [{"role": "victim", "name": ""}]}, "name"),
    ({"persons": [{"role": "victim", "blood_type": "A"}]}, "blood_type"),
    ({"persons": [{"role": "witness"}] * 51}, "persons"),
    ({"vehicles": [{"role": "involved", "plate": "X" * 21}]}, "plate"),
    ({"vehicles": [{"role": "involved"}] * 21}, "vehicles"),
    ({"vehicles": [{"role": "stolen"}]}, "role"),
    ({"caller": {"conditions": ["drunk"]}}, "conditions"),
    ({"caller": {"condition_note": "x" * 1001}}, "condition_note"),
    ({"location": {"structured_address": {"flat": "1" * 33}}}, "flat"),
    ({"location": {"structured_address": {"street": ""}}}, "street"),
    ({"location": {"structured_address": {"block": "A"}}}, "block"),
    ({"location": {"structured_address": {"floor": "3\x01"}}}, "U+0001"),
    ({"attachments": []}, "attachments"),
    ({"incident_id": "5e0b7d4c-2a1f-4c3b-9e8d-7f6a5b4c3d2e"}, "incident_id"),
    ({"links": [{"card_id": "5e0b7d4c-2a1f-4c3b-9e8d-7f6a5b4c3d2e", "kind": "parent"}]}, "links"),
]


@pytest.mark.parametrize(("body", "fragment"), BAD, ids=[str(i) for i in range(len(BAD))])
async def test_bad_new_fields_are_a_clear_422_and_change_nothing(
    api: Api, engine: AsyncEngine, body: dict[str, Any], fragment: str
) -> None:
    card = await new_card(api, persons=[VICTIM])
    before = await fingerprint(engine)
    for method, url in (
        ("PATCH", f"/api/v1/cards/{card['id']}"),
        ("POST", "/api/v1/cards"),
    ):
        response = await api.request(method, url, user="operator1", json=body)
        assert response.status_code in (400, 422), response.text
        refusal = response.json()
        assert refusal["code"]
        assert fragment in response.text
    assert await fingerprint(engine) == before
