"""Round trips over every combination of the optional parts added in revision 1.1.

The suite has no property-testing library, so the combinations are enumerated: each new part
absent, minimal or with every optional field, on the fullest and the emptiest card.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

import cardschema as cs

AT = datetime(2026, 11, 22, 9, 30, tzinfo=timezone(timedelta(hours=5)))

HANDOFFS: dict[str, cs.Handoff | None] = {
    "no handoff": None,
    "minimal handoff": cs.Handoff(at=AT, by="a", contact="X"),
    "full handoff": cs.Handoff(
        at=datetime(2026, 11, 22, 4, 30, 0, 1, tzinfo=UTC),
        by="u" * 64,
        contact="Qabul qiluvchi: <navbatchi> & “Aliyev”",
        note="n\r\n" * 333 + "n",
    ),
}

PROPOSED: dict[str, cs.ProposedLocation | None] = {
    "no proposal": None,
    "minimal proposal": cs.ProposedLocation(
        lat=0.0, lon=0.0, source=cs.LocationSource.AML, received_at=AT
    ),
    "full proposal": cs.ProposedLocation(
        lat=-89.999999999,
        lon=1e-7,
        radius_m=20_000_000.0,
        source=cs.LocationSource.NETWORK,
        received_at=AT.astimezone(timezone(timedelta(hours=-14))),
        positioned_at=AT.astimezone(timezone(timedelta(hours=14))) - timedelta(microseconds=1),
        method="M" * 32,
        region=cs.Place(code="UZ-TK", name="Toshkent shahri"),
        district=cs.Place(code="UZ-TK-YUNUSOBOD"),
    ),
}

CASES = list(itertools.product(["full_card", "minimal_card"], HANDOFFS, [False, True], PROPOSED))


def _variant(
    base: cs.Card,
    handoff: cs.Handoff | None,
    confirmed: bool,
    proposed: cs.ProposedLocation | None,
) -> cs.Card:
    services = base.services or (
        cs.RoutedService(code="104", status=cs.ServiceStatus.ROUTED, routed_at=AT),
    )
    return dataclasses.replace(
        base,
        location=dataclasses.replace(base.location, confirmed=confirmed),
        proposed_location=proposed,
        services=tuple(dataclasses.replace(s, handoff=handoff) for s in services),
    )


@pytest.mark.parametrize(("fixture", "handoff", "confirmed", "proposed"), CASES)
def test_every_combination_round_trips(
    fixture: str, handoff: str, confirmed: bool, proposed: str, request: pytest.FixtureRequest
) -> None:
    card = _variant(
        request.getfixturevalue(fixture), HANDOFFS[handoff], confirmed, PROPOSED[proposed]
    )
    data = cs.build(card)
    assert cs.parse(data) == card
    assert cs.build(cs.parse(data)) == data
    as_json = cs.card_to_dict(card)
    assert cs.card_from_dict(as_json) == card
    assert cs.card_from_dict(json.loads(json.dumps(as_json))) == card
    assert as_json["location"]["confirmed"] is confirmed
    assert (b"<confirmed>true</confirmed>" in data) is confirmed
    assert (b"<proposedLocation>" in data) is (PROPOSED[proposed] is not None)
    assert data.count(b"<handoff>") == (0 if HANDOFFS[handoff] is None else len(card.services))
