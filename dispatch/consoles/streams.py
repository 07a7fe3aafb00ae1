"""The consoles' part of the app: the hub for every console view (the pages themselves are
``dispatch/web/``, served by ``core.http.mount_pages``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dispatch.consoles.hub import ConsoleHub, console_hub
from dispatch.consoles.notices import NoticeSource
from dispatch.consoles.operator_view import operator_view
from dispatch.consoles.scripts import default_scripts
from dispatch.consoles.supervisor_view import SUPERVISOR_VIEW
from dispatch.core.runtime import Runtime


@asynccontextmanager
async def console_streams(
    runtime: Runtime, *, notices: NoticeSource | None = None
) -> AsyncIterator[ConsoleHub]:
    """Serve the console streams for as long as the app runs; the operator console's
    reminders come from ``notices`` (``app.state.notices``: training sits above)."""
    default_scripts()  # a malformed scripts file stops the start, with the entry at fault
    async with console_hub(runtime, (operator_view(notices), SUPERVISOR_VIEW)) as hub:
        yield hub
