"""A console's recomputation reads each row once: its parts share one snapshot, and a row one
part read (the operator's, for the state part) answers the next part's lookup of it (the call
part, the wellbeing part) instead of another round trip (``core.database.one_snapshot``)."""

from __future__ import annotations

from typing import Any

import pytest

from dispatch.auth.roles import Role
from dispatch.consoles.hub import ConsoleHub
from dispatch.consoles.operator_view import OPERATOR_VIEW
from dispatch.consoles.views import ConsoleUser
from dispatch.core.settings import Settings
from tests.consoles.test_hub_flush import Sink
from tests.fixtures.api import running_api
from tests.fixtures.statements import statements

pytestmark = pytest.mark.asyncio


async def recomputed(api: Any, username: str) -> list[str]:
    """The statements one recomputation of every part of ``username``'s operator console sends."""
    hub = ConsoleHub(api.runtime, [OPERATOR_VIEW], refresh_s=3600)
    user = ConsoleUser(username=username, role=Role.OPERATOR, full_name="O", language="uz")
    console = hub.attach(Sink(), user, OPERATOR_VIEW.name)
    await hub.flush()
    assert console.snapshot is not None
    with statements(api.runtime.engine) as seen:
        hub.mark_everything()  # every part again, as the refresh does
        await hub.flush_personal()
    assert [s for s in seen if "FROM wellbeing_debriefs" in s], "the parts were not recomputed"
    return seen


async def test_a_consoles_parts_read_the_operators_row_once(settings: Settings) -> None:
    async with running_api(settings) as api:
        answer = await api.post(
            "/api/v1/operators/me/state", user="operator1", json={"state": "available"}
        )
        assert answer.status_code == 200, answer.text
        seen = await recomputed(api, "operator1")
    assert len([s for s in seen if s.startswith("SELECT operators.username")]) == 1, seen


async def test_a_console_of_someone_who_never_used_the_acd_asks_once_too(
    settings: Settings,
) -> None:
    async with running_api(settings) as api:
        made = await api.post(
            "/api/v1/users",
            user="admin",
            json={"username": "newcomer", "role": "operator", "password": "a-long-password"},
        )
        assert made.status_code == 201, made.text
        seen = await recomputed(api, "newcomer")  # no operator row: none is found, once
    assert len([s for s in seen if s.startswith("SELECT operators.username")]) == 1, seen
    assert len([s for s in seen if s.startswith("SELECT users.id")]) == 1, seen
