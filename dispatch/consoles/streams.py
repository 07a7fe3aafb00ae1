"""The consoles' part of the app: the hub for every console view (the pages themselves are
``dispatch/web/``, served by ``core.http.mount_pages``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dispatch.consoles.hub import ConsoleHub
from dispatch.consoles.notices import NoticeSource
from dispatch.consoles.operator_view import operator_view
from dispatch.consoles.scripts import default_scripts
from dispatch.consoles.supervisor_view import SUPERVISOR_VIEW
from dispatch.core.events import EVERY
from dispatch.core.runtime import Runtime
from dispatch.core.workers import stop_tasks


@asynccontextmanager
async def console_streams(
    runtime: Runtime, *, notices: NoticeSource | None = None
) -> AsyncIterator[ConsoleHub]:
    """Serve the console streams for as long as the app runs (the hub, fed every bus event,
    this process's and the others'); the operator console's reminders come from ``notices``
    (``app.state.notices``: training sits above)."""
    default_scripts()  # a malformed scripts file stops the start, with the entry at fault
    settings = runtime.settings
    hub = ConsoleHub(
        runtime,
        (operator_view(notices), SUPERVISOR_VIEW),
        refresh_s=settings.console_refresh_s,
        heartbeat_s=settings.console_heartbeat_s,
    )
    subscription = runtime.bus.subscribe(EVERY, remote=True, max_queue=100_000)
    task = asyncio.create_task(hub.run(subscription), name="consoles.hub")
    try:
        yield hub
    finally:
        await subscription.close()
        await stop_tasks([task])
