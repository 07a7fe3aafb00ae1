"""Call control on the operator console's stream: the parties the operator asked onto the call
arrive on the ``call`` part with their state; a supervisor listening in never does."""

from __future__ import annotations

import httpx
import pytest

from tests.consoles.conftest import open_console, post_call, sign_in
from tests.fixtures.live import Live

pytestmark = pytest.mark.asyncio


async def test_the_call_part_shows_the_parties_asked_on_but_no_supervisor_listening(
    live: Live, http: httpx.AsyncClient
) -> None:
    token = await sign_in(http, "operator1")
    auth = {"Authorization": f"Bearer {token}"}
    chief = {"Authorization": f"Bearer {await sign_in(http, 'supervisor1')}"}
    console = await open_console(live, token)
    state = await http.post("/api/v1/operators/me/state", json={"state": "available"}, headers=auth)
    assert state.status_code == 200, state.text
    call = await post_call(http, caller_number="+998907650026")
    parts = await console.until(lambda p: p["offer"] is not None)
    accepted = await http.post(f"/api/v1/offers/{parts['offer']['id']}/accept", headers=auth)
    assert accepted.status_code == 200, accepted.text
    await console.until(lambda p: p["call"] is not None and p["call"]["status"] == "connected")

    listening = await http.post(
        f"/api/v1/calls/{call['id']}/monitor", json={"mode": "listen"}, headers=chief
    )
    assert listening.status_code == 201, listening.text
    added = await http.post(
        f"/api/v1/calls/{call['id']}/conference",
        json={"target": {"directory": "interpreter-en"}},
        headers=auth,
    )
    assert added.status_code == 201, added.text
    parts = await console.until(lambda p: bool(p["call"]["legs"]))
    assert [(leg["id"], leg["kind"], leg["status"]) for leg in parts["call"]["legs"]] == [
        (added.json()["id"], "conference", "dialing")
    ]
    # Every version of the part the console received left the supervisor out.
    seen = [
        leg
        for delta in console.deltas
        for leg in ((delta["parts"].get("call") or {}).get("legs") or [])
    ]
    assert seen
    assert all(leg["kind"] != "monitor" for leg in seen)
    await console.socket.close()
