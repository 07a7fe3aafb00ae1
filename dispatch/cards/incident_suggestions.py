"""Incident suggestions while a card is filled (issue 23): the open incidents it may be about.

Suggestions are the incidents of the last ``window`` whose head or a member is within
``radius_m`` of the card's point, or in the same district at a similar address, and of a
compatible type (``COMPATIBLE``); cards closed as no incident (misdial, hoax, ...) and merged
cards are never suggested. The incident model is in ``incidents.py``.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cardschema import Card, LinkKind, Outcome
from dispatch.audit import service as audit
from dispatch.cards import store
from dispatch.cards.models import CardRow
from dispatch.core.actor import Actor
from dispatch.geo.index import haversine_m

# Incident categories that may be the same incident seen by different callers: a caller may
# report the fire, another the gas smell, a third the injured neighbour. Sensitive categories
# (violence, mental health) only ever meet their own kind.
COMPATIBLE: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "fire": frozenset({"fire", "gas", "rescue", "hazmat", "medical", "natural", "other"}),
        "gas": frozenset({"gas", "fire", "hazmat", "medical", "utility", "other"}),
        "rescue": frozenset({"rescue", "fire", "road", "natural", "medical", "other"}),
        "road": frozenset({"road", "rescue", "medical", "fire", "other"}),
        "medical": frozenset({"medical", "road", "rescue", "fire", "gas", "natural", "other"}),
        "crime": frozenset({"crime", "violence", "other"}),
        "violence": frozenset({"violence", "crime"}),
        "natural": frozenset({"natural", "rescue", "fire", "gas", "utility", "medical", "other"}),
        "utility": frozenset({"utility", "gas", "natural", "other"}),
        "hazmat": frozenset({"hazmat", "fire", "gas", "medical", "other"}),
        "missing": frozenset({"missing", "other"}),
        "mental_health": frozenset({"mental_health"}),
        "animal": frozenset({"animal", "other"}),
        "other": frozenset(
            {"fire", "gas", "rescue", "road", "medical", "crime", "natural", "utility"}
            | {"hazmat", "missing", "animal", "other"}
        ),
        "info": frozenset(),
    }
)
# A card without a type yet meets every category that is not sensitive.
UNTYPED_MEETS: frozenset[str] = COMPATIBLE["other"]

# Cards that say there was no incident are never an incident to join.
NOT_AN_INCIDENT: frozenset[Outcome] = frozenset(
    {Outcome.MISDIAL, Outcome.TEST_CALL, Outcome.HOAX, Outcome.SILENT_CALL, Outcome.FALSE_ALARM}
)

# How similar two addresses in one district must be (0..1) to suggest the incident.
ADDRESS_SIMILARITY = 0.75
MAX_SUGGESTIONS = 5
# Metres per degree of latitude, for the bounding box of the indexed query.
_M_PER_DEGREE = 111_320.0


def category(incident_type: str | None) -> str | None:
    """``fire`` of ``fire.residential``; None for a card without a type."""
    return incident_type.split(".", 1)[0] if incident_type else None


def compatible(one: str | None, other: str | None) -> bool:
    """Whether cards of these incident types may be about the same incident."""
    first, second = category(one), category(other)
    if first is None and second is None:
        return True
    if first is None or second is None:
        return (second or first) in UNTYPED_MEETS
    return second in COMPATIBLE.get(first, frozenset({first}))


_WORDS = re.compile(r"[^\w]+", re.UNICODE)


def _normal(address: str) -> str:
    return " ".join(_WORDS.sub(" ", address.casefold().replace("‘", "'")).split())


def address_similarity(one: str | None, other: str | None) -> float:
    """0..1: how alike two free-text addresses are (word order and punctuation aside)."""
    if not one or not other:
        return 0.0
    first, second = _normal(one), _normal(other)
    if not first or not second:
        return 0.0
    words_a, words_b = set(first.split()), set(second.split())
    jaccard = len(words_a & words_b) / len(words_a | words_b)
    return max(jaccard, difflib.SequenceMatcher(None, first, second).ratio())


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An open incident the card being filled may be about."""

    incident_id: uuid.UUID
    number: str
    incident_type: str | None
    address: str | None
    district_code: str | None
    created_at: datetime
    cards: int
    reason: str  # "near" or "same_address"
    distance_m: float | None


def merged(card: Card) -> bool:
    return any(link.kind is LinkKind.MERGED_INTO for link in card.links)


def joinable(card: Card) -> bool:
    return not merged(card) and card.outcome not in NOT_AN_INCIDENT


async def suggestions(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    *,
    now: datetime,
    window: timedelta,
    radius_m: float,
) -> list[Suggestion]:
    """The incidents the card may be about, nearest first (recorded in the audit log)."""
    card = store.to_card(await store.load(session, card_id))
    location = card.location
    district = _district(card)
    if location.lat is None and district is None:
        return []
    conditions: list[ColumnElement[bool]] = []
    if location.lat is not None and location.lon is not None:
        dlat = radius_m / _M_PER_DEGREE
        dlon = dlat / max(0.01, math.cos(math.radians(location.lat)))
        conditions.append(
            CardRow.lat.between(location.lat - dlat, location.lat + dlat)
            & CardRow.lon.between(location.lon - dlon, location.lon + dlon)
        )
    if district is not None:
        conditions.append(CardRow.district_code == district)
    rows = (
        await session.scalars(
            select(CardRow).where(
                CardRow.created_at >= now - window,
                CardRow.id != card.id,
                or_(*conditions),
            )
        )
    ).all()
    found: dict[uuid.UUID, tuple[tuple[float, float], Suggestion]] = {}
    heads = await _heads(session, rows)
    for row in rows:
        other = store.to_card(row)
        head = heads.get(row.incident_id or row.id)
        if head is None or head.id == card.incident_id or head.id == card.id:
            continue
        if not (joinable(other) and joinable(head)):
            continue
        if not compatible(card.incident.type, other.incident.type):
            continue
        match = _match(card, other, radius_m)
        if match is None:
            continue
        reason, distance = match
        key = (0.0 if distance is not None else 1.0, distance or 0.0)
        known = found.get(head.id)
        if known is not None and known[0] <= key:
            continue
        found[head.id] = (
            key,
            Suggestion(
                incident_id=head.id,
                number=head.number,
                incident_type=head.incident.type or other.incident.type,
                address=head.location.address or other.location.address,
                district_code=_district(head) or _district(other),
                created_at=head.created_at,
                cards=1,
                reason=reason,
                distance_m=None if distance is None else round(distance, 1),
            ),
        )
    ranked = sorted(found.values(), key=lambda pair: (pair[0], -pair[1].created_at.timestamp()))
    chosen = [suggestion for _, suggestion in ranked[:MAX_SUGGESTIONS]]
    counts = await member_counts(session, [s.incident_id for s in chosen])
    chosen = [dataclasses.replace(s, cards=counts.get(s.incident_id, 1)) for s in chosen]
    await audit.record(
        session,
        actor,
        "card.incident_suggestions",
        "card",
        str(card.id),
        {"number": card.number, "suggested": [s.number for s in chosen]},
        at=now,
    )
    return chosen


def _district(card: Card) -> str | None:
    return card.location.district.code if card.location.district else None


def _match(card: Card, other: Card, radius_m: float) -> tuple[str, float | None] | None:
    here, there = card.location, other.location
    if None not in (here.lat, here.lon, there.lat, there.lon):
        distance = haversine_m(here.lat, here.lon, there.lat, there.lon)  # type: ignore[arg-type]
        if distance <= radius_m:
            return "near", distance
    same_district = (
        here.district is not None
        and there.district is not None
        and here.district.code == there.district.code
    )
    if same_district and address_similarity(here.address, there.address) >= ADDRESS_SIMILARITY:
        return "same_address", None
    return None


async def _heads(session: AsyncSession, rows: Sequence[CardRow]) -> dict[uuid.UUID, Card]:
    """The head card of each row's incident (the row itself when it heads none)."""
    heads = {row.id: store.to_card(row) for row in rows if row.incident_id in (None, row.id)}
    missing = {row.incident_id for row in rows if row.incident_id} - heads.keys()
    if missing:
        loaded = await session.scalars(select(CardRow).where(CardRow.id.in_(missing)))
        heads.update({row.id: store.to_card(row) for row in loaded})
    return heads


async def member_counts(
    session: AsyncSession, incident_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How many cards each incident has (its head included)."""
    wanted = list(set(incident_ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(CardRow.incident_id, func.count())
        .where(CardRow.incident_id.in_(wanted))
        .group_by(CardRow.incident_id)
    )
    return {key: count for key, count in rows if key is not None}
