"""Wellbeing over HTTP: an operator's own cases, request and break offer; the debriefs for the
psychologists, supervisors and trainers; the report (counts for admins, names for supervisors
and trainers, audited)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from dispatch.auth.roles import Role
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles
from dispatch.wellbeing import report, service
from dispatch.wellbeing.schemas import (
    CancelIn,
    CaseOut,
    DebriefOut,
    DebriefStatus,
    HoldIn,
    OfferOut,
    RequestIn,
    WellbeingReport,
)

router = APIRouter(prefix="/api/v1/wellbeing", tags=["wellbeing"])

CallTaker = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR)]
# Operators reach the debriefs too: a psychologist (the ACD skill) every one, any other
# operator their own only (another's is not found).
DebriefReader = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR, Role.TRAINER)]
ReportReader = Annotated[Principal, roles(Role.SUPERVISOR, Role.TRAINER, Role.ADMIN)]


@router.get("/mine", response_model=list[CaseOut])
async def mine(session: Session, who: CallTaker) -> list[CaseOut]:
    """My cases, newest first: the card or my request, the break offered and the debrief."""
    return await service.mine(session, who.user.username)


@router.post("/requests", response_model=CaseOut, status_code=status.HTTP_201_CREATED)
async def ask(
    body: RequestIn, session: Session, who: CallTaker, clock: ClockDep, settings: SettingsDep
) -> CaseOut:
    """I ask for a break and a debrief after a hard call (naming its card, when I want)."""
    case = await service.request(
        session,
        who.actor,
        card_id=body.card_id,
        note=body.note,
        minutes=settings.wellbeing_break_minutes,
        now=clock.now(),
    )
    return next(c for c in await service.mine(session, who.user.username) if c.id == case.id)


@router.post("/offers/{offer_id}/accept", response_model=OfferOut)
async def accept(
    offer_id: uuid.UUID, session: Session, who: CallTaker, clock: ClockDep
) -> OfferOut:
    """I take the break: on break now (409 while on a call)."""
    return OfferOut.model_validate(
        await service.accept(session, who.actor, offer_id, now=clock.now())
    )


@router.post("/offers/{offer_id}/decline", response_model=OfferOut)
async def decline(
    offer_id: uuid.UUID, session: Session, who: CallTaker, clock: ClockDep
) -> OfferOut:
    """Not now (the debrief stays flagged)."""
    return OfferOut.model_validate(
        await service.decline(session, who.actor, offer_id, now=clock.now())
    )


@router.get("/debriefs", response_model=list[DebriefOut])
async def debriefs(
    session: Session, who: DebriefReader, status: DebriefStatus | None = DebriefStatus.OPEN
) -> list[DebriefOut]:
    """The debriefs I may see, oldest first (``open`` unless asked): every one for a
    psychologist, a supervisor or a trainer; an operator's own for anyone else."""
    return await service.debriefs(session, who.actor, status=status)


@router.post("/debriefs/{debrief_id}/hold", response_model=DebriefOut)
async def hold(
    debrief_id: uuid.UUID, body: HoldIn, session: Session, who: DebriefReader, clock: ClockDep
) -> DebriefOut:
    """The debrief was held (a psychologist, supervisor or trainer; never one's own)."""
    return await service.hold(session, who.actor, debrief_id, body.note, now=clock.now())


@router.post("/debriefs/{debrief_id}/cancel", response_model=DebriefOut)
async def cancel(
    debrief_id: uuid.UUID, body: CancelIn, session: Session, who: DebriefReader, clock: ClockDep
) -> DebriefOut:
    """The debrief will not be held (its operator declines it, or a holder closes it)."""
    return await service.cancel(session, who.actor, debrief_id, body.note, now=clock.now())


@router.get("/report", response_model=WellbeingReport)
async def get_report(
    session: Session,
    who: ReportReader,
    settings: SettingsDep,
    clock: ClockDep,
    date_from: Annotated[date, Query()],
    date_to: Annotated[date, Query()],
) -> WellbeingReport:
    """Per local day the traumatic calls, breaks offered and accepted, debriefs flagged and
    held and the mean time to the debrief; the cases with names for supervisors and trainers
    (the read is audited), the counts alone for admins."""
    return await report.build(
        session, who.actor, date_from, date_to, tz=settings.tz, now=clock.now()
    )
