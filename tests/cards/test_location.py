"""The card's place: region and district from the point, by hand, and automatic positions
that never silently replace what the operator confirmed; routing picks the covering unit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import cardschema
from tests.calls.test_aml_api import FORM, form
from tests.cards.conftest import card_xml, new_call, new_card
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio

SAMARQAND = {"lat": 39.6542, "lon": 66.9597}
NUKUS = {"lat": 42.4619, "lon": 59.6003}
KABUL = {"lat": 34.5553, "lon": 69.2075}


async def _card_when(api: Api, card_id: str, check: Any) -> dict[str, Any]:
    """The card once ``check`` holds (events are applied after the commit, asynchronously)."""

    async def matching() -> dict[str, Any] | None:
        card: dict[str, Any] = (await api.get(f"/api/v1/cards/{card_id}", user="operator1")).json()
        return card if check(card) else None

    return await eventually(matching, what=f"card {card_id} in the expected state")


async def test_a_point_is_resolved_at_once_and_routing_picks_the_covering_unit(api: Api) -> None:
    call = await new_call(api, location={**SAMARQAND, "radius_m": 20, "source": "network"})
    card = await new_card(api, call_id=call["id"], incident={"type": "medical.stroke"})
    assert card["location"]["region"]["code"] == "UZ-SA"
    assert card["location"]["district"]["code"].startswith("UZ-SA-")
    assert card["location"]["confirmed"] is False
    routed = await api.post(f"/api/v1/cards/{card['id']}/route", user="operator1")
    assert routed.status_code == 200, routed.text
    (service,) = routed.json()["services"]
    assert service["code"] == "103"
    assert service["unit"]["code"] == "UZ-SA-103"
    assert "Samarkand" in service["unit"]["name"]
    parsed = cardschema.parse(await card_xml(api, card["id"]))
    assert parsed.services[0].unit is not None
    assert parsed.services[0].unit.code == "UZ-SA-103"


async def test_units_differ_by_region(api: Api) -> None:
    card = await new_card(
        api, location=NUKUS, incident={"type": "fire.residential", "hazards": ["smoke"]}
    )
    assert card["location"]["region"]["code"] == "UZ-QR"
    routed = await api.post(
        f"/api/v1/cards/{card['id']}/route", user="operator1", json={"services": ["101", "102"]}
    )
    assert [s["unit"]["code"] for s in routed.json()["services"]] == ["UZ-QR-101", "UZ-QR-102"]


async def test_an_unresolved_point_leaves_the_district_for_the_operator(api: Api) -> None:
    card = await new_card(api, location=KABUL, incident={"type": "crime.public_disorder"})
    assert card["location"]["region"] is None
    assert card["location"]["district"] is None
    assert card["location"]["source"] == "operator"
    chosen = await api.patch(
        f"/api/v1/cards/{card['id']}",
        user="operator1",
        json={"location": {"district": {"code": "UZ-TK-chilonzor"}}},
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["location"]["region"]["code"] == "UZ-TK"
    assert chosen.json()["location"]["district"]["name"] == "Chilonzor tumani"
    routed = await api.post(
        f"/api/v1/cards/{card['id']}/route", user="operator1", json={"services": ["102"]}
    )
    assert routed.json()["services"][0]["unit"]["code"] == "UZ-TK-102"


async def test_unknown_places_are_refused(api: Api, engine: AsyncEngine) -> None:
    card = await new_card(api)
    before = await fingerprint(engine)
    for location, fragment in (
        ({"district": {"code": "UZ-XX-nowhere"}}, "no district"),
        ({"region": {"code": "UZ-ZZ"}}, "no region"),
    ):
        response = await api.patch(
            f"/api/v1/cards/{card['id']}", user="operator1", json={"location": location}
        )
        assert response.status_code == 422
        assert fragment in response.json()["detail"]
    assert await fingerprint(engine) == before


async def test_aml_updates_an_unconfirmed_location_and_reaches_the_services(api: Api) -> None:
    call = await new_call(api, location={**SAMARQAND, "radius_m": 3000, "source": "network"})
    card = await new_card(api, call_id=call["id"], incident={"type": "medical.stroke"})
    await api.post(f"/api/v1/cards/{card['id']}/route", user="operator1")
    aml = await api.post(
        "/api/v1/aml/https",
        content=form(location_latitude="39.66000", location_longitude="66.97000"),
        headers=FORM,
    )
    assert aml.status_code == 201, aml.text
    updated = await _card_when(api, card["id"], lambda c: c["location"]["source"] == "aml")
    assert updated["location"]["lat"] == 39.66
    assert updated["location"]["confirmed"] is False
    assert updated["proposed_location"] is None
    deliveries = await api.get(f"/api/v1/feeds/deliveries?card_id={card['id']}", user="supervisor1")
    assert updated["version"] in {d["card_version"] for d in deliveries.json()}


async def test_aml_never_replaces_a_confirmed_location_it_is_proposed_beside_it(api: Api) -> None:
    call = await new_call(api)
    card = await new_card(api, call_id=call["id"])
    confirmed = await api.patch(
        f"/api/v1/cards/{card['id']}",
        user="operator1",
        json={"location": {**SAMARQAND, "address": "Registon maydoni"}},
    )
    assert confirmed.json()["location"]["confirmed"] is True
    aml = await api.post("/api/v1/aml/https", content=form(), headers=FORM)
    assert aml.status_code == 201, aml.text
    proposed = await _card_when(api, card["id"], lambda c: c["proposed_location"] is not None)
    assert proposed["location"]["lat"] == SAMARQAND["lat"]  # untouched
    assert proposed["location"]["confirmed"] is True
    assert proposed["proposed_location"]["source"] == "aml"
    assert proposed["proposed_location"]["method"]
    assert proposed["proposed_location"]["region"]["code"] == "UZ-SA"
    cardschema.parse(await card_xml(api, card["id"]))  # valid with the proposal
    accepted = await api.post(
        f"/api/v1/cards/{card['id']}/proposed-location/accept", user="operator1"
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["location"]["source"] == "aml"
    assert accepted.json()["location"]["confirmed"] is True
    assert accepted.json()["location"]["address"] == "Registon maydoni"
    assert accepted.json()["proposed_location"] is None
    again = await api.post(
        f"/api/v1/cards/{card['id']}/proposed-location/dismiss", user="operator1"
    )
    assert again.status_code == 409


async def test_an_aml_that_came_before_the_card_is_on_it_from_the_start(api: Api) -> None:
    aml = await api.post("/api/v1/aml/https", content=form(), headers=FORM)
    assert aml.status_code == 201
    call = await new_call(api)  # +998901234567, the same number as the AML form
    card = await new_card(api, call_id=call["id"])
    assert card["location"]["source"] == "aml"
    assert card["location"]["region"]["code"] == "UZ-SA"
