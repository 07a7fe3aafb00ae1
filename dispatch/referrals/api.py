"""The referral directory over the API: searched by those who take and review calls, kept by
supervisors and admins; a referral recorded on a card."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from dispatch.auth.roles import Role
from dispatch.calls.schemas import LANGUAGE_PATTERN
from dispatch.cards.api import CallTaker, LocalNow, card_response
from dispatch.cards.routing.api import ClassifierDep
from dispatch.deps import ClockDep, Principal, Session, roles
from dispatch.referrals import service
from dispatch.referrals.schemas import (
    REGION_PATTERN,
    CardReferralCreate,
    ReferralCreate,
    ReferralKind,
    ReferralOut,
    ReferralPatch,
)

router = APIRouter(prefix="/api/v1", tags=["referrals"])

Reader = Annotated[
    Principal, roles(Role.OPERATOR, Role.SUPERVISOR, Role.QA, Role.ANALYST, Role.ADMIN)
]
Keeper = Annotated[Principal, roles(Role.SUPERVISOR, Role.ADMIN)]


@router.get("/referrals", response_model=list[ReferralOut])
async def search_referrals(
    session: Session,
    _: Reader,
    region: Annotated[str | None, Query(pattern=REGION_PATTERN)] = None,
    language: Annotated[str | None, Query(pattern=LANGUAGE_PATTERN)] = None,
    kind: ReferralKind | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    include_inactive: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ReferralOut]:
    """Entries serving ``region`` (its own first, then national), speaking ``language``, of
    ``kind``, holding every word of ``q`` in a name, phone, address or note."""
    return await service.search(
        session,
        region=region,
        language=language,
        kind=kind,
        q=q,
        include_inactive=include_inactive,
        limit=limit,
    )


@router.get("/referrals/{referral_id}", response_model=ReferralOut)
async def get_referral(referral_id: uuid.UUID, session: Session, _: Reader) -> ReferralOut:
    """One entry."""
    return ReferralOut.model_validate(await service.get(session, referral_id))


@router.post("/referrals", response_model=ReferralOut, status_code=status.HTTP_201_CREATED)
async def create_referral(
    body: ReferralCreate, session: Session, who: Keeper, clock: ClockDep
) -> ReferralOut:
    """Add an entry (audited)."""
    return ReferralOut.model_validate(
        await service.create(session, who.actor, body, now=clock.now())
    )


@router.patch("/referrals/{referral_id}", response_model=ReferralOut)
async def update_referral(
    referral_id: uuid.UUID, body: ReferralPatch, session: Session, who: Keeper, clock: ClockDep
) -> ReferralOut:
    """Change the fields sent (audited); ``active: false`` takes it out of the search."""
    row = await service.update(session, who.actor, referral_id, body, now=clock.now())
    return ReferralOut.model_validate(row)


@router.delete("/referrals/{referral_id}", response_model=ReferralOut)
async def retire_referral(
    referral_id: uuid.UUID, session: Session, who: Keeper, clock: ClockDep
) -> ReferralOut:
    """Take an entry out of use (it stays, inactive: cards' notes and the audit name it)."""
    patch = ReferralPatch(active=False)
    row = await service.update(session, who.actor, referral_id, patch, now=clock.now())
    return ReferralOut.model_validate(row)


@router.post("/cards/{card_id}/referrals", status_code=status.HTTP_201_CREATED)
async def refer_on_card(
    card_id: uuid.UUID,
    body: CardReferralCreate,
    request: Request,
    session: Session,
    who: CallTaker,
    classifier: ClassifierDep,
    now: LocalNow,
) -> Response:
    """Record on the card that the caller was referred (a note); the card is answered."""
    row = await service.record_on_card(session, who.actor, card_id, body, now=now)
    return card_response(row, request, classifier, status.HTTP_201_CREATED)
