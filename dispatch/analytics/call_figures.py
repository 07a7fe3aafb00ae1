"""The calls' figures over any period, filtered by where (region, district), how (queue,
channel, language), what (incident type, service) and who (operator): offered, answered,
abandoned and dropped, service level (each variant, named), ASA, talk time, the cards, and per
service the cards routed to it, how soon it acknowledged them and how soon it completed them.

Read from the places rollup (``analytics_places``: one row per call with its place, queue,
channel, language, operator and incident type, indexed by district and by region with the
start) joined to the calls, and the services' progress of their cards: a district's year costs
its calls, not the country's. A call counts where it began (local time); it is placed like
the territorial report places it. A wait is from the call's arrival to its answer (or to the
caller's hang-up for an abandoned call). Service level "within T" uses every target of every
queue, as ``GET /queues`` does.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.analytics import periods, places, sources
from dispatch.analytics.periods import Grain
from dispatch.callbacks import stats as callback_stats
from dispatch.callbacks.schemas import CallbackFigures
from dispatch.queues.summary import common_targets, percent

CALLBACK_SLACK = timedelta(days=1)
REFUSED = frozenset({"refused", "not_accepted"})


@dataclass(frozen=True)
class CallFilter:
    """Which calls count; None lets every value through."""

    region: str | None = None
    district: str | None = None
    queue: str | None = None
    channel: str | None = None
    language: str | None = None
    incident_type: str | None = None
    service: str | None = None
    operator: str | None = None

    def admits(self, call: sources.CallFact, services: Iterable[str]) -> bool:
        """True when ``call`` (routed to ``services``) passes every filter given."""
        wanted = (
            (self.region, call.region),
            (self.district, call.district),
            (self.queue, call.queue),
            (self.channel, call.channel),
            (self.language, call.language),
            (self.incident_type, call.incident_type),
            (self.operator, call.operator),
        )
        if any(asked is not None and asked != value for asked, value in wanted):
            return False
        return self.service is None or self.service in services


class LevelFigures(BaseModel):
    """Answered within ``seconds``: of the answered, and with early abandons counted as met."""

    seconds: int
    target_percent: float | None
    answered_within: int
    abandoned_within: int
    percent: float | None
    percent_with_abandons: float | None


class ServiceFigures(BaseModel):
    """One service's cards among the period's calls."""

    service: str
    cards: int
    acknowledged: int
    avg_acknowledge_s: float | None
    p90_acknowledge_s: float | None
    completed: int
    avg_complete_s: float | None
    refused: int = Field(description="refused or not accepted by the service")
    late_acknowledged: int = Field(
        description="acknowledged after the incident type's deadline, or not by now though it "
        "has passed (a card handed over by phone needs no acknowledgement)"
    )
    late_completed: int = Field(
        description="completed after the incident type's deadline, or not by now though it "
        "has passed (refused ones aside)"
    )
    followed_up: int = Field(
        description="cards the follow-up list named for this service: refused, or late either way"
    )


@dataclass(frozen=True)
class Norms:
    """The services' deadlines by incident type (seconds to acknowledge, minutes to complete),
    as the follow-up list measures them, and the moment the report is made."""

    deadlines: Callable[[str | None], tuple[int, int]]
    now: datetime


class CallFigures(BaseModel):
    """The calls of one grain (``start`` its local start) or of the whole period."""

    start: datetime
    offered: int
    answered: int
    abandoned: int
    dropped: int
    abandon_percent: float | None
    asa_s: float | None
    longest_answered_wait_s: float | None
    avg_abandon_wait_s: float | None
    avg_talk_s: float | None
    cards: int
    service_level: list[LevelFigures]
    services: list[ServiceFigures]


class CallReport(BaseModel):
    """The calls' figures of ``date_from``..``date_to`` (local days), by ``grain``."""

    date_from: date
    date_to: date
    grain: Grain
    timezone: str
    filters: dict[str, str]
    total: CallFigures
    rows: list[CallFigures]
    callbacks: CallbackFigures = Field(
        description="the callback tasks of these calls (dropped and abandoned ones): made, "
        "reached, success rate, time from the drop to the first attempt against its target"
    )


async def build(
    session: AsyncSession,
    date_from: date,
    date_to: date,
    *,
    grain: Grain,
    chosen: CallFilter,
    tz: ZoneInfo,
    shift_start_hour: int,
    callback_target_s: float,
    norms: Norms,
) -> CallReport:
    """The report of the calls the filter admits."""
    start, end = periods.bounds(date_from, date_to, tz)
    await sources.check_known(
        session, region=chosen.region, district=chosen.district, queue=chosen.queue
    )
    await places.bring_up_to_date(session, await sources.boundaries(session))
    narrowing = sources.Narrowing(**vars(chosen))
    calls = await sources.call_facts(session, start, end, narrowing=narrowing)
    by_card: dict[object, list[sources.ServiceFact]] = defaultdict(list)
    cards = {call.card_id for call in calls if call.card_id is not None}
    for part in await sources.service_facts(session, cards):
        by_card[part.card_id].append(part)
    targets = common_targets(await sources.queues(session))
    admitted = [
        call
        for call in calls
        if chosen.admits(call, [p.service for p in by_card.get(call.card_id, ())])
    ]
    # A callback task is made when its call drops, so within a day of the period's end.
    callbacks = await callback_stats.period(
        session,
        since=start,
        until=end + CALLBACK_SLACK,
        target_s=callback_target_s,
        calls={call.call_id for call in admitted},
    )
    buckets: dict[datetime, list[sources.CallFact]] = defaultdict(list)
    if grain is not Grain.TOTAL:
        for call in admitted:
            buckets[periods.bucket(call.at, grain, tz, shift_start_hour=shift_start_hour)].append(
                call
            )
    return CallReport(
        date_from=date_from,
        date_to=date_to,
        grain=grain,
        timezone=str(tz),
        filters={k: v for k, v in vars(chosen).items() if v is not None},
        total=figures(start.astimezone(tz), admitted, by_card, targets, norms),
        rows=[figures(when, buckets[when], by_card, targets, norms) for when in sorted(buckets)],
        callbacks=callbacks.overall,
    )


def figures(
    start: datetime,
    calls: Sequence[sources.CallFact],
    by_card: dict[object, list[sources.ServiceFact]],
    targets: Sequence[tuple[int, float | None]],
    norms: Norms,
) -> CallFigures:
    """The figures of ``calls``."""
    waits = [_seconds(c.at, c.answered_at) for c in calls if c.answered_at is not None]
    abandoned = [c for c in calls if c.status == "abandoned"]
    gave_up = [_seconds(c.at, c.ended_at) for c in abandoned if c.ended_at is not None]
    talks = [c.talk_s for c in calls if c.talk_s is not None]
    answered = len(waits)
    levels = []
    for seconds, target_percent in targets:
        within = sum(1 for wait in waits if wait <= seconds)
        early = sum(1 for wait in gave_up if wait <= seconds)
        levels.append(
            LevelFigures(
                seconds=seconds,
                target_percent=target_percent,
                answered_within=within,
                abandoned_within=early,
                percent=percent(within, answered),
                percent_with_abandons=percent(within + early, answered + len(abandoned)),
            )
        )
    parts = [part for c in calls if c.card_id is not None for part in by_card.get(c.card_id, ())]
    return CallFigures(
        start=start,
        offered=len(calls),
        answered=answered,
        abandoned=len(abandoned),
        dropped=sum(1 for c in calls if c.status == "dropped"),
        abandon_percent=percent(len(abandoned), answered + len(abandoned)),
        asa_s=_mean(waits),
        longest_answered_wait_s=round(max(waits), 3) if waits else None,
        avg_abandon_wait_s=_mean(gave_up),
        avg_talk_s=_mean(talks),
        cards=sum(1 for c in calls if c.card_id is not None),
        service_level=levels,
        services=_services(parts, norms),
    )


def _services(parts: Iterable[sources.ServiceFact], norms: Norms) -> list[ServiceFigures]:
    grouped: dict[str, list[sources.ServiceFact]] = defaultdict(list)
    for part in parts:
        grouped[part.service].append(part)
    result = []
    for code, mine in sorted(grouped.items()):
        acks = [
            _seconds(p.routed_at, p.acknowledged_at) for p in mine if p.acknowledged_at is not None
        ]
        done = [_seconds(p.routed_at, p.status_at) for p in mine if p.status == "completed"]
        lateness = [_late(p, norms) for p in mine]
        result.append(
            ServiceFigures(
                service=code,
                cards=len(mine),
                acknowledged=len(acks),
                avg_acknowledge_s=_mean(acks),
                p90_acknowledge_s=_p90(acks),
                completed=len(done),
                avg_complete_s=_mean(done),
                refused=sum(1 for p in mine if p.status in REFUSED),
                late_acknowledged=sum(1 for ack, _ in lateness if ack),
                late_completed=sum(1 for _, complete in lateness if complete),
                followed_up=sum(
                    1
                    for p, late in zip(mine, lateness, strict=True)
                    if p.status in REFUSED or any(late)
                ),
            )
        )
    return result


def _late(part: sources.ServiceFact, norms: Norms) -> tuple[bool, bool]:
    """Whether the service acknowledged, and completed, later than its norm (or not by now)."""
    ack_s, complete_min = norms.deadlines(part.incident_type)
    ack_by = part.routed_at + timedelta(seconds=ack_s)
    acked = part.acknowledged_at
    late_ack = not part.handed_off and (acked > ack_by if acked is not None else norms.now > ack_by)
    complete_by = part.routed_at + timedelta(minutes=complete_min)
    if part.status == "completed":
        late_complete = part.status_at > complete_by
    else:
        late_complete = part.status not in REFUSED and norms.now > complete_by
    return late_ack, late_complete


def _seconds(since: datetime, until: datetime) -> float:
    return max((until - since).total_seconds(), 0.0)


def _mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 3) if values else None


def _p90(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[math.ceil(0.9 * len(ordered)) - 1], 3)  # nearest rank
