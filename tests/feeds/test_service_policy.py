"""Which of revision 1.2's card fields each service receives (dispatch/feeds/policy.py, the
table in dispatch/README.md): the policy on cards, and a service's feeds lacking what it must
not get (pull, webhook, EIDO)."""

from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import cardschema as cs
from dispatch.core.database import session_factory
from dispatch.core.settings import Settings
from dispatch.feeds import payloads, policy
from dispatch.feeds.delivery import signature
from tests.feeds.conftest import Receiver, routed_card, service_key
from tests.feeds.test_eido import example
from tests.fixtures.api import Api, running_api
from tests.fixtures.waiting import eventually

README = Path(__file__).resolve().parents[2] / "dispatch" / "README.md"
EXAMPLE = "102-103-pedestrian-hit-toshkent.xml"
P = cs.PersonRole


def _sensitive(card: cs.Card, incident_type: str = "violence.domestic") -> cs.Card:
    return dataclasses.replace(
        card, incident=dataclasses.replace(card.incident, type=incident_type)
    )


def test_the_table_in_the_readme_is_the_policy() -> None:
    text = README.read_text()
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \| (\w+) \| (\w+) \| (\w+) \|$", text, re.M)
    table = {
        code: (persons.strip(), vehicles, attachments, conditions)
        for code, persons, vehicles, attachments, conditions in rows
    }
    expected = {
        code: (share.persons.value, *("yes" if x else "no" for x in dataclasses.astuple(share)[1:]))
        for code, share in [*policy.SHARES.items(), ("other", policy.OTHER_SERVICE)]
    }
    assert table == expected
    assert "`violence`" in text
    sentence = "persons, the caller's conditions and attachments only to 102 and 1146"
    assert sentence in " ".join(text.split())


def test_police_and_the_crisis_line_get_everything() -> None:
    card = example(EXAMPLE)
    for code in ("102", "1146"):
        assert policy.card_for_service(card, code) is card
        assert policy.card_for_service(_sensitive(card), code) == _sensitive(card)


def test_the_ambulance_gets_victims_without_names_and_no_vehicles() -> None:
    card = dataclasses.replace(
        example(EXAMPLE),
        persons=(
            cs.Person(role=P.VICTIM, name="Malika", age=7, sex=cs.Sex.FEMALE, condition="og‘ir"),
            cs.Person(role=P.SUSPECT, name="Botir", description="qora kurtka"),
            cs.Person(role=P.VICTIM, age_band=cs.AgeBand.ELDERLY, description="ko‘k palto"),
        ),
    )
    shown = policy.card_for_service(card, "103")
    assert shown.persons == (
        cs.Person(role=P.VICTIM, age=7, sex=cs.Sex.FEMALE, condition="og‘ir"),
        cs.Person(role=P.VICTIM, age_band=cs.AgeBand.ELDERLY),
    )
    assert shown.vehicles == ()
    assert shown.attachments == card.attachments
    assert shown.caller.conditions == card.caller.conditions
    assert shown.location.structured_address == card.location.structured_address
    assert (shown.incident_id, shown.links) == (card.incident_id, card.links)
    # The 1.1 fields are unchanged: the caller's name and number go to every service.
    assert shown.caller.name == card.caller.name


@pytest.mark.parametrize("code", ["101", "104"])
def test_fire_and_gas_get_every_person_without_names(code: str) -> None:
    card = example(EXAMPLE)
    shown = policy.card_for_service(card, code)
    assert [p.role for p in shown.persons] == [p.role for p in card.persons]
    assert all(p.name is None and p.description is None for p in shown.persons)
    assert [(p.age, p.age_band, p.sex, p.condition) for p in shown.persons] == [
        (p.age, p.age_band, p.sex, p.condition) for p in card.persons
    ]
    assert shown.vehicles == card.vehicles
    assert shown.caller.conditions == card.caller.conditions


def test_a_service_outside_the_table_gets_the_address_but_no_persons() -> None:
    card = example(EXAMPLE)
    shown = policy.card_for_service(card, "105")
    assert (shown.persons, shown.vehicles, shown.attachments) == ((), (), ())
    assert shown.caller.conditions == card.caller.conditions
    assert shown.location == card.location


@pytest.mark.parametrize("code", ["101", "103", "104", "105"])
def test_a_violence_card_keeps_persons_conditions_and_files_for_police_and_1146(
    code: str,
) -> None:
    card = _sensitive(example(EXAMPLE))
    shown = policy.card_for_service(card, code)
    assert (shown.persons, shown.attachments) == ((), ())
    assert (shown.caller.conditions, shown.caller.condition_note) == ((), None)
    assert shown.location == card.location
    assert shown.incident == card.incident  # the number of victims and the description stay


def test_a_card_routed_to_the_crisis_line_is_sensitive() -> None:
    card = _sensitive(example(EXAMPLE), "mental_health.suicide_risk")
    assert not policy.is_sensitive(card)
    crisis = dataclasses.replace(
        card,
        services=(
            *card.services,
            cs.RoutedService(
                code="1146", status=cs.ServiceStatus.ROUTED, routed_at=card.updated_at
            ),
        ),
    )
    assert policy.is_sensitive(crisis)
    assert policy.card_for_service(crisis, "103").persons == ()
    assert policy.card_for_service(crisis, "1146") is crisis


def test_a_card_without_the_governed_fields_is_the_same_for_everyone() -> None:
    for name in ("101-fire-samarqand.xml", "1146-crisis-line-andijon.xml"):
        card = example(name)
        for code in ("101", "102", "103", "104", "1146", "105"):
            assert policy.card_for_service(card, code) is card
            xml = cs.build(card).decode()
            assert payloads.for_service(code, xml) is xml


def test_the_xml_sent_is_the_reduced_card_and_valid() -> None:
    card = example(EXAMPLE)
    xml = cs.build(card).decode()
    for code in ("101", "102", "103", "105"):
        sent = payloads.for_service(code, xml)
        assert cs.parse(sent.encode()) == policy.card_for_service(card, code)
    assert "Sardor Aliyev</name>\n      <age>" in xml
    assert "<name>Sardor Aliyev</name>\n      <age>" not in payloads.for_service("103", xml)
    assert "01 A 777 BC" not in payloads.for_service("103", xml)
    assert "01 A 777 BC" in payloads.for_service("101", xml)


PERSONS: list[dict[str, Any]] = [
    {"role": "victim", "name": "Dilnoza Karimova", "age": 34, "sex": "female", "condition": "qon"},
    {"role": "suspect", "name": "Jamshid Tolipov", "description": "qora kurtka"},
]
CONDITIONS = {"conditions": ["cannot_speak"], "condition_note": "Qo‘shni xonada"}


async def _violence_card(api: Api) -> dict[str, object]:
    return await routed_card(
        api,
        ["102", "103"],
        incident={"type": "violence.domestic", "victims": 1},
        persons=PERSONS,
        caller=CONDITIONS,
        vehicles=[{"role": "suspect", "plate": "10 B 555 AA"}],
    )


@pytest.mark.asyncio
async def test_the_pulled_feed_lacks_what_the_service_must_not_get(api: Api) -> None:
    card = await _violence_card(api)
    pulled = {}
    for code in ("102", "103"):
        page = await api.get(f"/api/v1/feeds/{code}/cards", headers=await service_key(api, code))
        assert page.status_code == 200, page.text
        [item] = [i for i in page.json()["items"] if i["card_id"] == card["id"]]
        pulled[code] = item["xml"]
    police = cs.parse(pulled["102"].encode())
    assert [p.name for p in police.persons] == ["Dilnoza Karimova", "Jamshid Tolipov"]
    assert police.caller.conditions == (cs.CallerCondition.CANNOT_SPEAK,)
    ambulance = cs.parse(pulled["103"].encode())
    assert ambulance.persons == ()
    assert ambulance.caller.conditions == ()
    assert ambulance.vehicles == ()
    for secret in ("Dilnoza", "Jamshid", "cannot_speak", "Qo‘shni xonada", "10 B 555 AA"):
        assert secret not in pulled["103"]
    assert ambulance.incident.victims == 1


@pytest.mark.asyncio
async def test_the_eido_a_service_gets_lacks_it_too(api: Api, engine: AsyncEngine) -> None:
    card = await _violence_card(api)
    key = (uuid.UUID(str(card["id"])), int(str(card["version"])))
    async with session_factory(engine)() as session, session.begin():
        police = await payloads.eido_for(session, [key], now=datetime.now(UTC), service="102")
        ambulance = await payloads.eido_for(session, [key], now=datetime.now(UTC), service="103")
    assert "Dilnoza Karimova" in str(police[key])
    assert "vehicleComponent" in police[key]
    text = str(ambulance[key])
    for secret in ("Dilnoza", "Jamshid", "cannot_speak", "10 B 555 AA"):
        assert secret not in text
    assert ambulance[key]["$id"] == police[key]["$id"]
    # The kept EIDO is the whole card's, for the next subscriber that may see it.
    async with session_factory(engine)() as session, session.begin():
        again = await payloads.eido_for(session, [key], now=datetime.now(UTC), service="102")
    assert again == police


@pytest.mark.asyncio
async def test_a_webhook_gets_the_reduced_card_signed(
    settings: Settings, receivers: list[Receiver]
) -> None:
    police, ambulance = receivers
    secrets = {"102": "police-secret-0123456789", "103": "ambulance-secret-0123456789"}
    async with running_api(settings) as api:
        for code, receiver in (("102", police), ("103", ambulance)):
            response = await api.patch(
                f"/api/v1/services/{code}",
                user="admin",
                json={"webhook_url": receiver.url, "webhook_secret": secrets[code]},
            )
            assert response.status_code == 200, response.text
        await _violence_card(api)
        await eventually(
            lambda: bool(police.bodies()) and bool(ambulance.bodies()), what="both receiving"
        )
    [to_police], [to_ambulance] = police.bodies(), ambulance.bodies()
    assert b"Dilnoza Karimova" in to_police.body
    assert b"Dilnoza" not in to_ambulance.body
    assert b"cannot_speak" not in to_ambulance.body
    assert to_ambulance.headers["X-Signature"] == signature(to_ambulance.body, secrets["103"])
    assert cs.parse(to_ambulance.body).persons == ()
