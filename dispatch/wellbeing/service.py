"""Wellbeing after traumatic calls: a case for the operator, a break offered, a debrief flagged.

A closed card that meets the rules (``rules.py``) opens a *case* for the operator the card
names (``consider_card``); an operator may open one themselves after a hard call
(``request``). A case offers a break of ``DISPATCH_WELLBEING_BREAK_MINUTES`` — one offer at a
time: a case opened while an earlier offer is still unanswered offers none of its own — and
flags a debrief for the psychologist.

An offer moves ``offered`` → ``accepted`` (the operator goes on break through the ACD, with the
centre's reason ``break_rest``) or ``declined`` (``OFFER_TRANSITIONS``, written by
``_move_offer`` alone). A debrief moves ``open`` → ``held`` (with the psychologist's note) or
``cancelled`` (``DEBRIEF_TRANSITIONS``, ``_move_debrief``).

Who sees what: an operator their own cases only — another's offer or debrief is not found
(404), never refused by name; psychologists (operators and supervisors with the ACD skill
``psychological_support``), supervisors and trainers every debrief, and they hold them; an
operator cancels their own debrief, a psychologist never holds their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cardschema import CardStatus
from dispatch.audit import service as audit
from dispatch.auth import service as auth
from dispatch.auth.roles import Role
from dispatch.cards import store as cards
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.errors import Conflict, Invalid, NotFound, PermissionDenied, said
from dispatch.queues import operators
from dispatch.queues import service as queues
from dispatch.queues.schemas import BreakReason
from dispatch.queues.states import PSYCHOLOGICAL_SUPPORT, OperatorState
from dispatch.wellbeing import events, rules
from dispatch.wellbeing.models import WellbeingCase, WellbeingDebrief, WellbeingOffer
from dispatch.wellbeing.schemas import (
    CaseOut,
    DebriefOut,
    DebriefStatus,
    OfferOut,
    OfferStatus,
    Source,
)

OFFER_TRANSITIONS: Mapping[OfferStatus, frozenset[OfferStatus]] = {
    OfferStatus.OFFERED: frozenset({OfferStatus.ACCEPTED, OfferStatus.DECLINED}),
    OfferStatus.ACCEPTED: frozenset(),
    OfferStatus.DECLINED: frozenset(),
}
DEBRIEF_TRANSITIONS: Mapping[DebriefStatus, frozenset[DebriefStatus]] = {
    DebriefStatus.OPEN: frozenset({DebriefStatus.HELD, DebriefStatus.CANCELLED}),
    DebriefStatus.HELD: frozenset(),
    DebriefStatus.CANCELLED: frozenset(),
}
PSYCHOLOGIST_SKILL = PSYCHOLOGICAL_SUPPORT
# Who holds every debrief whatever their skills.
HOLDING_ROLES = frozenset({Role.SUPERVISOR.value, Role.TRAINER.value})
BREAK_REASON = BreakReason.REST  # the centre's own reason: the break says nothing of the call
BREAK_TEXT = "Rest"


def _move_offer(offer: WellbeingOffer, new: OfferStatus, *, now: datetime) -> None:
    current = OfferStatus(offer.status)
    if new not in OFFER_TRANSITIONS[current]:
        raise Conflict(
            f"the break offer {offer.id} is {current}; it cannot become {new}",
            said=said("wellbeing_offer_answered", status=current.value),
        )
    offer.status = new
    offer.answered_at = now


def _move_debrief(
    debrief: WellbeingDebrief, new: DebriefStatus, actor: Actor, note: str | None, *, now: datetime
) -> None:
    current = DebriefStatus(debrief.status)
    if new not in DEBRIEF_TRANSITIONS[current]:
        raise Conflict(
            f"the debrief {debrief.id} is {current}; it cannot become {new}",
            said=said("wellbeing_debrief_closed", status=current.value),
        )
    debrief.status = new
    debrief.closed_at, debrief.closed_by, debrief.note = now, actor.username, note


async def is_psychologist(session: AsyncSession, username: str) -> bool:
    """Tell whether ``username`` has the ACD skill ``psychological_support``."""
    row = await operators.find(session, username)
    return row is not None and PSYCHOLOGIST_SKILL in (row.skills or {})


async def holds_debriefs(session: AsyncSession, username: str, role: str) -> bool:
    """Tell whether this person sees and holds every debrief (a psychologist, a supervisor or
    a trainer)."""
    if role in HOLDING_ROLES:
        return True
    return role == Role.OPERATOR.value and await is_psychologist(session, username)


async def consider_card(
    session: AsyncSession, actor: Actor, card_id: uuid.UUID, *, minutes: int, now: datetime
) -> WellbeingCase | None:
    """Open the case a closed card makes for its operator (the one already opened when there
    is one); None when the card meets no rule or names no operator."""
    card = cards.to_card(await cards.load(session, card_id))
    if card.status is not CardStatus.CLOSED or card.operator_id is None:
        return None
    found = rules.reasons(card)
    if not found:
        return None
    earlier = await _case_of(session, card.id, card.operator_id)
    if earlier is not None:
        return earlier
    return await _open(
        session, actor, card.operator_id, Source.CARD, found,
        card_id=card.id, card_number=card.number, note=None, minutes=minutes, now=now,
    )  # fmt: skip


async def request(
    session: AsyncSession,
    actor: Actor,
    *,
    card_id: uuid.UUID | None,
    note: str | None,
    minutes: int,
    now: datetime,
) -> WellbeingCase:
    """I ask for a break and a debrief after a hard call (the card, when I name one)."""
    number = None
    if card_id is not None:
        try:
            number = (await cards.load(session, card_id)).number
        except NotFound as exc:
            raise Invalid(
                f"card_id: no card with id {card_id}", said=said("wellbeing_no_card")
            ) from exc
        earlier = await _case_of(session, card_id, actor.username)
        if earlier is not None:
            raise Conflict(
                f"you already have a case for card {number}",
                said=said("wellbeing_case_exists", card=number),
            )
    return await _open(
        session, actor, actor.username, Source.SELF, (rules.SELF_REQUEST,),
        card_id=card_id, card_number=number, note=note, minutes=minutes, now=now,
    )  # fmt: skip


async def _case_of(
    session: AsyncSession, card_id: uuid.UUID, username: str
) -> WellbeingCase | None:
    return await session.scalar(
        select(WellbeingCase).where(
            WellbeingCase.card_id == card_id, WellbeingCase.username == username
        )
    )


async def _open(
    session: AsyncSession,
    actor: Actor,
    username: str,
    source: Source,
    reasons: Sequence[str],
    *,
    card_id: uuid.UUID | None,
    card_number: str | None,
    note: str | None,
    minutes: int,
    now: datetime,
) -> WellbeingCase:
    case = WellbeingCase(
        id=uuid.uuid4(), username=username, card_id=card_id, card_number=card_number,
        source=source.value, reasons=list(reasons), note=note, created_at=now,
    )  # fmt: skip
    session.add(case)
    offer = None
    if await _pending_offer(session, username) is None:
        offer = WellbeingOffer(
            id=uuid.uuid4(), case_id=case.id, username=username, status=OfferStatus.OFFERED.value,
            minutes=minutes, offered_at=now,
        )  # fmt: skip
        session.add(offer)
    session.add(
        WellbeingDebrief(
            id=uuid.uuid4(),
            case_id=case.id,
            username=username,
            status=DebriefStatus.OPEN.value,
            flagged_at=now,
        )
    )
    try:
        await session.flush()
    except IntegrityError as exc:  # the same card's case opened by another process meanwhile
        raise Conflict(f"a case for card {card_number} was opened meanwhile") from exc
    await audit.record(
        session, actor, "wellbeing.open", "wellbeing_case", str(case.id),
        {"username": username, "source": source.value, "reasons": list(reasons),
         "card_id": str(card_id) if card_id else None, "offer": offer is not None},
        at=now,
    )  # fmt: skip
    _changed(session, case.username, case.id, "case_opened")
    return case


async def _pending_offer(session: AsyncSession, username: str) -> WellbeingOffer | None:
    return await session.scalar(
        select(WellbeingOffer)
        .where(
            WellbeingOffer.username == username, WellbeingOffer.status == OfferStatus.OFFERED.value
        )
        .order_by(WellbeingOffer.offered_at.desc())
        .limit(1)
    )


def _changed(
    session: AsyncSession, username: str, case_id: uuid.UUID, change: events.Change
) -> None:
    emit(
        session,
        events.CHANGED,
        events.Changed(username=username, case_id=str(case_id), change=change),
    )


async def _own_offer(session: AsyncSession, actor: Actor, offer_id: uuid.UUID) -> WellbeingOffer:
    offer = await session.scalar(
        select(WellbeingOffer).where(WellbeingOffer.id == offer_id).with_for_update(key_share=True)
    )
    if offer is None or offer.username != actor.username:  # another's is not said to exist
        raise NotFound(f"no break offer {offer_id} for you")
    return offer


async def accept(
    session: AsyncSession, actor: Actor, offer_id: uuid.UUID, *, now: datetime
) -> WellbeingOffer:
    """I take the break: on break in the ACD (unless I am already), for the offer's minutes."""
    offer = await _own_offer(session, actor, offer_id)
    _move_offer(offer, OfferStatus.ACCEPTED, now=now)
    offer.break_until = now + timedelta(minutes=offer.minutes)
    state = OperatorState((await queues.get_operator(session, actor.username)).state)
    if state is not OperatorState.ON_BREAK:
        try:
            await queues.request_state(
                session, actor, actor.username, OperatorState.ON_BREAK, BREAK_TEXT,
                now=now, reason_said=said(BREAK_REASON.value),
            )  # fmt: skip
        except Conflict as exc:  # on a call, or one ringing: nothing changes
            raise Conflict(
                f"you are {state.value}: finish the call, then take the break",
                said=said("wellbeing_break_busy", state=state.value),
            ) from exc
    await audit.record(
        session, actor, "wellbeing.offer.accept", "wellbeing_case", str(offer.case_id),
        {"offer_id": str(offer.id), "minutes": offer.minutes}, at=now,
    )  # fmt: skip
    _changed(session, offer.username, offer.case_id, "offer_accepted")
    return offer


async def decline(
    session: AsyncSession, actor: Actor, offer_id: uuid.UUID, *, now: datetime
) -> WellbeingOffer:
    """Not now: the offer is recorded as declined (the debrief stays flagged)."""
    offer = await _own_offer(session, actor, offer_id)
    _move_offer(offer, OfferStatus.DECLINED, now=now)
    await audit.record(
        session, actor, "wellbeing.offer.decline", "wellbeing_case", str(offer.case_id),
        {"offer_id": str(offer.id)}, at=now,
    )  # fmt: skip
    _changed(session, offer.username, offer.case_id, "offer_declined")
    return offer


async def _visible_debrief(
    session: AsyncSession, actor: Actor, debrief_id: uuid.UUID
) -> tuple[WellbeingDebrief, bool]:
    """The debrief (locked) and whether the actor holds debriefs; NotFound when the actor may
    not see it (another operator's)."""
    debrief = await session.scalar(
        select(WellbeingDebrief)
        .where(WellbeingDebrief.id == debrief_id)
        .with_for_update(key_share=True)
    )
    holder = await holds_debriefs(session, actor.username, actor.role)
    if debrief is None or not (holder or debrief.username == actor.username):
        raise NotFound(f"no debrief {debrief_id}")
    return debrief, holder


async def hold(
    session: AsyncSession, actor: Actor, debrief_id: uuid.UUID, note: str, *, now: datetime
) -> DebriefOut:
    """The psychologist (or a supervisor or trainer) held the debrief, with a note."""
    debrief, holder = await _visible_debrief(session, actor, debrief_id)
    if debrief.username == actor.username:
        raise PermissionDenied(
            "your own debrief is held by a colleague", said=said("wellbeing_own_debrief")
        )
    assert holder  # another's debrief is visible to holders only
    _move_debrief(debrief, DebriefStatus.HELD, actor, note, now=now)
    return await _closed(session, actor, debrief, "debrief_held", now=now)


async def cancel(
    session: AsyncSession,
    actor: Actor,
    debrief_id: uuid.UUID,
    note: str | None,
    *,
    now: datetime,
) -> DebriefOut:
    """The debrief will not be held: the operator declines it, or a holder closes it."""
    debrief, _ = await _visible_debrief(session, actor, debrief_id)
    _move_debrief(debrief, DebriefStatus.CANCELLED, actor, note, now=now)
    return await _closed(session, actor, debrief, "debrief_cancelled", now=now)


async def _closed(
    session: AsyncSession,
    actor: Actor,
    debrief: WellbeingDebrief,
    change: events.Change,
    *,
    now: datetime,
) -> DebriefOut:
    await audit.record(
        session, actor, f"wellbeing.{change.replace('_', '.')}", "wellbeing_case",
        str(debrief.case_id), {"debrief_id": str(debrief.id)}, at=now,
    )  # fmt: skip
    _changed(session, debrief.username, debrief.case_id, change)
    holder = await holds_debriefs(session, actor.username, actor.role)
    return (await _describe(session, [debrief], full=holder))[0]


async def debriefs(
    session: AsyncSession, actor: Actor, *, status: DebriefStatus | None, limit: int = 200
) -> list[DebriefOut]:
    """The debriefs the actor may see (a holder every one, an operator their own), oldest
    flag first; of one status when given."""
    holder = await holds_debriefs(session, actor.username, actor.role)
    query = select(WellbeingDebrief)
    if not holder:
        query = query.where(WellbeingDebrief.username == actor.username)
    if status is not None:
        query = query.where(WellbeingDebrief.status == status.value)
    rows = await session.scalars(
        query.order_by(WellbeingDebrief.flagged_at, WellbeingDebrief.id).limit(limit)
    )
    return await _describe(session, list(rows.all()), full=holder)


async def _describe(
    session: AsyncSession, rows: Sequence[WellbeingDebrief], *, full: bool
) -> list[DebriefOut]:
    if not rows:
        return []
    cases = {
        case.id: case
        for case in await session.scalars(
            select(WellbeingCase).where(WellbeingCase.id.in_({row.case_id for row in rows}))
        )
    }
    names = await full_names(session)
    return [
        DebriefOut(
            id=row.id,
            case_id=row.case_id,
            username=row.username,
            name=names.get(row.username, row.username),
            source=Source(cases[row.case_id].source),
            reasons=list(cases[row.case_id].reasons),
            status=DebriefStatus(row.status),
            flagged_at=row.flagged_at,
            closed_at=row.closed_at,
            closed_by=row.closed_by,
            note=row.note if full else None,
            request_note=cases[row.case_id].note if full else None,
        )
        for row in rows
    ]


async def full_names(session: AsyncSession) -> dict[str, str]:
    """Every account's name as people read it (the username when it has none)."""
    return {
        user.username: user.full_name or user.username for user in await auth.list_users(session)
    }


async def mine(session: AsyncSession, username: str, *, limit: int = 50) -> list[CaseOut]:
    """My cases, newest first, with their offer and debrief."""
    cases = list(
        (
            await session.scalars(
                select(WellbeingCase)
                .where(WellbeingCase.username == username)
                .order_by(WellbeingCase.created_at.desc(), WellbeingCase.id)
                .limit(limit)
            )
        ).all()
    )
    ids = [case.id for case in cases]
    offers = {
        o.case_id: o
        for o in await session.scalars(
            select(WellbeingOffer).where(WellbeingOffer.case_id.in_(ids))
        )
    }
    found = await session.scalars(select(WellbeingDebrief).where(WellbeingDebrief.case_id.in_(ids)))
    described = {d.case_id: d for d in await _describe(session, list(found.all()), full=False)}
    return [
        CaseOut(
            id=case.id,
            source=Source(case.source),
            reasons=list(case.reasons),
            card_id=case.card_id,
            card_number=case.card_number,
            note=case.note,
            created_at=case.created_at,
            offer=OfferOut.model_validate(offers[case.id]) if case.id in offers else None,
            debrief=described.get(case.id),
        )
        for case in cases
    ]


async def pending_offer(session: AsyncSession, username: str) -> OfferOut | None:
    """My break offer not yet answered, if any."""
    offer = await _pending_offer(session, username)
    return OfferOut.model_validate(offer) if offer else None


async def break_until(session: AsyncSession, username: str, *, now: datetime) -> datetime | None:
    """When the break I took after a traumatic call ends, while it lasts."""
    return await session.scalar(
        select(WellbeingOffer.break_until)
        .where(
            WellbeingOffer.username == username,
            WellbeingOffer.status == OfferStatus.ACCEPTED.value,
            WellbeingOffer.break_until > now,
        )
        .order_by(WellbeingOffer.break_until.desc())
        .limit(1)
    )


async def considered(session: AsyncSession, card_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these cards already opened a case."""
    if not card_ids:
        return set()
    rows = await session.scalars(
        select(WellbeingCase.card_id).where(WellbeingCase.card_id.in_(card_ids))
    )
    return {card_id for card_id in rows.all() if card_id is not None}
