"""The card lifecycle: create, fill, annotate, link, read. Routing and closing: lifecycle.py.

Every change makes a new version (see store.save). Operators change the cards they handle;
supervisors change any card.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

import cardschema
from cardschema import Card, CardStatus, Channel, Link, LocationSource, Note
from dispatch.audit import service as audit
from dispatch.auth.roles import Role
from dispatch.calls import service as calls
from dispatch.cards import places, store
from dispatch.cards.events import CardDetail
from dispatch.cards.models import CardRow
from dispatch.cards.routing import Classifier, UnknownIncidentType
from dispatch.core.actor import Actor
from dispatch.errors import Conflict, Invalid, PermissionDenied, said
from dispatch.geo.index import DEFAULT_TOLERANCE_M

# The link kinds POST /cards/{id}/links makes; incidents.py makes the others with their facts.
PLAIN_LINKS = frozenset({cardschema.LinkKind.RELATED, cardschema.LinkKind.DUPLICATE})


def check_may_edit(card: Card, actor: Actor) -> None:
    """Operators edit their own (or unassigned) cards; supervisors any; closed cards none."""
    if actor.role == Role.OPERATOR and card.operator_id not in (None, actor.username):
        raise PermissionDenied(
            f"card {card.number} is handled by {card.operator_id}; ask a supervisor to move it"
        )


def check_open(card: Card, what: str) -> None:
    """Refuse ``what`` on a closed card."""
    if card.status is CardStatus.CLOSED:
        raise Conflict(f"card {card.number} is closed; {what} is no longer possible")


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def apply_changes(
    card: Card, changes: dict[str, Any], classifier: Classifier, *, now: datetime
) -> Card:
    """``card`` with a partial JSON change applied and checked (not yet a new version)."""
    location = changes.get("location")
    if (
        isinstance(location, dict)
        and ({"lat", "lon"} & location.keys())
        and "source" not in location
    ):
        location["source"] = LocationSource.OPERATOR.value
    if (
        isinstance(location, dict)
        and location.get("source") == LocationSource.OPERATOR.value
        and "confirmed" not in location
    ):
        # A point the operator placed is one they confirmed with the caller.
        location["confirmed"] = True
    incident = changes.get("incident")
    merged = _merge(cardschema.card_to_dict(card), changes)
    _check_incident(
        merged["incident"],
        classifier,
        type_changed=isinstance(incident, dict)
        and "type" in incident
        and "priority" not in incident,
    )
    _tidy_parts(merged)
    point = merged["location"]
    if (point.get("lat") is None) != (point.get("lon") is None):
        raise Invalid("location needs both lat and lon, or neither")
    if point.get("lat") is None:
        point["radius_m"] = None
    if point.get("lat") is None and point.get("address") is None and point.get("district") is None:
        point["source"] = None
    merged["updated_at"] = now.isoformat()
    return store.checked(merged)


def _tidy_parts(card: dict[str, Any]) -> None:
    """Revision 1.2's parts in their one form: a cleared list is empty, a condition is listed
    once, an address with no part is left out."""
    for name in ("persons", "vehicles"):
        if card.get(name) is None:
            card.pop(name, None)
    caller = card["caller"]
    caller["conditions"] = list(dict.fromkeys(caller.get("conditions") or []))
    address = card["location"].get("structured_address")
    if isinstance(address, dict) and all(value is None for value in address.values()):
        card["location"]["structured_address"] = None


def _check_incident(
    incident: dict[str, Any], classifier: Classifier, *, type_changed: bool
) -> None:
    code = incident.get("type")
    if code is not None:
        try:
            kind = classifier.get(code)
        except UnknownIncidentType as exc:
            raise Invalid(str(exc)) from exc
        if type_changed or incident.get("priority") is None:
            incident["priority"] = kind.priority
    unknown = [h for h in incident.get("hazards") or [] if h not in classifier.hazards]
    if unknown:
        raise Invalid(
            f"unknown hazard(s): {', '.join(unknown)}; known: {', '.join(classifier.hazards)}"
        )
    incident["hazards"] = list(dict.fromkeys(incident.get("hazards") or []))


# A well-formed number for a card not numbered yet (never stored: ``create_card``).
_UNNUMBERED = "112-00000000-000000"


async def create_card(
    session: AsyncSession,
    actor: Actor,
    *,
    call_id: uuid.UUID | None,
    channel: Channel | None,
    changes: dict[str, Any],
    classifier: Classifier,
    now: datetime,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> CardRow:
    """A new card (version 1), filled from its call (and its AML) when there is one."""
    base: dict[str, Any] = {"channel": (channel or Channel.VOICE).value, "language": "uz"}
    if call_id is not None:
        call = await calls.get_call(session, call_id)
        existing = await session.scalar(select(CardRow.number).where(CardRow.call_id == call_id))
        if existing is not None:
            raise Conflict(f"call {call_id} already has card {existing}; open that one")
        base = {"channel": (channel.value if channel else call.channel), "language": call.language}
        base["caller"] = {"number": call.caller_number, "callback_number": call.caller_number}
        aml = await calls.latest_aml_for_call(session, call_id)
        if aml is not None and aml.lat is not None and aml.lon is not None:
            base["location"] = {
                "lat": aml.lat,
                "lon": aml.lon,
                "radius_m": aml.radius_m,
                "source": LocationSource.AML.value,
            }
        elif call.lat is not None:
            base["location"] = {
                "lat": call.lat,
                "lon": call.lon,
                "radius_m": call.radius_m,
                "source": call.location_source,
            }
        if call.text:
            base["incident"] = {"description": call.text[:4000]}
    blank = Card(
        id=uuid.uuid4(),
        number=_UNNUMBERED,  # numbered just before it is stored, below
        version=1,
        status=CardStatus.OPEN,
        created_at=now,
        updated_at=now,
        channel=Channel(base.pop("channel")),
        language=base.pop("language"),
        call_id=call_id,
        operator_id=actor.username if actor.role == Role.OPERATOR else None,
        supervisor_id=actor.username if actor.role == Role.SUPERVISOR else None,
    )
    merged = _merge(base, changes)
    await places.complete_location_change(session, merged, tolerance_m=tolerance_m)
    card = apply_changes(blank, merged, classifier, now=now)
    # The day's number last: taking it locks the day's counter row until the commit, and every
    # card made meanwhile anywhere in the centre waits for it. Taken first, the lock was held
    # through the place's lookup and the card's checks too (a lock wait of the surge benchmark:
    # BENCHMARKS.md, "Where the settling request's time goes").
    card = dataclasses.replace(card, number=await store.next_number(session, now))
    row = await store.save(session, actor, None, card, change="create", now=now)
    if call_id is not None:
        # The caller's files already stored go onto the new card in the same transaction (the
        # listener does it for files arriving later; one missed at a restart is not lost).
        # Imported here: cards.attachments imports this module.
        from dispatch.cards.attachments import attach_call_files

        row = await attach_call_files(session, actor, row.id, now=now) or row
    return row


async def update_card(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    changes: dict[str, Any],
    *,
    classifier: Classifier,
    expected_version: int | None,
    now: datetime,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> CardRow:
    """Apply a partial change as a new version."""
    row = await store.load(session, card_id, for_update=True)
    card = store.to_card(row)
    check_version(card, expected_version)
    check_open(card, "editing")
    check_may_edit(card, actor)
    if not changes:
        raise Invalid("nothing to change: send at least one field")
    await places.complete_location_change(session, changes, tolerance_m=tolerance_m)
    updated = apply_changes(card, changes, classifier, now=now)
    return await store.save(
        session,
        actor,
        row,
        updated,
        change="update",
        detail={"fields": sorted(_paths(changes))},
        now=now,
    )


def _paths(changes: dict[str, Any], prefix: str = "") -> list[str]:
    paths: list[str] = []
    for key, value in changes.items():
        if isinstance(value, dict) and value:
            paths.extend(_paths(value, f"{prefix}{key}."))
        else:
            paths.append(f"{prefix}{key}")
    return paths


def check_version(card: Card, expected: int | None) -> None:
    """Refuse a change made against an older version (``If-Match``)."""
    if expected is not None and expected != card.version:
        raise Conflict(
            f"card {card.number} is at version {card.version}, not {expected}; reload it and retry",
            said=said(
                "card_version_conflict", card=card.number, version=card.version, expected=expected
            ),
        )


async def add_note(
    session: AsyncSession, actor: Actor, card_id: uuid.UUID, text: str, *, now: datetime
) -> CardRow:
    """Append a note (allowed on closed cards too; notes are never changed)."""
    row = await store.load(session, card_id, for_update=True)
    card = store.to_card(row)
    note = Note(at=now, author=actor.username, text=text)
    updated = dataclasses.replace(card, notes=(*card.notes, note), updated_at=now)
    return await store.save(session, actor, row, updated, change="note", now=now)


async def link_cards(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    other_id: uuid.UUID,
    kind: cardschema.LinkKind,
    *,
    now: datetime,
) -> CardRow:
    """Link two cards about the same incident; both get a new version showing the link."""
    if card_id == other_id:
        raise Invalid("a card cannot be linked to itself")
    if kind not in PLAIN_LINKS:
        raise Invalid(
            f"a {kind.value} link is made by joining an incident (POST /cards/{{id}}/incident) or "
            "merging cards (POST /cards/{id}/merge); link here as related or duplicate"
        )
    # Lock in id order so two operators linking the same pair cannot deadlock.
    first, second = sorted((card_id, other_id))
    rows = {first: await store.load(session, first, for_update=True)}
    rows[second] = await store.load(session, second, for_update=True)
    card, other = store.to_card(rows[card_id]), store.to_card(rows[other_id])
    if any(link.card_id == other_id for link in card.links):
        raise Conflict(f"cards {card.number} and {other.number} are already linked")
    detail = CardDetail(kind=kind.value)
    for row, this, that in ((rows[card_id], card, other), (rows[other_id], other, card)):
        link = Link(card_id=that.id, kind=kind, number=that.number)
        updated = dataclasses.replace(this, links=(*this.links, link), updated_at=now)
        await store.save(
            session,
            actor,
            row,
            updated,
            change="link",
            detail={**detail, "linked_card_id": str(that.id)},
            now=now,
        )
    return rows[card_id]


async def read_card(
    session: AsyncSession, actor: Actor, card_id: uuid.UUID, *, now: datetime
) -> CardRow:
    """A card, with the read recorded in the audit log."""
    row = await store.load(session, card_id)
    await audit.record(
        session, actor, "card.read", "card", str(card_id), {"version": row.version}, at=now
    )
    return row


@dataclass(frozen=True)
class PlaceFilter:
    """Where and when the listed cards were: the region or district on the card's location
    (its code), created in [created_from, created_to)."""

    region: str | None = None
    district: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        """``query`` narrowed to the cards this filter lets through."""
        for level, code in (("region", self.region), ("district", self.district)):
            if code is not None:
                place = CardRow.document[("location", level, "code")].as_string()
                query = query.where(place == code)
        if self.created_from is not None:
            query = query.where(CardRow.created_at >= self.created_from)
        if self.created_to is not None:
            query = query.where(CardRow.created_at < self.created_to)
        return query


async def list_cards(
    session: AsyncSession,
    actor: Actor,
    *,
    status: CardStatus | None,
    operator: str | None,
    incident_type: str | None,
    places: PlaceFilter | None = None,
    limit: int,
    offset: int,
    now: datetime,
) -> tuple[list[CardRow], int]:
    """Cards newest first, filtered, with the total; the listing is audited."""
    query = select(CardRow)
    if status is not None:
        query = query.where(CardRow.status == status.value)
    if operator is not None:
        query = query.where(CardRow.operator_id == operator)
    if incident_type is not None:
        query = query.where(CardRow.incident_type == incident_type)
    if places is not None:
        query = places.apply(query)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        (
            await session.scalars(
                query.order_by(CardRow.created_at.desc(), CardRow.number.desc())
                .limit(limit)
                .offset(offset)
            )
        ).all()
    )
    await audit.record(
        session,
        actor,
        "card.list",
        "card",
        "*",
        {"count": len(rows), "cards": [str(r.id) for r in rows]},
        at=now,
    )
    return rows, total


async def open_cards_of(session: AsyncSession, operator: str, *, limit: int) -> list[CardRow]:
    """The operator's own open and routed cards, newest first, for their console.

    Not audited: this is the operator's own work pushed to their own screen on every change;
    opening a card (``read_card``) and listing cards through the API are audited.
    """
    rows = await session.scalars(
        select(CardRow)
        .where(
            CardRow.operator_id == operator,
            CardRow.status.in_((CardStatus.OPEN.value, CardStatus.ROUTED.value)),
        )
        .order_by(CardRow.created_at.desc(), CardRow.number.desc())
        .limit(limit)
    )
    return list(rows.all())


async def cards_in_progress(session: AsyncSession, *, limit: int) -> list[CardRow]:
    """Every operator's open and routed cards, newest first, for the supervisor console.

    Not audited, like ``open_cards_of``: the console shows who fills which card and how
    complete it is, not the card; opening one goes through the audited API.
    """
    rows = await session.scalars(
        select(CardRow)
        .where(CardRow.status.in_((CardStatus.OPEN.value, CardStatus.ROUTED.value)))
        .order_by(CardRow.created_at.desc(), CardRow.number.desc())
        .limit(limit)
    )
    return list(rows.all())


async def closed_since(session: AsyncSession, since: datetime, *, limit: int) -> list[CardRow]:
    """Closed cards changed at or after ``since``, oldest change first: what a listener of
    ``card.closed`` reads again after a restart (its events are not kept). Not audited: the
    system reads them, nobody is shown them."""
    rows = await session.scalars(
        select(CardRow)
        .where(CardRow.status == CardStatus.CLOSED.value, CardRow.updated_at >= since)
        .order_by(CardRow.updated_at, CardRow.id)
        .limit(limit)
    )
    return list(rows.all())


# How far back the incident-type search counts cards, and how long one count is used.
FREQUENCY_WINDOW = timedelta(days=7)
FREQUENCY_TTL_S = 900.0
_frequencies: weakref.WeakKeyDictionary[Any, tuple[float, dict[str, int]]] = (
    weakref.WeakKeyDictionary()
)


async def incident_type_frequency(session: AsyncSession, *, now: datetime) -> dict[str, int]:
    """Cards per incident type created in the last 7 days (for ranking the type search),
    counted at most every 15 minutes per database."""
    engine = session.get_bind()
    kept = _frequencies.get(engine)
    if kept is not None and time.monotonic() - kept[0] < FREQUENCY_TTL_S:
        return kept[1]
    rows = await session.execute(
        select(CardRow.incident_type, func.count())
        .where(CardRow.created_at >= now - FREQUENCY_WINDOW, CardRow.incident_type.is_not(None))
        .group_by(CardRow.incident_type)
    )
    counts = {str(kind): int(count) for kind, count in rows.all()}
    _frequencies[engine] = (time.monotonic(), counts)
    return counts


def forget_incident_type_frequency() -> None:
    """Count again on the next search (tests, and after a restore)."""
    _frequencies.clear()
