"""Service units and their coverage: everyone signed in reads them, admins change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from dispatch.agencies import units_service as units
from dispatch.agencies.units_models import Unit
from dispatch.agencies.units_schemas import CoverageIn, UnitCreate, UnitOut, UnitUpdate
from dispatch.deps import Admin, AnyUser, ClockDep, Session

router = APIRouter(prefix="/api/v1", tags=["units"])


async def _out(session: Session, found: list[Unit]) -> list[UnitOut]:
    covered = await units.coverage(session, [u.code for u in found])
    return [
        UnitOut(
            code=u.code,
            service_code=u.service_code,
            name=u.name,
            names=u.names,
            active=u.active,
            sample=u.sample,
            districts=covered[u.code],
            created_at=u.created_at,
            updated_at=u.updated_at,
        )
        for u in found
    ]


@router.get("/units", response_model=list[UnitOut])
async def list_units(
    session: Session,
    _: AnyUser,
    service: Annotated[str | None, Query(max_length=32, description="e.g. 103")] = None,
    district: Annotated[
        str | None, Query(max_length=32, description="only units covering this district")
    ] = None,
) -> list[UnitOut]:
    """Units by code, retired ones included (``active`` false); sample ones say so."""
    found = await units.list_units(session, service_code=service, district_code=district)
    return await _out(session, found)


@router.get("/units/{code}", response_model=UnitOut)
async def get_unit(code: str, session: Session, _: AnyUser) -> UnitOut:
    """One unit with its coverage."""
    return (await _out(session, [await units.get_unit(session, code)]))[0]


@router.post("/units", response_model=UnitOut, status_code=status.HTTP_201_CREATED)
async def create_unit(body: UnitCreate, session: Session, admin: Admin, clock: ClockDep) -> UnitOut:
    """Add a unit of an active service, covering the given districts."""
    created = await units.create_unit(
        session,
        admin.actor,
        code=body.code,
        service_code=body.service_code,
        name=body.name,
        names=body.names.given() if body.names else None,
        districts=body.districts,
        now=clock.now(),
    )
    return (await _out(session, [created]))[0]


@router.patch("/units/{code}", response_model=UnitOut)
async def update_unit(
    code: str, body: UnitUpdate, session: Session, admin: Admin, clock: ClockDep
) -> UnitOut:
    """Rename a unit (``names`` by UI language; a new ``name`` alone drops them), retire it
    with ``active: false``, or confirm it with ``sample: false``."""
    updated = await units.update_unit(
        session,
        admin.actor,
        code,
        name=body.name,
        names=body.names.given() if body.names else None,
        active=body.active,
        sample=body.sample,
        now=clock.now(),
    )
    return (await _out(session, [updated]))[0]


@router.put("/units/{code}/coverage", response_model=UnitOut)
async def set_coverage(
    code: str, body: CoverageIn, session: Session, admin: Admin, clock: ClockDep
) -> UnitOut:
    """Replace the districts the unit covers."""
    await units.set_coverage(session, admin.actor, code, body.districts, now=clock.now())
    return (await _out(session, [await units.get_unit(session, code)]))[0]
