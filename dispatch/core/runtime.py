"""What the app holds while it runs: built in the lifespan from settings, kept on app.state."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dispatch.core.bus import Bus
from dispatch.core.clock import Clock
from dispatch.core.leadership import Leadership
from dispatch.core.metrics import Metrics
from dispatch.core.settings import Settings


@dataclass
class Runtime:
    """Settings, storage, bus, clock and metrics of one server process."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bus: Bus
    clock: Clock
    metrics: Metrics
    # Which singletons this process leads (``core/leadership``); None runs them unconditionally
    # (a test's or a benchmark's runtime without the server's lifespan).
    leadership: Leadership | None = None
