"""Service units and the districts they cover: list, add, change, retire, and the choice of
the unit a card goes to. Units are never deleted; a retired one keeps its history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.agencies import reference
from dispatch.agencies import service as services
from dispatch.agencies.models import Service
from dispatch.agencies.reference import UnitRef
from dispatch.agencies.units_models import Unit, UnitCoverage
from dispatch.audit import service as audit
from dispatch.core.actor import Actor
from dispatch.errors import Conflict, NotFound
from dispatch.geo import service as geo

# What a sample unit of each starting service is called: "103 — Samarkand region ambulance".
SAMPLE_KINDS = {
    "101": "fire and rescue",
    "102": "police",
    "103": "ambulance",
    "104": "gas emergency",
    "1146": "crisis line",
}


async def list_units(
    session: AsyncSession, *, service_code: str | None = None, district_code: str | None = None
) -> list[Unit]:
    """Units by code, optionally only one service's and only those covering a district."""
    query = select(Unit).order_by(Unit.code)
    if service_code is not None:
        query = query.where(Unit.service_code == service_code)
    if district_code is not None:
        covering = select(UnitCoverage.unit_code).where(UnitCoverage.district_code == district_code)
        query = query.where(Unit.code.in_(covering))
    return list((await session.scalars(query)).all())


async def get_unit(session: AsyncSession, code: str) -> Unit:
    """The unit with ``code``; NotFound otherwise."""
    unit = await session.get(Unit, code)
    if unit is None:
        raise NotFound(f"no unit with code {code!r}; see GET /api/v1/units")
    return unit


async def coverage(session: AsyncSession, unit_codes: Iterable[str]) -> dict[str, list[str]]:
    """The district codes each unit covers, sorted (every asked unit has an entry)."""
    wanted = list(unit_codes)
    result: dict[str, list[str]] = {code: [] for code in wanted}
    rows = await session.execute(
        select(UnitCoverage.unit_code, UnitCoverage.district_code)
        .where(UnitCoverage.unit_code.in_(wanted))
        .order_by(UnitCoverage.unit_code, UnitCoverage.district_code)
    )
    for unit_code, district_code in rows.all():
        result[unit_code].append(district_code)
    return result


async def create_unit(
    session: AsyncSession,
    actor: Actor,
    *,
    code: str,
    service_code: str,
    name: str,
    names: Mapping[str, str] | None = None,
    districts: Iterable[str] = (),
    sample: bool = False,
    now: datetime,
) -> Unit:
    """Add a unit of an active service covering known districts, with its ``name`` and its
    ``names`` by UI language; its code must be new."""
    if await session.get(Unit, code) is not None:
        raise Conflict(f"unit {code} already exists; change it with PATCH instead")
    await services.require_active(session, [service_code])
    covered = await geo.require_districts(session, districts)
    unit = Unit(
        code=code,
        service_code=service_code,
        name=name,
        names=dict(names or {}),
        active=True,
        sample=sample,
        created_at=now,
        updated_at=now,
    )
    session.add(unit)
    await session.flush()
    session.add_all(UnitCoverage(unit_code=code, district_code=d) for d in covered)
    detail = {
        "service_code": service_code,
        "name": name,
        "names": unit.names,
        "sample": sample,
        "districts": covered,
    }
    await audit.record(session, actor, "unit.create", "unit", code, detail, at=now)
    reference.forget_after_commit(session)
    return unit


async def update_unit(
    session: AsyncSession,
    actor: Actor,
    code: str,
    *,
    name: str | None = None,
    names: Mapping[str, str] | None = None,
    active: bool | None = None,
    sample: bool | None = None,
    now: datetime,
) -> Unit:
    """Rename a unit (``names`` replace its names by UI language; a new ``name`` without them
    drops them, as they named it as it was called before), retire or reactivate it, or mark
    it as the centre's own (not sample)."""
    unit = await get_unit(session, code)
    changes: dict[str, object] = {}
    if name is not None and name != unit.name:
        unit.name = name
        changes["name"] = name
        if names is None:
            names = {}
    if names is not None and dict(names) != unit.names:
        unit.names = dict(names)
        changes["names"] = unit.names
    if active is not None and active != unit.active:
        unit.active = active
        changes["active"] = active
    if sample is not None and sample != unit.sample:
        unit.sample = sample
        changes["sample"] = sample
    if changes:
        unit.updated_at = now
        await audit.record(session, actor, "unit.update", "unit", code, changes, at=now)
        reference.forget_after_commit(session)
    return unit


async def set_coverage(
    session: AsyncSession, actor: Actor, code: str, districts: Iterable[str], *, now: datetime
) -> list[str]:
    """Make the unit cover exactly ``districts`` (all known); returns them sorted."""
    unit = await get_unit(session, code)
    wanted = set(await geo.require_districts(session, districts))
    had = set((await coverage(session, [code]))[code])
    added, removed = sorted(wanted - had), sorted(had - wanted)
    if removed:
        await session.execute(
            delete(UnitCoverage).where(
                UnitCoverage.unit_code == code, UnitCoverage.district_code.in_(removed)
            )
        )
    session.add_all(UnitCoverage(unit_code=code, district_code=d) for d in added)
    if added or removed:
        unit.updated_at = now
        detail = {"added": added, "removed": removed}
        await audit.record(session, actor, "unit.coverage", "unit", code, detail, at=now)
        reference.forget_after_commit(session)
    return sorted(wanted)


async def choose_unit(
    session: AsyncSession,
    service_code: str,
    district_code: str | None,
    region_code: str | None,
) -> UnitRef | None:
    """The active unit of the service covering the district, else one covering any district of
    the region (the district's own region when none is given), else None. Among several,
    the centre's own units come before sample ones, then the lowest code. Remembered per
    process (``agencies/reference.py``)."""
    known = reference.known(session)
    key = (await geo.boundaries_digest(session), service_code, district_code, region_code)
    if key in known.units:
        return known.units[key]
    unit = await _choose(session, service_code, district_code, region_code)
    chosen = UnitRef(code=unit.code, name=unit.name) if unit is not None else None
    known.units[key] = chosen
    return chosen


async def _choose(
    session: AsyncSession,
    service_code: str,
    district_code: str | None,
    region_code: str | None,
) -> Unit | None:
    if district_code is not None:
        unit = await _first_covering(session, service_code, [district_code])
        if unit is not None:
            return unit
        if region_code is None:
            region_code = await _region_of(session, district_code)
    if region_code is None:
        return None
    districts = await geo.district_codes(session, region_code)
    return await _first_covering(session, service_code, districts)


async def seed_sample_units(session: AsyncSession, actor: Actor, *, now: datetime) -> int:
    """Add the missing sample units: one per starting service per region, covering all of the
    region's districts, named in each UI language; a sample unit stored before units had
    names, and not renamed since, gets them. Returns how many units were added."""
    added = 0
    for region in await geo.list_region_areas(session):
        districts = await geo.district_codes(session, region.code)
        for service_code, kind in SAMPLE_KINDS.items():
            service = await session.get(Service, service_code)
            if service is None:
                continue
            code = f"{region.code}-{service_code}"
            names = sample_names(service_code, kind, service.names, region.names, region.name)
            unit = await session.get(Unit, code)
            if unit is None:
                await create_unit(
                    session,
                    actor,
                    code=code,
                    service_code=service_code,
                    name=names["en"],
                    names=names,
                    districts=districts,
                    sample=True,
                    now=now,
                )
                added += 1
            elif unit.sample and not unit.names and unit.name == names["en"]:
                await update_unit(session, actor, code, names=names, now=now)
    return added


def sample_names(
    service_code: str,
    kind: str,
    service_names: Mapping[str, str],
    region_names: Mapping[str, str],
    region_name: str,
) -> dict[str, str]:
    """A sample unit's names: "103 — Samarkand region ambulance" in English (its ``name``);
    in Uzbek and Russian the service's and the region's own names, "103 — Tez tibbiy yordam,
    Samarqand viloyati", where the data has both (a place name is never made up)."""
    names = {"en": f"{service_code} — {region_names.get('en') or region_name} {kind}"}
    for language in ("uz", "ru"):
        service, region = service_names.get(language), region_names.get(language)
        if service and region:
            names[language] = f"{service_code} — {service}, {region}"
    return names


async def _first_covering(
    session: AsyncSession, service_code: str, district_codes: list[str]
) -> Unit | None:
    if not district_codes:
        return None
    covering = select(UnitCoverage.unit_code).where(UnitCoverage.district_code.in_(district_codes))
    query = (
        select(Unit)
        .where(Unit.service_code == service_code, Unit.active.is_(True), Unit.code.in_(covering))
        .order_by(Unit.sample, Unit.code)
        .limit(1)
    )
    return await session.scalar(query)


async def _region_of(session: AsyncSession, district_code: str) -> str | None:
    try:
        return (await geo.get_district(session, district_code)).region_code
    except NotFound:
        return None
