"""The ACD's timers: when the next one falls due, and the sweep of those that did.

Every timer is a timestamp in a row compared with the clock, so a restart loses none:

- an offer not accepted by ``expires_at`` (``queue_offers``) expires;
- a wrap-up ends at ``wrap_up_until``;
- an available operator silent since ``last_heartbeat_at`` (or their ``state_since``) for the
  grace period is signed out;
- a callback dial with no outcome by ``lease_until`` is pending again (``queues.dialer``);
- and, for the offering pass, not for the sweep: a decliner's rest ends (``offer_not_before``),
  a callback falls due (``due_at``, its first delay, the wait for its preferred operator), a
  penalty window widens (the offering pass says when).

:func:`look` reads the earliest instant of each kind in one statement (with whether anything
waits to be handed out); the worker sleeps until the earliest of them (or an event), and
:func:`sweep` runs only the kinds that are due.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    bindparam,
    exists,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.callbacks.tasks import Policy
from dispatch.core.actor import SYSTEM
from dispatch.core.bus import emit
from dispatch.core.database import UTCDateTime
from dispatch.errors import said
from dispatch.queues import (
    dialer,
    events,
    heartbeats,
    lifecycle,
    offers,
    operators,
    plain,
    queue_log,
)
from dispatch.queues.models import Offer, Operator, QueueEntry
from dispatch.queues.states import EntryStatus, OfferStatus, OperatorState, QueueEvent

S = OperatorState


class Kind(StrEnum):
    """What falls due."""

    OFFER = "offer"  # an offer rang out
    WRAP_UP = "wrap_up"
    SILENCE = "silence"  # an available operator's grace period without a heartbeat ended
    LEASE = "lease"  # a callback dial's lease ended
    REST = "rest"  # a decliner may be offered calls again
    CALLBACK = "callback"  # a callback task may be dialled (or by anyone, not only its own)
    HOLD = "hold"  # a penalty window admits a free operator for a call it held back


# The kinds :func:`sweep` handles; the others only wake the offering pass.
SWEPT = frozenset({Kind.OFFER, Kind.WRAP_UP, Kind.SILENCE, Kind.LEASE})


@dataclass(frozen=True)
class Due:
    """The earliest instant of each kind of timer (a kind with none is absent)."""

    at: Mapping[Kind, datetime] = field(default_factory=dict)

    def first(self) -> datetime | None:
        """The earliest of all, if any."""
        return min(self.at.values(), default=None)

    def swept_by(self, now: datetime) -> frozenset[Kind]:
        """The kinds :func:`sweep` has work for at ``now``."""
        return frozenset(kind for kind, at in self.at.items() if kind in SWEPT and at <= now)


@dataclass(frozen=True)
class Look:
    """One look at the ACD: its timers, and whether it has anything to hand out."""

    due: Due
    waiting: bool  # a call waits to be offered
    callbacks_due: bool  # a callback task may be dialled
    anyone_free: bool  # an operator is available and not resting


def _earliest(column: SQLColumnExpression[Any], *where: ColumnElement[bool]) -> Any:
    # A typed minimum, so SQLite's text comes back as an aware datetime.
    return type_coerce(select(func.min(column)).where(*where).scalar_subquery(), UTCDateTime())


_NOW = bindparam("timers_now", type_=UTCDateTime())


@dataclass(frozen=True)
class _Query:
    statement: Select[Any]
    kinds: tuple[tuple[Kind, float], ...]  # each column's kind and seconds to add
    binds: Mapping[str, float]  # each bound instant: now minus these seconds


@functools.cache
def _query(policy: Policy) -> _Query:
    """The statement of :func:`look` for a policy, built once (its SQL is compiled once): one
    row, the earliest instant of each timer, then whether a call waits or a callback is due."""
    columns = [
        _earliest(Offer.expires_at, Offer.status == OfferStatus.ACTIVE.value),
        _earliest(Operator.wrap_up_until, Operator.state == S.WRAP_UP.value),
        _earliest(
            func.coalesce(Operator.last_heartbeat_at, Operator.state_since),
            Operator.state == S.AVAILABLE.value,
        ),
        _earliest(
            Operator.offer_not_before,
            Operator.state == S.AVAILABLE.value,
            Operator.offer_not_before > _NOW,
        ),
    ]
    kinds = [(Kind.OFFER, 0.0), (Kind.WRAP_UP, 0.0), (Kind.SILENCE, 0.0), (Kind.REST, 0.0)]
    binds: dict[str, float] = {_NOW.key: 0.0}
    for column, condition, shift_s, bound in dialer.timer_columns(policy):
        columns.append(_earliest(column, condition))
        kinds.append((Kind.LEASE, 0.0) if shift_s is None else (Kind.CALLBACK, shift_s))
        if bound is not None:
            binds[bound] = shift_s or 0.0
    flags = [
        exists().where(QueueEntry.status == EntryStatus.WAITING.value),
        dialer.any_due_query(policy),
        exists().where(
            Operator.state == S.AVAILABLE.value,
            or_(Operator.offer_not_before.is_(None), Operator.offer_not_before <= _NOW),
        ),
    ]
    return _Query(select(*columns, *flags), tuple(kinds), binds)


async def look(session: AsyncSession, *, now: datetime, grace_s: float, policy: Policy) -> Look:
    """When each kind of timer falls due next (past instants included for the swept kinds,
    only future ones for the others, which wait for an event once due), and whether there is
    anything to hand out: one statement."""
    query = _query(policy)
    params: dict[str, datetime] = dialer.due_params(policy, now)
    params.update({name: now - timedelta(seconds=back) for name, back in query.binds.items()})
    # Straight to the connection: every caller has flushed its ORM changes (or has none).
    connection = await plain.connection(session)
    row = tuple((await connection.execute(query.statement, params)).one())
    found: dict[Kind, datetime] = {}
    for (kind, shift_s), earliest in zip(query.kinds, row, strict=False):
        if earliest is None:
            continue
        at = cast(datetime, earliest) + timedelta(seconds=shift_s)
        if kind is Kind.SILENCE:
            at += timedelta(seconds=grace_s)
        if kind not in found or at < found[kind]:
            found[kind] = at
    waiting, callbacks_due, anyone_free = row[len(query.kinds) :]
    return Look(Due(found), bool(waiting), bool(callbacks_due), bool(anyone_free))


async def sweep(
    session: AsyncSession,
    kinds: frozenset[Kind],
    *,
    now: datetime,
    max_no_answer: int,
    rest_s: float,
    grace_s: float,
) -> None:
    """Act on the timers of ``kinds`` that are due at ``now``."""
    if Kind.OFFER in kinds:
        await expire_offers(session, now=now, max_no_answer=max_no_answer, rest_s=rest_s)
    if Kind.LEASE in kinds:
        await dialer.expire_leases(session, SYSTEM, now=now)
    if Kind.WRAP_UP in kinds:
        await end_wrap_ups(session, now=now)
    if Kind.SILENCE in kinds:
        await sign_out_silent(session, now=now, grace_s=grace_s)


async def expire_offers(
    session: AsyncSession, *, now: datetime, max_no_answer: int, rest_s: float = 0.0
) -> int:
    """Expire offers not accepted in time; count. The operator rests ``rest_s`` (no offer),
    or goes on break after ``max_no_answer`` offers in a row rang out (0: never)."""
    due = list(
        (
            await session.scalars(
                select(Offer.call_id).where(
                    Offer.status == OfferStatus.ACTIVE.value, Offer.expires_at <= now
                )
            )
        ).all()
    )
    expired = 0
    for call_id in due:
        entry = await offers.entry_for_call(session, call_id, skip_locked=True)
        offer = await offers.active_for_call(session, call_id) if entry is not None else None
        if entry is None or offer is None or offer.expires_at > now:
            continue  # busy in another transaction, or closed meanwhile: next tick
        offers.close(session, offer, OfferStatus.EXPIRED, now=now)
        if entry.status == EntryStatus.OFFERED:
            lifecycle.move_entry(entry, EntryStatus.WAITING)
        entry.no_answers += 1
        if entry.target_operator == offer.operator:
            entry.target_operator = None  # the supervisor's choice did not answer: back to all
        operator = await operators.locked(session, offer.operator, now=now)  # before stats
        await queue_log.write(
            session,
            QueueEvent.RING_NO_ANSWER,
            at=now,
            queue=offer.queue,
            call_id=call_id,
            operator=offer.operator,
            ring_s=round((now - offer.offered_at).total_seconds(), 3),
        )
        if operator.state == S.RESERVED and operator.call_id == offer.call_id:
            operator.no_answer_count += 1
            if max_no_answer and operator.no_answer_count >= max_no_answer:
                count = operator.no_answer_count
                await operators.set_state(
                    session,
                    SYSTEM,
                    operator,
                    S.ON_BREAK,
                    now=now,
                    reason=f"no answer to {count} offer(s)",
                    reason_said=said("break_no_answer", count=count),
                )
            else:
                await operators.set_state(session, SYSTEM, operator, S.AVAILABLE, now=now)
                # The next call goes to someone else first (as after a decline).
                operator.offer_not_before = now + timedelta(seconds=rest_s)
        await audit.record(
            session,
            SYSTEM,
            "queue.offer.expire",
            "call",
            str(call_id),
            {"offer_id": str(offer.id), "operator": offer.operator},
            at=now,
        )
        emit(
            session,
            events.CHANGED,
            events.QueueChanged(queue=entry.queue, call_id=str(call_id), reason="no_answer"),
        )
        expired += 1
    return expired


async def end_wrap_ups(session: AsyncSession, *, now: datetime) -> int:
    """Operators whose wrap-up time is over become available; returns how many."""
    rows = (
        await session.scalars(
            select(Operator)
            .where(Operator.state == S.WRAP_UP.value, Operator.wrap_up_until <= now)
            .with_for_update(skip_locked=True, key_share=True)
            .execution_options(populate_existing=True)
        )
    ).all()
    for operator in rows:
        await operators.set_state(session, SYSTEM, operator, S.AVAILABLE, now=now)
    return len(rows)


async def sign_out_silent(session: AsyncSession, *, now: datetime, grace_s: float) -> int:
    """Sign out available operators without a heartbeat for ``grace_s``; returns how many.
    This process's noted heartbeats are written first, so none of them is overlooked."""
    await heartbeats.flush(session)
    limit = now - timedelta(seconds=grace_s)
    seen = func.coalesce(Operator.last_heartbeat_at, Operator.state_since)
    rows = (
        await session.scalars(
            select(Operator)
            .where(Operator.state == S.AVAILABLE.value, seen < limit)
            .with_for_update(skip_locked=True, key_share=True)
            .execution_options(populate_existing=True)
        )
    ).all()
    for operator in rows:
        await operators.set_state(
            session,
            SYSTEM,
            operator,
            S.SIGNED_OUT,
            now=now,
            reason=f"no heartbeat for {grace_s:g} s (console lost)",
            reason_said=said("signed_out_no_heartbeat", seconds=grace_s),
        )
    return len(rows)
