"""Emergency services: list, add, change, retire. Retired services keep their history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.agencies import events, reference
from dispatch.agencies.models import Service
from dispatch.agencies.reference import ServiceRef
from dispatch.audit import service as audit
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.errors import Conflict, Invalid, NotFound

# The services every 112 centre in Uzbekistan starts with.
STARTING_SERVICES: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "101",
        {
            "uz": "Yong‘in xavfsizligi va qutqaruv xizmati",
            "ru": "Пожарно-спасательная служба",
            "en": "Fire and rescue",
        },
    ),
    ("102", {"uz": "Politsiya", "ru": "Полиция", "en": "Police"}),
    ("103", {"uz": "Tez tibbiy yordam", "ru": "Скорая медицинская помощь", "en": "Ambulance"}),
    ("104", {"uz": "Gaz avariya xizmati", "ru": "Аварийная газовая служба", "en": "Gas emergency"}),
    (
        "1146",
        {
            "uz": "Xotin-qizlar uchun inqiroz va suitsidning oldini olish liniyasi",
            "ru": "Кризисная линия для женщин и профилактики суицида",
            "en": "Women's crisis and suicide prevention line",
        },
    ),
)


async def list_services(session: AsyncSession, *, include_retired: bool = True) -> list[Service]:
    """Every service ordered by code length then code (101 before 1146)."""
    query = select(Service)
    if not include_retired:
        query = query.where(Service.active.is_(True))
    rows = (await session.scalars(query)).all()
    return sorted(rows, key=lambda s: (len(s.code), s.code))


async def get_service(session: AsyncSession, code: str) -> Service:
    """The service with short number ``code``; NotFound otherwise."""
    service = await session.get(Service, code)
    if service is None:
        raise NotFound(f"no emergency service with code {code!r}; see GET /api/v1/services")
    return service


async def lock_services(session: AsyncSession, codes: Iterable[str]) -> None:
    """Hold the services' rows until commit (in code order, so lockers never deadlock).

    The feed outbox takes this before adding rows, so each service's cursors are handed out in
    commit order: a consumer reading "after cursor N" can never pass a row still uncommitted.
    """
    if session.get_bind().dialect.name == "sqlite":
        return  # SQLite runs one writer at a time already (BEGIN IMMEDIATE)
    await session.execute(services_lock(codes))


def services_lock(codes: Iterable[str]) -> Select[str]:
    """The statement of :func:`lock_services` (for a caller with a synchronous connection: the
    outbox writes what it owes just before the commit)."""
    return (
        select(Service.code)
        .where(Service.code.in_(sorted(set(codes))))
        .order_by(Service.code)
        .with_for_update(key_share=True)
    )


async def require_known(session: AsyncSession, codes: Iterable[str]) -> list[ServiceRef]:
    """The services for ``codes``, in order; Invalid naming every unknown one."""
    wanted = list(dict.fromkeys(codes))
    found = await _services(session)
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise Invalid(f"unknown service code(s): {', '.join(unknown)}; see GET /api/v1/services")
    return [found[c] for c in wanted]


async def require_active(session: AsyncSession, codes: Iterable[str]) -> list[ServiceRef]:
    """The active services for ``codes``, in order; Invalid naming every unknown or retired one."""
    known = await require_known(session, codes)
    retired = [s.code for s in known if not s.active]
    if retired:
        raise Invalid(f"service(s) retired and not accepting cards: {', '.join(retired)}")
    return known


async def _services(session: AsyncSession) -> dict[str, ServiceRef]:
    """Every service by code, as remembered (``agencies/reference.py``)."""
    known = reference.known(session)
    if known.services is None:
        rows = (await session.scalars(select(Service))).all()
        known.services = {
            row.code: ServiceRef(code=row.code, names=dict(row.names), active=row.active)
            for row in rows
        }
    return known.services


async def create_service(
    session: AsyncSession,
    actor: Actor,
    *,
    code: str,
    names: dict[str, str],
    webhook_url: str | None,
    webhook_secret: str | None = None,
    webhook_batch: int = 1,
    now: datetime,
) -> Service:
    """Add a service; its code must be new."""
    if await session.get(Service, code) is not None:
        raise Conflict(f"service {code} already exists; change it with PATCH instead")
    service = Service(
        code=code,
        names=names,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_batch=webhook_batch,
        active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(service)
    await audit.record(session, actor, "service.create", "service", code, {"names": names}, at=now)
    reference.forget_after_commit(session)
    # Workers that keep services in memory (the webhook deliverer) read them again.
    emit(session, events.CREATED, events.ServiceCreated(code=code))
    return service


async def update_service(
    session: AsyncSession,
    actor: Actor,
    code: str,
    *,
    names: dict[str, str] | None = None,
    webhook_url: str | None = None,
    clear_webhook: bool = False,
    webhook_secret: str | None = None,
    webhook_batch: int | None = None,
    active: bool | None = None,
    now: datetime,
) -> Service:
    """Change a service's names, webhook or active flag (retire with ``active=False``)."""
    service = await get_service(session, code)
    changes: dict[str, object] = {}
    if names is not None and names != service.names:
        service.names = names
        changes["names"] = names
    if clear_webhook or (webhook_url is not None and webhook_url != service.webhook_url):
        service.webhook_url = None if clear_webhook else webhook_url
        changes["webhook_url"] = service.webhook_url
    if webhook_secret is not None and webhook_secret != service.webhook_secret:
        service.webhook_secret = webhook_secret
        # The secret itself stays out of the audit log.
        changes["webhook_secret"] = "changed"  # noqa: S105
    if webhook_batch is not None and webhook_batch != service.webhook_batch:
        service.webhook_batch = webhook_batch
        changes["webhook_batch"] = webhook_batch
    if active is not None and active != service.active:
        service.active = active
        changes["active"] = active
    if changes:
        service.updated_at = now
        await audit.record(session, actor, "service.update", "service", code, changes, at=now)
        reference.forget_after_commit(session)
        emit(session, events.UPDATED, events.ServiceUpdated(code=code, changed=sorted(changes)))
    return service


async def seed_services(session: AsyncSession, actor: Actor, *, now: datetime) -> int:
    """Add the starting services that are missing; returns how many were added."""
    added = 0
    for code, names in STARTING_SERVICES:
        if await session.get(Service, code) is None:
            await create_service(session, actor, code=code, names=names, webhook_url=None, now=now)
            added += 1
    return added
