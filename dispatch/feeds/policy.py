"""Which of the card's revision 1.2 fields each service receives: the table is ``SHARES``.

Every service gets the structured address, the incident id and the links (it must find the
place and know which cards are one incident). Persons, vehicles, attachments and the caller's
conditions go by the table. A *sensitive* card — an incident type of a category in
``SENSITIVE_CATEGORIES`` (violence) or a card routed to a service in ``SENSITIVE_SERVICES``
(1146, the women's crisis and suicide prevention line) — gives its persons, the caller's
conditions and its attachments only to the ``CONFIDANTS`` (102 police, 1146); the others keep
what 1.1 gave them (the number of victims, the description) and the address. A service not in
the table gets neither persons, vehicles nor attachments. The fields of revision 1.1 (the
caller's name and number among them) go to every service as before.

Revision 1.3's protocol records go by ``PROTOCOL_SHARES``: a first-aid protocol's answers and
instructions (health data) only to 103, a summary (code, version, determinant, override,
escalation) to 101, 102, 104 and 1146; a *crisis* protocol (``CRISIS_PROTOCOLS``: the
suicide-risk screen, domestic violence, psychological first aid; or any record whose determinant
found a risk level) in full to 1146, 103 and 102 and to no one else. On a sensitive card —
which a crisis protocol also makes one — the services outside ``PROTOCOL_CONFIDANTS`` (102,
103, 1146) get no protocol at all.

``card_for_service`` applies it to a card; it returns the very card when nothing is withheld,
so a card without these fields is sent to every service unchanged.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import cardschema
from cardschema import PersonRole


class PersonDetail(enum.StrEnum):
    """How much of the card's persons a service receives."""

    FULL = "full"  # every person and every field, names included
    NO_NAMES = "no_names"  # every person's role, age or age band, sex and condition
    VICTIMS = "victims"  # victims only: age or age band, sex and condition
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Share:
    """What one service receives of the fields the table governs."""

    persons: PersonDetail
    vehicles: bool
    attachments: bool
    conditions: bool  # the caller's conditions and their note


_P = PersonDetail
SHARES: Mapping[str, Share] = MappingProxyType(
    {
        "101": Share(_P.NO_NAMES, vehicles=True, attachments=True, conditions=True),
        "102": Share(_P.FULL, vehicles=True, attachments=True, conditions=True),
        "103": Share(_P.VICTIMS, vehicles=False, attachments=True, conditions=True),
        "104": Share(_P.NO_NAMES, vehicles=True, attachments=True, conditions=True),
        "1146": Share(_P.FULL, vehicles=True, attachments=True, conditions=True),
    }
)
OTHER_SERVICE = Share(_P.NONE, vehicles=False, attachments=False, conditions=True)
SENSITIVE_CATEGORIES = frozenset({"violence"})
SENSITIVE_SERVICES = frozenset({"1146"})
CONFIDANTS = frozenset({"102", "1146"})


class ProtocolDetail(enum.StrEnum):
    """How much of a protocol walked on the card a service receives (revision 1.3)."""

    FULL = "full"  # every answer and instruction, the determinant, override and escalation
    SUMMARY = "summary"  # the protocol, determinant, override and escalation; no answers
    NONE = "none"


@dataclass(frozen=True, slots=True)
class ProtocolShare:
    """What one service receives of first-aid protocols and of crisis protocols."""

    first_aid: ProtocolDetail
    crisis: ProtocolDetail


_D = ProtocolDetail
PROTOCOL_SHARES: Mapping[str, ProtocolShare] = MappingProxyType(
    {
        "101": ProtocolShare(_D.SUMMARY, _D.NONE),
        "102": ProtocolShare(_D.SUMMARY, _D.FULL),
        "103": ProtocolShare(_D.FULL, _D.FULL),
        "104": ProtocolShare(_D.SUMMARY, _D.NONE),
        "1146": ProtocolShare(_D.SUMMARY, _D.FULL),
    }
)
OTHER_PROTOCOL_SHARE = ProtocolShare(_D.NONE, _D.NONE)
# The suicide-risk screen (dispatch/protocols/seeds/suicide_risk_screen.yaml); a new crisis
# protocol is added here. A record whose determinant found a risk level counts as one too.
CRISIS_PROTOCOLS = frozenset(
    {"suicide_risk_screen", "domestic_violence", "psychological_first_aid"}
)
PROTOCOL_CONFIDANTS = frozenset({"102", "103", "1146"})


def is_crisis(record: cardschema.ProtocolRecord) -> bool:
    """Tell whether a protocol record is a crisis screen (by its code, or its risk level)."""
    found = record.determinant
    return record.code in CRISIS_PROTOCOLS or (found is not None and found.risk is not None)


def is_sensitive(card: cardschema.Card) -> bool:
    """Tell whether the card is about violence, was routed to the crisis line or had a crisis
    protocol walked on it."""
    category = (card.incident.type or "").split(".", 1)[0]
    return (
        category in SENSITIVE_CATEGORIES
        or any(service.code in SENSITIVE_SERVICES for service in card.services)
        or any(is_crisis(record) for record in card.protocols)
    )


def share_for(card: cardschema.Card, service_code: str) -> Share:
    """What ``service_code`` receives of this card."""
    share = SHARES.get(service_code, OTHER_SERVICE)
    if service_code not in CONFIDANTS and is_sensitive(card):
        share = dataclasses.replace(share, persons=_P.NONE, attachments=False, conditions=False)
    return share


def _persons(
    persons: tuple[cardschema.Person, ...], detail: PersonDetail
) -> tuple[cardschema.Person, ...]:
    if detail is _P.FULL:
        return persons
    if detail is _P.NONE:
        return ()
    kept = persons if detail is _P.NO_NAMES else [p for p in persons if p.role is PersonRole.VICTIM]
    return tuple(
        cardschema.Person(
            role=person.role,
            age=person.age,
            age_band=person.age_band,
            sex=person.sex,
            condition=person.condition,
        )
        for person in kept
    )


def protocol_share_for(card: cardschema.Card, service_code: str) -> ProtocolShare:
    """What ``service_code`` receives of this card's protocols."""
    if service_code not in PROTOCOL_CONFIDANTS and is_sensitive(card):
        return OTHER_PROTOCOL_SHARE
    return PROTOCOL_SHARES.get(service_code, OTHER_PROTOCOL_SHARE)


def _protocols(card: cardschema.Card, service_code: str) -> tuple[cardschema.ProtocolRecord, ...]:
    share = protocol_share_for(card, service_code)
    kept = []
    for record in card.protocols:
        detail = share.crisis if is_crisis(record) else share.first_aid
        if detail is _D.FULL:
            kept.append(record)
        elif detail is _D.SUMMARY:
            kept.append(dataclasses.replace(record, answers=(), instructions=()))
    return tuple(kept)


def card_for_service(card: cardschema.Card, service_code: str) -> cardschema.Card:
    """The card as ``service_code`` receives it (the card itself when nothing is withheld)."""
    share = share_for(card, service_code)
    caller = card.caller
    if not share.conditions:
        caller = dataclasses.replace(caller, conditions=(), condition_note=None)
    shown = dataclasses.replace(
        card,
        caller=caller,
        persons=_persons(card.persons, share.persons),
        vehicles=card.vehicles if share.vehicles else (),
        attachments=card.attachments if share.attachments else (),
        protocols=_protocols(card, service_code),
    )
    return card if shown == card else shown
