"""What analytics reads from other capabilities, read-only, in bulk.

The period reports read the queues' 15-minute counters (``queue_stats``, the rollup the ACD
keeps as it writes the queue log and ``python -m dispatch analytics rebuild`` recomputes), the
queues (with their service-level targets), the operators' lines of the queue log and the
people's names; the territorial and call reports read where calls and cards were from the
places rollup (``analytics_places``), whose rows are computed here (the card's location, else
the call's point placed on the boundaries through ``geo``) for the calls and cards the database
marked as changed (``places.bring_up_to_date``) or for all of them (``places.rebuild``).
``queues/``, ``calls/``, ``cards/``, ``feeds/`` and ``auth/`` have no bulk functions for a
period, so these queries are the one place analytics reads their tables (never writes them);
when they grow such functions, these move there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, false, func, insert, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.analytics.facts import Area as Area
from dispatch.analytics.facts import CallFact as CallFact
from dispatch.analytics.facts import HourCount as HourCount
from dispatch.analytics.facts import Placed as Placed
from dispatch.analytics.facts import ServiceFact as ServiceFact
from dispatch.analytics.facts import place_of
from dispatch.analytics.models import CallPlace as P
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


def _card_place(*path: str) -> Any:
    return CardRow.document[("location", *path, "code")].as_string()


@dataclass(frozen=True)
class Narrowing:
    """Filters pushed into the database, on the places rollup (``analytics_places``). A region
    or district lets through what is placed there; a region also what has no place but a point
    (outside every boundary: counted apart). What a card places elsewhere is only counted."""

    region: str | None = None
    district: str | None = None
    queue: str | None = None
    channel: str | None = None
    language: str | None = None
    incident_type: str | None = None
    service: str | None = None
    operator: str | None = None

    def apply(self, query: Any, *, calls: bool) -> Any:
        """``query`` (over the rollup's calls when ``calls``, else its cards) with the filters."""
        if calls:
            for column in (P.queue, P.channel, P.language, P.operator):
                value = getattr(self, column.key)
                if value is not None:
                    query = query.where(column == value)
        if self.incident_type is not None:
            query = query.where(P.incident_type == self.incident_type)
        if self.service is not None:
            routed = select(ServiceProgress.card_id).where(
                ServiceProgress.service_code == self.service
            )
            query = query.where(P.card_id.in_(routed))
        if calls:
            if self.district is not None:
                query = query.where(P.district_code == self.district)
            if self.region is not None:
                outside = P.located & P.district_code.is_(None)
                query = query.where((P.region_code == self.region) | outside)
            return query
        for column, code in ((P.card_region, self.region), (P.card_district, self.district)):
            if code is not None:
                query = query.where((column == code) | P.card_district.is_(None))
        return query

    def elsewhere(self) -> Any:
        """Placed by its card outside the region or district asked for (None: nothing is)."""
        for column, code in ((P.card_district, self.district), (P.card_region, self.region)):
            if code is not None:
                return P.card_district.is_not(None) & (column != code)
        return None


async def placed_cards(
    session: AsyncSession, start: datetime, end: datetime, *, narrowing: Narrowing
) -> tuple[list[tuple[Placed, int]], int]:
    """The cards created in [start, end) counted by the region and district on their location
    and their incident type, and how many more the narrowing's place leaves out (placed
    elsewhere)."""
    keys = (P.card_region, P.card_district, P.incident_type)
    query = select(*keys, func.count()).where(P.card_at >= start, P.card_at < end)
    grouped = narrowing.apply(query, calls=False).group_by(*keys)
    placed = [
        (Placed(start, region, district, kind), int(count))
        for region, district, kind, count in (await session.execute(grouped)).all()
    ]
    return placed, await _elsewhere(
        session, select(P.id).where(P.card_at >= start, P.card_at < end), narrowing, calls=False
    )


async def placed_calls(
    session: AsyncSession, start: datetime, end: datetime, *, narrowing: Narrowing, tz: ZoneInfo
) -> tuple[list[HourCount], int]:
    """The calls that began in [start, end), placed by their card's location or, without one,
    by the call's own point on the boundaries, counted by place and hour of the local day; and
    how many more the narrowing's place leaves out (their card placed elsewhere)."""
    period = (P.started_at >= start, P.started_at < end)
    places = (P.region_code, P.district_code)
    if session.get_bind().dialect.name == "postgresql":
        hour = func.extract("hour", func.timezone(str(tz), P.started_at))
        query = select(*places, hour, func.count()).where(*period).group_by(*places, hour)
        rows = (await session.execute(narrowing.apply(query, calls=True))).all()
        counted = [HourCount(region, district, int(h), int(n)) for region, district, h, n in rows]
    else:  # SQLite knows no time zones: the hours are counted here
        starts = select(P.started_at, *places).where(*period)
        rows = (await session.execute(narrowing.apply(starts, calls=True))).all()
        hours = Counter((region, district, at.astimezone(tz).hour) for at, region, district in rows)
        counted = [HourCount(*key, n) for key, n in hours.items()]
    return counted, await _elsewhere(session, select(P.id).where(*period), narrowing, calls=True)


def _calls_and_cards(*columns: Any) -> Any:
    return select(*columns).select_from(Call).outerjoin(CardRow, CardRow.call_id == Call.id)


async def _elsewhere(
    session: AsyncSession, query: Any, narrowing: Narrowing, *, calls: bool
) -> int:
    outside = narrowing.elsewhere()
    if outside is None:
        return 0
    others = Narrowing(**{**vars(narrowing), "region": None, "district": None})
    counted = others.apply(query, calls=calls).where(outside).subquery()
    return int(await session.scalar(select(func.count()).select_from(counted)) or 0)


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


_PLACES = cast(Table, P.__table__)


def _call_columns() -> tuple[Any, ...]:
    """A call's row of the rollup (place not yet resolved by its point), in ``P``'s order."""
    card_district = _card_place("district")
    return (
        Call.id,
        Call.id,
        Call.created_at,
        _card_place("region"),
        card_district,
        Call.lat.is_not(None) & Call.lon.is_not(None),
        Call.queue,
        Call.channel,
        Call.language,
        Call.operator,
        CardRow.id,
        CardRow.created_at,
        _card_place("region"),
        card_district,
        CardRow.incident_type,
    )


def _card_columns() -> tuple[Any, ...]:
    """A card's row of the rollup when it has no call."""
    nothing = (null(),) * 4
    return (
        CardRow.id, null(), null(), null(), null(), false(), *nothing, CardRow.id,
        CardRow.created_at, _card_place("region"), _card_place("district"),
        CardRow.incident_type,
    )  # fmt: skip


PLACE_FIELDS = (
    "id", "call_id", "started_at", "region_code", "district_code", "located", "queue", "channel",
    "language", "operator", "card_id", "card_at", "card_region", "card_district", "incident_type",
)  # fmt: skip


async def place_rows(
    session: AsyncSession, calls: Collection[Any], cards: Collection[Any], index: GeoIndex
) -> tuple[list[dict[str, Any]], set[Any]]:
    """The rollup's rows of ``calls`` and of ``cards`` (a card with a call gives its call's
    row), placed; and the keys among them whose row is gone (deleted, or a card now on a call)."""
    query = select(CardRow.id, CardRow.call_id).where(CardRow.id.in_(cards))
    linked: dict[Any, Any] = dict((await session.execute(query)).all())
    wanted = set(calls) | {call for call in linked.values() if call is not None}
    rows = [
        dict(zip(PLACE_FIELDS, row, strict=True))
        for row in (
            await session.execute(
                _calls_and_cards(*_call_columns()).where(Call.id.in_(sorted(wanted, key=str)))
            )
        ).all()
    ]
    alone = [card for card, call in linked.items() if call is None]
    alone_rows = await session.execute(select(*_card_columns()).where(CardRow.id.in_(alone)))
    rows += [dict(zip(PLACE_FIELDS, row, strict=True)) for row in alone_rows]
    await _by_points(session, [r for r in rows if r["district_code"] is None and r["located"]],
                     index)  # fmt: skip
    kept = {row["id"] for row in rows}
    return rows, (wanted | set(cards)) - kept


async def _by_points(session: AsyncSession, rows: list[dict[str, Any]], index: GeoIndex) -> None:
    """Place ``rows`` (calls without a district on a card) by their calls' own points."""
    for first in range(0, len(rows), _CHUNK):
        chunk = {row["id"]: row for row in rows[first : first + _CHUNK]}
        query = select(Call.id, Call.lat, Call.lon).where(Call.id.in_(chunk))
        for key, lat, lon in (await session.execute(query)).all():
            region, district = place_of(index, None, None, lat, lon)
            chunk[key].update(region_code=region, district_code=district)


async def fill_places(session: AsyncSession, index: GeoIndex) -> int:
    """Write every call's and card's row into the empty rollup; how many rows."""
    located = P.located & P.district_code.is_(None)
    await session.execute(insert(P).from_select(PLACE_FIELDS, _calls_and_cards(*_call_columns())))
    alone = select(*_card_columns()).where(CardRow.call_id.is_(None))
    await session.execute(insert(P).from_select(PLACE_FIELDS, alone))
    last: Any = None
    while True:
        query = select(P.id).where(located).order_by(P.id).limit(_CHUNK)
        keys = list(await session.scalars(query if last is None else query.where(P.id > last)))
        if not keys:
            break
        last = keys[-1]
        rows = [{"id": key, "district_code": None} for key in keys]
        await _by_points(session, rows, index)
        await session.execute(
            update(_PLACES)
            .where(_PLACES.c.id == bindparam("k"))
            .values(region_code=bindparam("r"), district_code=bindparam("d")),
            [{"k": r["id"], "r": r.get("region_code"), "d": r["district_code"]} for r in rows],
        )
    return int(await session.scalar(select(func.count()).select_from(P)) or 0)


async def boundaries(session: AsyncSession) -> GeoIndex:
    """The boundaries' index, to place a call by its point."""
    return await geo.current_index(session)


async def call_facts(
    session: AsyncSession, start: datetime, end: datetime, *, narrowing: Narrowing
) -> list[CallFact]:
    """The calls that began in [start, end) the narrowing lets through, placed like the
    territorial report places them (the rollup's place)."""
    query = (
        select(
            Call.id,
            P.started_at,
            Call.status,
            Call.answered_at,
            Call.ended_at,
            Call.talk_seconds,
            P.queue,
            P.operator,
            P.channel,
            P.language,
            P.card_id,
            P.incident_type,
            P.region_code,
            P.district_code,
        )
        .select_from(P)
        .join(Call, Call.id == P.call_id)
        .where(P.started_at >= start, P.started_at < end)
    )
    rows = (await session.execute(narrowing.apply(query, calls=True))).all()
    return [CallFact(*row) for row in rows]


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
