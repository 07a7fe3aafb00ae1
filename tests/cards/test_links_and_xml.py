"""Links between cards, and cards that arrive as XML (validated, hardened)."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import cardschema
from tests.cards.conftest import card_xml, new_card
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint

pytestmark = pytest.mark.asyncio

XML = {"Content-Type": "application/xml"}
EXAMPLES = Path(cardschema.__file__).parent / "examples"


async def test_linking_shows_on_both_cards_and_allows_closing_as_duplicate(api: Api) -> None:
    first = await new_card(api)
    second = await new_card(api, user="operator2")
    linked = await api.post(
        f"/api/v1/cards/{second['id']}/links",
        user="operator2",
        json={"card_id": first["id"], "kind": "duplicate"},
    )
    assert linked.status_code == 201, linked.text
    assert linked.json()["links"] == [
        {"card_id": first["id"], "number": first["number"], "kind": "duplicate"}
    ]
    other_side = await api.get(f"/api/v1/cards/{first['id']}", user="operator1")
    assert other_side.json()["links"][0]["card_id"] == second["id"]
    assert other_side.json()["version"] == 2
    again = await api.post(
        f"/api/v1/cards/{first['id']}/links",
        user="operator1",
        json={"card_id": second["id"], "kind": "related"},
    )
    assert again.status_code == 409
    closed = await api.post(
        f"/api/v1/cards/{second['id']}/close", user="operator2", json={"outcome": "duplicate"}
    )
    assert closed.status_code == 200
    await card_xml(api, first["id"])
    await card_xml(api, second["id"])


def _example_card() -> cardschema.Card:
    path = sorted((EXAMPLES / "valid").glob("*.xml"))[0]
    card = cardschema.parse(path.read_bytes())
    # A fresh identity so the import does not clash with other tests' cards.
    return dataclasses.replace(card, id=uuid.uuid4(), number="112-20261122-900001", call_id=None)


# What the server records itself when it happens, never taken from an imported document.
PROVENANCE = ("operator_id", "supervisor_id", "services", "callbacks", "notes")


async def test_a_valid_xml_card_is_accepted_as_it_is(api: Api) -> None:
    card = _example_card()
    response = await api.post(
        "/api/v1/cards", user="supervisor1", content=cardschema.build(card), headers=XML
    )
    assert response.status_code == 201, response.text
    stored = await api.get(f"/api/v1/cards/{card.id}", user="supervisor1")
    assert stored.json()["number"] == card.number
    kept = cardschema.parse(await card_xml(api, str(card.id), "supervisor1"))
    assert dataclasses.replace(kept, **{name: getattr(card, name) for name in PROVENANCE}) == card
    assert [s.code for s in kept.services] == [s.code for s in card.services]
    assert [n.text for n in kept.notes[: len(card.notes)]] == [n.text for n in card.notes]
    clash = await api.post(
        "/api/v1/cards", user="supervisor1", content=cardschema.build(card), headers=XML
    )
    assert clash.status_code == 409


async def test_an_imported_card_cannot_claim_who_did_what(api: Api) -> None:
    # A document naming another operator, a status no service reported, a hand-off, callback
    # attempts and notes by others: the server writes these itself, so it replaces each claim
    # and says so on the card and in its history.
    card = _example_card()
    claimed = cardschema.RoutedService(
        code="102",
        status=cardschema.ServiceStatus.COMPLETED,
        routed_at=card.created_at,
        history=(
            cardschema.StatusChange(
                status=cardschema.ServiceStatus.COMPLETED, at=card.created_at, by="svc102"
            ),
        ),
        handoff=cardschema.Handoff(at=card.created_at, by="operator2", contact="duty officer"),
    )
    forged = dataclasses.replace(
        card,
        operator_id="operator2",
        supervisor_id="supervisor2",
        services=(claimed,),
        callbacks=(
            cardschema.CallbackAttempt(
                attempt=1,
                at=card.created_at,
                outcome=next(iter(cardschema.CallbackOutcome)),
                operator_id="operator2",
            ),
        ),
        notes=(cardschema.Note(at=card.created_at, author="operator2", text="caller calm"),),
    )
    response = await api.post(
        "/api/v1/cards", user="operator1", content=cardschema.build(forged), headers=XML
    )
    assert response.status_code == 201, response.text
    stored = cardschema.parse(await card_xml(api, str(card.id)))
    assert stored.operator_id == "operator1"
    assert stored.supervisor_id is None
    (service,) = stored.services
    assert service.status is cardschema.ServiceStatus.ROUTED
    assert [(c.status, c.by) for c in service.history] == [
        (cardschema.ServiceStatus.ROUTED, "operator1")
    ]
    assert service.handoff is None
    assert stored.callbacks == ()
    assert {n.author for n in stored.notes} == {"operator1"}
    assert stored.notes[0].text == "caller calm"
    told = stored.notes[-1].text
    for claim in ("operatorId operator2", "supervisorId supervisor2", "service 102 (completed)"):
        assert claim in told
    assert "hand-off" in told
    assert "1 callback attempt" in told
    assert "notes (operator2)" in told
    versions = await api.get(f"/api/v1/cards/{card.id}/history", user="operator1")
    assert versions.status_code == 200, versions.text
    (first,) = versions.json()
    assert len(first["detail"]["replaced"]) == 6


BAD_XML: list[tuple[str, bytes, int, str]] = [
    ("malformed", b"<callCard xmlns='urn:uz:112:call-card:1'><number>", 422, "line"),
    (
        "dtd with entity",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
        b"<callCard xmlns='urn:uz:112:call-card:1'>&lol;</callCard>",
        422,
        "DTD",
    ),
    (
        "external entity",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<callCard xmlns='urn:uz:112:call-card:1'>&xxe;</callCard>",
        422,
        "DTD",
    ),
    ("wrong namespace", b"<callCard xmlns='urn:example:other'/>", 422, "urn:uz:112:call-card:1"),
    (
        "schema violation",
        b"<callCard xmlns='urn:uz:112:call-card:1' schemaVersion='1'><number>x</number></callCard>",
        422,
        "line 1",
    ),
]


@pytest.mark.parametrize(
    ("name", "body", "status", "fragment"), BAD_XML, ids=[c[0] for c in BAD_XML]
)
async def test_bad_xml_is_refused_with_the_reason(
    api: Api, engine: AsyncEngine, name: str, body: bytes, status: int, fragment: str
) -> None:
    before = await fingerprint(engine)
    response = await api.post("/api/v1/cards", user="operator1", content=body, headers=XML)
    assert response.status_code == status, response.text
    assert fragment in response.json()["detail"], name
    assert "root:" not in response.text  # no /etc/passwd content ever echoed
    assert await fingerprint(engine) == before


async def test_an_oversized_xml_card_is_refused_before_parsing(
    api: Api, engine: AsyncEngine
) -> None:
    before = await fingerprint(engine)
    body = b"<callCard xmlns='urn:uz:112:call-card:1'>" + b" " * cardschema.MAX_CARD_BYTES
    response = await api.post("/api/v1/cards", user="operator1", content=body, headers=XML)
    assert response.status_code == 413
    assert str(cardschema.MAX_CARD_BYTES) in response.json()["detail"]
    assert await fingerprint(engine) == before


async def test_imported_card_with_unknown_parts_is_refused(api: Api, engine: AsyncEngine) -> None:
    card = _example_card()
    unknown_type = dataclasses.replace(
        card, incident=dataclasses.replace(card.incident, type="alien.invasion")
    )
    before = await fingerprint(engine)
    cases: list[tuple[cardschema.Card, str]] = [(unknown_type, "unknown incident type")]
    if card.services:
        strange = dataclasses.replace(card.services[0], code="9999")
        cases.append((dataclasses.replace(card, services=(strange,)), "unknown service"))
    for bad, fragment in cases:
        response = await api.post(
            "/api/v1/cards", user="operator1", content=cardschema.build(bad), headers=XML
        )
        assert response.status_code == 422
        assert fragment in response.json()["detail"]
    assert await fingerprint(engine) == before


async def test_every_emitted_card_validates_after_each_step(api: Api) -> None:
    card = await new_card(api, incident={"type": "gas.smell_indoors", "hazards": ["gas_smell"]})
    steps: list[tuple[str, str, dict[str, Any] | None]] = [
        (
            "PATCH",
            "",
            {
                "location": {
                    "address": "Toshkent, Chilonzor 9-kvartal",
                    "district": {"code": "UZ-TK-chilonzor"},
                }
            },
        ),
        ("POST", "/notes", {"text": "Подъезд 3, запах газа на 4 этаже"}),
        ("POST", "/route", None),
        ("POST", "/close", {"outcome": "dispatched", "note": "104 va 101 xabardor qilindi"}),
    ]
    for method, suffix, body in steps:
        kwargs: dict[str, Any] = {} if body is None else {"json": body}
        response = await api.request(
            method, f"/api/v1/cards/{card['id']}{suffix}", user="operator1", **kwargs
        )
        assert response.status_code in (200, 201), response.text
        await card_xml(api, card["id"])
    final = cardschema.parse(await card_xml(api, card["id"]))
    assert [s.code for s in final.services] == ["104", "101"]
