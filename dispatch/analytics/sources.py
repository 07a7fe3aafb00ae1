"""What analytics reads from other capabilities, read-only, in bulk.

The period reports read the queues' 15-minute counters (``queue_stats``, the rollup the ACD
keeps as it writes the queue log and ``python -m dispatch analytics rebuild`` recomputes), the
queues (with their service-level targets), the operators' lines of the queue log and the
people's names; the territorial report reads where calls and cards were (the card's location,
else the call's point placed on the boundaries through ``geo``). ``queues/``, ``calls/``,
``cards/``, ``feeds/`` and ``auth/`` have no bulk functions for a period, so these queries are
the one place analytics reads their tables (never writes them); when they grow such
functions, these move there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.auth import service as auth
from dispatch.calls.models import Call
from dispatch.cards.models import CardRow
from dispatch.errors import NotFound
from dispatch.feeds.models import Delivery, ServiceProgress
from dispatch.geo import service as geo
from dispatch.geo.index import GeoIndex
from dispatch.queues import catalog, stats
from dispatch.queues.catalog import QueueSpec
from dispatch.queues.models import QueueLogEntry, QueueStat
from dispatch.queues.states import QueueEvent
from dispatch.queues.stats import COUNTERS

# A row of the queues' 15-minute counters, as the KPIs sum them.
StatRow = QueueStat

# The lines that move an operator between signed out, available, on a call, wrap-up and breaks,
# or count what they did.
OPERATOR_EVENTS = (
    QueueEvent.SIGN_IN,
    QueueEvent.SIGN_OUT,
    QueueEvent.PAUSE,
    QueueEvent.UNPAUSE,
    QueueEvent.CONNECT,
    QueueEvent.COMPLETE,
    QueueEvent.TRANSFER,
    QueueEvent.WRAP_UP,
    QueueEvent.RING_NO_ANSWER,
    QueueEvent.DECLINE,
)
_CHUNK = 5000
_CARDS_AT_ONCE = 1000


async def queues(session: AsyncSession, names: Collection[str] = ()) -> list[QueueSpec]:
    """The queues asked for (every queue when ``names`` is empty)."""
    return [q for q in await catalog.queues(session) if not names or q.name in names]


@dataclass
class Sums:
    """The queues' counters summed over some intervals (plain numbers, cheap to add up)."""

    key: Any
    counters: list[float]
    max_wait: float
    answered_within: dict[str, int]
    abandoned_within: dict[str, int]

    def add(self, other: Sums) -> None:
        """Add ``other``'s counts to these."""
        self.counters = [a + b for a, b in zip(self.counters, other.counters, strict=True)]
        self.max_wait = max(self.max_wait, other.max_wait)
        for mine, theirs in (
            (self.answered_within, other.answered_within),
            (self.abandoned_within, other.abandoned_within),
        ):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count

    def as_row(self, start: datetime) -> StatRow:
        """A counter row (not stored) holding these sums, for ``queues.summary.period``."""
        row = stats.blank(str(self.key or ""), start)
        for name, value in zip(COUNTERS, self.counters, strict=True):
            setattr(row, name, value)
        row.max_wait = self.max_wait
        row.answered_within = dict(self.answered_within)
        row.abandoned_within = dict(self.abandoned_within)
        return row


async def stat_sums(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    queue_names: Collection[str],
    seconds: Collection[int],
    *,
    by: Literal["interval", "queue"] | None,
) -> list[Sums]:
    """The counters of ``queue_names`` in the intervals starting in [start, end), summed in the
    database per interval (``key`` its start), per queue (``key`` its name) or all together;
    the answered- and abandoned-within counts for each of ``seconds``."""
    if not queue_names:
        return []
    keys = [str(int(s)) for s in sorted(seconds)]
    grouped = {"interval": QueueStat.interval_start, "queue": QueueStat.queue}.get(by or "")
    columns: list[Any] = [func.coalesce(func.sum(getattr(QueueStat, n)), 0) for n in COUNTERS]
    columns.append(func.coalesce(func.max(QueueStat.max_wait), 0.0))
    for within in (QueueStat.answered_within, QueueStat.abandoned_within):
        columns += [func.coalesce(func.sum(within[key].as_integer()), 0) for key in keys]
    query = select(*([grouped] if grouped is not None else []), *columns).where(
        QueueStat.interval_start >= start,
        QueueStat.interval_start < end,
        QueueStat.queue.in_(sorted(queue_names)),
    )
    if grouped is not None:
        query = query.group_by(grouped).order_by(grouped)
    summed = []
    width = len(COUNTERS)
    for row in (await session.execute(query)).all():
        values: list[Any] = list(row)
        key = values.pop(0) if grouped is not None else None
        answered = values[width + 1 : width + 1 + len(keys)]
        abandoned = values[width + 1 + len(keys) :]
        summed.append(
            Sums(
                key=key,
                counters=[float(v) for v in values[:width]],
                max_wait=float(values[width]),
                answered_within={k: int(n) for k, n in zip(keys, answered, strict=True) if n},
                abandoned_within={k: int(n) for k, n in zip(keys, abandoned, strict=True) if n},
            )
        )
    return summed


@dataclass(frozen=True)
class Line:
    """One operator line of the queue log."""

    at: datetime
    operator: str
    event: QueueEvent
    data: dict[str, Any]


async def operator_lines(
    session: AsyncSession, start: datetime, end: datetime, operator: str | None
) -> AsyncIterator[Line]:
    """The operators' lines in [start, end), in the order they were written, read in chunks."""
    query = select(
        QueueLogEntry.id,
        QueueLogEntry.at,
        QueueLogEntry.operator,
        QueueLogEntry.event,
        QueueLogEntry.data,
    ).where(
        QueueLogEntry.at >= start,
        QueueLogEntry.at < end,
        QueueLogEntry.operator.is_not(None),
        QueueLogEntry.event.in_([e.value for e in OPERATOR_EVENTS]),
    )
    if operator is not None:
        query = query.where(QueueLogEntry.operator == operator)
    last_id = 0
    while True:
        chunk = (
            await session.execute(
                query.where(QueueLogEntry.id > last_id).order_by(QueueLogEntry.id).limit(_CHUNK)
            )
        ).all()
        for line_id, at, name, event, data in chunk:
            last_id = line_id
            yield Line(at, name, QueueEvent(event), dict(data or {}))
        if len(chunk) < _CHUNK:
            return


async def people(session: AsyncSession) -> dict[str, str]:
    """Full names by username (accounts without one are left out)."""
    return {u.username: u.full_name for u in await auth.list_users(session) if u.full_name}


@dataclass(frozen=True)
class Placed:
    """A call or a card with where it happened (None: not placed) and when."""

    at: datetime
    region: str | None
    district: str | None
    incident_type: str | None


def _card_place(*path: str) -> Any:
    return CardRow.document[("location", *path, "code")].as_string()


@dataclass(frozen=True)
class Narrowing:
    """Filters pushed into the database. A region or district lets through what its card
    places there and what has no place on its card (a call's own point is placed afterwards,
    and the caller checks every filter again); what a card places elsewhere is only counted."""

    region: str | None = None
    district: str | None = None
    queue: str | None = None
    channel: str | None = None
    language: str | None = None
    incident_type: str | None = None
    service: str | None = None
    operator: str | None = None

    def apply(self, query: Any, *, calls: bool) -> Any:
        """``query`` (over cards, joined to calls when ``calls``) with the filters given."""
        if calls:
            for column in (Call.queue, Call.channel, Call.language, Call.operator):
                value = getattr(self, column.key)
                if value is not None:
                    query = query.where(column == value)
        if self.incident_type is not None:
            query = query.where(CardRow.incident_type == self.incident_type)
        if self.service is not None:
            routed = select(ServiceProgress.card_id).where(
                ServiceProgress.service_code == self.service
            )
            query = query.where(CardRow.id.in_(routed))
        # Without a place on its card, a call can still be placed by its own point; a card not.
        placeable = self.unplaced() & Call.lat.is_not(None) if calls else self.unplaced()
        for level, code in (("region", self.region), ("district", self.district)):
            if code is not None:
                query = query.where(self.placed_in(level, code) | placeable)
        return query

    @staticmethod
    def placed_in(level: str, code: str) -> Any:
        return _card_place(level) == code

    @staticmethod
    def unplaced() -> Any:
        return _card_place("district").is_(None)

    def elsewhere(self) -> Any:
        """Placed by its card outside the region or district asked for (None: nothing is)."""
        for level, code in (("district", self.district), ("region", self.region)):
            if code is not None:
                return _card_place("district").is_not(None) & (_card_place(level) != code)
        return None


async def placed_cards(
    session: AsyncSession, start: datetime, end: datetime, *, narrowing: Narrowing
) -> tuple[list[Placed], int]:
    """The cards created in [start, end) with the region and district on their location, and
    how many more the narrowing's place leaves out (placed elsewhere)."""
    columns = (CardRow.created_at, _card_place("region"), _card_place("district"))
    query = select(*columns, CardRow.incident_type).where(
        CardRow.created_at >= start, CardRow.created_at < end
    )
    placed = [
        Placed(*row) for row in (await session.execute(narrowing.apply(query, calls=False))).all()
    ]
    return placed, await _elsewhere(session, query, narrowing, calls=False)


def _calls_and_cards(*columns: Any) -> Any:
    return select(*columns).select_from(Call).outerjoin(CardRow, CardRow.call_id == Call.id)


async def placed_calls(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    narrowing: Narrowing,
    index: GeoIndex,
) -> tuple[list[Placed], int]:
    """The calls that began in [start, end), placed by their card's location or, without one,
    by the call's own point (resolved on the boundaries); and how many more the narrowing's
    place leaves out (their card placed elsewhere)."""
    query = _calls_and_cards(
        Call.created_at,
        _card_place("region"),
        _card_place("district"),
        CardRow.incident_type,
        Call.lat,
        Call.lon,
    ).where(Call.created_at >= start, Call.created_at < end)
    placed = []
    rows = (await session.execute(narrowing.apply(query, calls=True))).all()
    for at, region, district, kind, lat, lon in rows:
        placed.append(Placed(at, *_place(index, region, district, lat, lon), kind))
    return placed, await _elsewhere(session, query, narrowing, calls=True)


def _place(
    index: GeoIndex, region: str | None, district: str | None, lat: Any, lon: Any
) -> tuple[str | None, str | None]:
    """Region and district: the card's, else the call's own point on the boundaries."""
    if district is None and lat is not None and lon is not None:
        found = index.resolve(lat, lon)
        return (
            found.region.code if found.region else None,
            found.district.code if found.district else None,
        )
    return region, district


async def _elsewhere(
    session: AsyncSession, query: Any, narrowing: Narrowing, *, calls: bool
) -> int:
    outside = narrowing.elsewhere()
    if outside is None:
        return 0
    others = Narrowing(**{**vars(narrowing), "region": None, "district": None})
    counted = others.apply(query, calls=calls).where(outside).subquery()
    return int(await session.scalar(select(func.count()).select_from(counted)) or 0)


@dataclass(frozen=True)
class Area:
    """A district: its code, its region's, its name (Uzbek where known) and every name."""

    code: str
    region: str
    name: str
    names: dict[str, str]


async def districts(session: AsyncSession, region: str | None) -> list[Area]:
    """The districts of ``region`` (every district without one); NotFound for an unknown one."""
    return [
        Area(d.code, d.region_code, d.name, dict(d.names))
        for d in await geo.list_districts(session, region)
    ]


async def check_known(
    session: AsyncSession, *, region: str | None, district: str | None, queue: str | None
) -> None:
    """A region, district or queue a report is asked about exists (NotFound names it)."""
    if region is not None:
        await geo.get_region(session, region)
    if district is not None:
        await geo.get_district(session, district)
    if queue is not None and not await queues(session, [queue]):
        raise NotFound(f"no queue named {queue}")


async def boundaries(session: AsyncSession) -> GeoIndex:
    """The boundaries' index, to place a call by its point."""
    return await geo.current_index(session)


@dataclass(frozen=True)
class CallFact:
    """A call as the period's call figures see it: when, how it went, where, who took it."""

    call_id: Any
    at: datetime
    status: str
    answered_at: datetime | None
    ended_at: datetime | None
    talk_s: float | None
    queue: str
    operator: str | None
    channel: str
    language: str
    card_id: Any
    incident_type: str | None
    region: str | None
    district: str | None


@dataclass(frozen=True)
class ServiceFact:
    """One service's part in one card: routed, acknowledged (first delivery), where it stands."""

    card_id: Any
    service: str
    routed_at: datetime
    acknowledged_at: datetime | None
    status: str
    status_at: datetime
    handed_off: bool
    incident_type: str | None


_CALL_FIELDS = (
    "call_id", "at", "status", "answered_at", "ended_at", "talk_s", "queue", "operator", "channel",
    "language", "card_id", "incident_type",
)  # fmt: skip


async def call_facts(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    index: GeoIndex,
    narrowing: Narrowing,
) -> list[CallFact]:
    """The calls that began in [start, end) the narrowing lets through, placed like the
    territorial report places them."""
    query = _calls_and_cards(
        Call.id,
        Call.created_at,
        Call.status,
        Call.answered_at,
        Call.ended_at,
        Call.talk_seconds,
        Call.queue,
        Call.operator,
        Call.channel,
        Call.language,
        CardRow.id,
        CardRow.incident_type,
        _card_place("region"),
        _card_place("district"),
        Call.lat,
        Call.lon,
    ).where(Call.created_at >= start, Call.created_at < end)
    facts = []
    for row in (await session.execute(narrowing.apply(query, calls=True))).all():
        fields: tuple[Any, ...] = tuple(row)
        region, district = _place(index, *fields[12:])
        known = dict(zip(_CALL_FIELDS, fields[:12], strict=True))
        facts.append(CallFact(**known, region=region, district=district))
    return facts


async def service_facts(session: AsyncSession, cards: Collection[Any]) -> list[ServiceFact]:
    """The services' parts in ``cards`` (read a thousand cards at a time)."""
    ordered = sorted(cards, key=str)
    facts: list[ServiceFact] = []
    for first in range(0, len(ordered), _CARDS_AT_ONCE):
        chunk = ordered[first : first + _CARDS_AT_ONCE]
        first_ack = (
            select(
                Delivery.card_id,
                Delivery.service_code,
                func.min(Delivery.acknowledged_at).label("acknowledged_at"),
            )
            .where(Delivery.card_id.in_(chunk))
            .group_by(Delivery.card_id, Delivery.service_code)
            .subquery()
        )
        query = (
            select(
                ServiceProgress.card_id,
                ServiceProgress.service_code,
                ServiceProgress.routed_at,
                first_ack.c.acknowledged_at,
                ServiceProgress.status,
                ServiceProgress.status_at,
                ServiceProgress.handed_off,
                ServiceProgress.incident_type,
            )
            .outerjoin(
                first_ack,
                (first_ack.c.card_id == ServiceProgress.card_id)
                & (first_ack.c.service_code == ServiceProgress.service_code),
            )
            .where(ServiceProgress.card_id.in_(chunk))
        )
        facts += [ServiceFact(*row) for row in (await session.execute(query)).all()]
    return facts
