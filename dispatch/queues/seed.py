"""Starting data of the ACD: the default queues (reference) and demo operators' skills (dev)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.queues import operators
from dispatch.queues.catalog import seed_queues

__all__ = ["DEMO_SKILLS", "seed_demo_skills", "seed_queues"]

DEMO_SKILLS: Mapping[str, Mapping[str, int]] = {
    "operator1": {"lang:uz": 0, "lang:ru": 1, "channel:voice": 0, "channel:sms": 0},
    "operator2": {
        "lang:ru": 0,
        "lang:uz": 1,
        "channel:voice": 0,
        "channel:video": 0,
        "channel:email": 0,
        "sign_language": 0,
    },
}


async def seed_demo_skills(session: AsyncSession, *, now: datetime) -> int:
    """Give the demo operators their skills when they have none yet; returns how many."""
    added = 0
    for username, skills in DEMO_SKILLS.items():
        if await operators.find(session, username) is not None:
            continue
        row = await operators.locked(session, username, now=now)
        row.skills = dict(skills)
        added += 1
    return added
