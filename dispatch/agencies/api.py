"""Emergency services: everyone signed in reads them, admins change them."""

from __future__ import annotations

from fastapi import APIRouter, status

from dispatch.agencies import service
from dispatch.agencies.schemas import ServiceCreate, ServiceOut, ServiceUpdate
from dispatch.deps import Admin, AnyUser, ClockDep, Session

router = APIRouter(prefix="/api/v1", tags=["services"])


@router.get("/services", response_model=list[ServiceOut])
async def list_services(session: Session, _: AnyUser) -> list[ServiceOut]:
    """Every emergency service, retired ones included (``active`` false)."""
    return [ServiceOut.model_validate(s) for s in await service.list_services(session)]


@router.get("/services/{code}", response_model=ServiceOut)
async def get_service(code: str, session: Session, _: AnyUser) -> ServiceOut:
    """One emergency service."""
    return ServiceOut.model_validate(await service.get_service(session, code))


@router.post("/services", response_model=ServiceOut, status_code=status.HTTP_201_CREATED)
async def create_service(
    body: ServiceCreate, session: Session, admin: Admin, clock: ClockDep
) -> ServiceOut:
    """Add an emergency service."""
    created = await service.create_service(
        session,
        admin.actor,
        code=body.code,
        names=body.names.model_dump(),
        webhook_url=str(body.webhook_url) if body.webhook_url else None,
        webhook_secret=body.webhook_secret,
        webhook_batch=body.webhook_batch,
        now=clock.now(),
    )
    return ServiceOut.model_validate(created)


@router.patch("/services/{code}", response_model=ServiceOut)
async def update_service(
    code: str, body: ServiceUpdate, session: Session, admin: Admin, clock: ClockDep
) -> ServiceOut:
    """Change a service's names or webhook, or retire it with ``active: false``."""
    fields = body.model_fields_set
    updated = await service.update_service(
        session,
        admin.actor,
        code,
        names=body.names.model_dump() if body.names else None,
        webhook_url=str(body.webhook_url) if body.webhook_url else None,
        clear_webhook="webhook_url" in fields and body.webhook_url is None,
        webhook_secret=body.webhook_secret,
        webhook_batch=body.webhook_batch,
        active=body.active,
        now=clock.now(),
    )
    return ServiceOut.model_validate(updated)
