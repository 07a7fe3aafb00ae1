"""Reference data every installation needs, and demo accounts for dev mode only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.agencies.service import seed_services
from dispatch.agencies.units_service import seed_sample_units
from dispatch.auth import service as auth
from dispatch.auth.models import ApiKey, User
from dispatch.auth.roles import Role
from dispatch.core.actor import SYSTEM
from dispatch.core.settings import DEFAULT_GEO_DATA_DIR
from dispatch.geo import service as geo
from dispatch.protocols.service import seed_protocols
from dispatch.queues.seed import seed_demo_skills, seed_queues
from dispatch.referrals.service import seed_referrals


@dataclass(frozen=True)
class DemoAccount:
    """A dev-mode account; its password is its name."""

    username: str
    role: Role
    full_name: str
    language: str = "uz"
    api_key: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount("operator1", Role.OPERATOR, "Dilnoza Karimova"),
    DemoAccount("operator2", Role.OPERATOR, "Aleksandr Pak", language="ru"),
    DemoAccount("supervisor1", Role.SUPERVISOR, "Bahodir Yusupov"),
    DemoAccount("qa1", Role.QA, "Malika Rahimova"),
    DemoAccount("analyst1", Role.ANALYST, "Sardor Tursunov"),
    DemoAccount("methodologist1", Role.METHODOLOGIST, "Nodira Xolmatova"),
    DemoAccount("methodologist2", Role.METHODOLOGIST, "Rustam Saidov", language="ru"),
    DemoAccount("trainer1", Role.TRAINER, "Gulnora Abdullayeva"),
    DemoAccount("admin", Role.ADMIN, "System administrator", language="en"),
    DemoAccount("gateway1", Role.GATEWAY, "Telephony gateway (demo)", api_key="gateway1-dev-key"),
)


async def seed_reference(
    session: AsyncSession, *, now: datetime, geo_data_dir: Path | None = None
) -> dict[str, int]:
    """Add missing reference data: the starting emergency services, the boundaries of regions
    and districts (when none are loaded yet, from ``geo_data_dir``), and the sample units.
    Returns how many of each were added; safe to run again."""
    added = {"services": await seed_services(session, SYSTEM, now=now)}
    loaded = await geo.seed_boundaries(
        session, SYSTEM, geo_data_dir or DEFAULT_GEO_DATA_DIR, now=now
    )
    added["regions"] = loaded.regions if loaded else 0
    added["districts"] = loaded.districts if loaded else 0
    added["units"] = await seed_sample_units(session, SYSTEM, now=now)
    added["queues"] = await seed_queues(session, SYSTEM, now=now)
    added["protocols"] = await seed_protocols(session, SYSTEM, now=now)
    added["referrals"] = await seed_referrals(session, SYSTEM, now=now)
    return added


async def seed_demo(session: AsyncSession, *, now: datetime, scrypt_n: int) -> int:
    """Add the missing dev-mode demo accounts; returns how many were added."""
    added = 0
    for account in DEMO_ACCOUNTS:
        exists = await session.scalar(select(User.id).where(User.username == account.username))
        if exists is not None:
            continue
        await auth.create_user(
            session,
            SYSTEM,
            username=account.username,
            role=account.role,
            password=account.username,
            full_name=account.full_name,
            language=account.language,
            now=now,
            scrypt_n=scrypt_n,
        )
        if account.api_key:
            await auth.create_api_key(
                session, SYSTEM, account.username, label="demo", now=now, key=account.api_key
            )
        added += 1
    await seed_demo_skills(session, now=now)  # the demo operators' languages and channels
    return added


async def demo_key_exists(session: AsyncSession, key: str) -> bool:
    """True when a demo key is installed (used to print it only when it works)."""
    row = await session.scalar(select(ApiKey.id).where(ApiKey.key_hash == auth.hash_api_key(key)))
    return row is not None
