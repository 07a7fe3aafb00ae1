"""Call control in Debian's headless Chromium (issue 26): an operator warm-transfers a caller to
a psychologist (a colleague with the skill ``psychological_support``) by adding them to the call
and leaving it to them, and a supervisor listens in on another call, then barges in; a test
gateway on ``/ws/gateway`` receives the commands, and answers each as carried out.

Three pages on one live server (operator1, the psychologist operator2, supervisor1). Screenshots
go to ``test-artifacts/call-control/``. Waits are generous and never assert on time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect
from websockets.asyncio.client import connect

from tests.consoles.conftest import GATEWAY, post_call, sign_in
from tests.consoles.pages import Shots, open_page, sign_in_page
from tests.fixtures.live import Live
from tests.fixtures.waiting import eventually

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

shot = Shots("call-control")


class FakeTelephony:
    """The telephone system's side: every command received, each acknowledged."""

    def __init__(self) -> None:
        self.commands: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()

    async def run(self, live: Live) -> None:
        async with connect(f"{live.ws}/ws/gateway", additional_headers=GATEWAY) as socket:
            async for raw in socket:
                message = json.loads(raw)
                if message.get("type") == "command":
                    self.commands.append(message)
                    self.arrived.set()
                    await socket.send(
                        json.dumps({"type": "ack", "command_id": message["command_id"]})
                    )

    async def wait_for(self, command: str, **payload: str) -> dict[str, Any]:
        """The first command of this kind whose payload holds ``payload`` (within 30 s)."""

        def found() -> dict[str, Any] | None:
            for item in self.commands:
                given = item.get("payload") or {}
                if item["command"] == command and all(
                    given.get(k) == v for k, v in payload.items()
                ):
                    return item
            return None

        async with asyncio.timeout(30):
            while (match := found()) is None:
                self.arrived.clear()
                await self.arrived.wait()
        return match


@pytest_asyncio.fixture
async def gateway(server: Live) -> AsyncIterator[FakeTelephony]:
    test_gateway = FakeTelephony()
    task = asyncio.create_task(test_gateway.run(server))
    try:
        yield test_gateway
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def _signed_in(browser: Browser, server: Live, path: str, username: str) -> Page:
    page = await open_page(browser, f"{server.http}{path}")
    await sign_in_page(page, username)
    return page


async def test_a_warm_transfer_to_a_psychologist_and_a_supervisor_listening_then_barging_in(
    browser: Browser, server: Live, gateway: FakeTelephony
) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        chief = {"Authorization": f"Bearer {await sign_in(http, 'supervisor1')}"}
        skills = {"languages": {"uz": 0, "ru": 0}, "channels": {"voice": 0},
                  "psychological_support": 0}  # fmt: skip
        given = await http.put("/api/v1/operators/operator2/skills", json=skills, headers=chief)
        assert given.status_code == 200, given.text
        # operator2 answers no offer: only operator1 is available when the calls come.
        operator = await _signed_in(browser, server, "/operator/", "operator1")
        await operator.keyboard.press("Alt+1")
        await expect(operator.locator("#state")).to_have_attribute("data-state", "available")
        first = await post_call(http, caller_number="+998935550146")
        await expect(operator.locator("#offer")).to_contain_text("+998935550146")
        await operator.keyboard.press("Alt+A")
        await expect(operator.locator("#state")).to_have_attribute("data-state", "on_call")
        bar = operator.locator("#call-control")
        await expect(bar).to_be_visible()
        await shot(operator, "00-call-control")

        psychologist = await _signed_in(browser, server, "/operator/", "operator2")
        await psychologist.keyboard.press("Alt+1")
        await expect(psychologist.locator("#state")).to_have_attribute("data-state", "available")

        # (1) Alt+5: add the psychologist to the call; the gateway rings and connects them.
        await operator.keyboard.press("Alt+5")
        target = operator.locator("#control-target-operator")
        await expect(target).to_contain_text("Aleksandr Pak")
        await shot(operator, "01-add-the-psychologist")
        await operator.locator("#dialog-confirm").click()
        added = await gateway.wait_for("conference", action="add", to="operator2")
        assert added["call_id"] == first["id"]
        assert added["operator"] == "operator1"
        leg = operator.locator("#control-legs li")
        await expect(leg).to_have_attribute("data-status", "connected")
        await expect(psychologist.locator("#state")).to_have_attribute("data-state", "on_call")
        await shot(operator, "02-three-way")

        # (2) Alt+6: operator1 leaves the conference; the caller stays with the psychologist,
        # whose console now holds the call (and its controls).
        await operator.keyboard.press("Alt+6")
        await gateway.wait_for("conference", action="leave")
        await expect(operator.locator("#state")).not_to_have_attribute("data-state", "on_call")
        await expect(psychologist.locator("#caller-panel")).to_contain_text("+998935550146")
        await expect(psychologist.locator("#control-hold")).to_be_visible()
        await shot(psychologist, "03-the-psychologist-has-the-caller")
        legs = await http.get(f"/api/v1/calls/{first['id']}/legs", headers=chief)
        assert [(x["kind"], x["status"], x["target"]) for x in legs.json()] == [
            ("conference", "completed", "operator2")
        ]
        call = (await http.get(f"/api/v1/calls/{first['id']}", headers=chief)).json()
        assert (call["status"], call["operator"]) == ("connected", "operator2")

        # (3) Another call for operator1; the supervisor listens in, then barges in.
        await operator.keyboard.press("Alt+1")
        await expect(operator.locator("#state")).to_have_attribute("data-state", "available")
        second = await post_call(http, caller_number="+998935550102")
        await expect(operator.locator("#offer")).to_contain_text("+998935550102")
        await operator.keyboard.press("Alt+A")
        await expect(operator.locator("#state")).to_have_attribute("data-state", "on_call")
        supervisor = await _signed_in(browser, server, "/supervisor/", "supervisor1")
        row = supervisor.locator(f'#calls tr[data-key="{second["id"]}"]')
        await expect(row).to_have_attribute("data-status", "connected")
        await row.locator("button[data-action='monitor-listen']").click()
        listen = await gateway.wait_for("monitor", mode="listen")
        assert (listen["call_id"], listen["operator"]) == (second["id"], "supervisor1")
        await expect(row.locator("button[data-action='monitor-stop']")).to_be_visible()
        await shot(supervisor, "04-listening")
        await row.locator("button[data-action='monitor-barge']").click()
        barge = await gateway.wait_for("monitor", mode="barge")
        assert barge["call_id"] == second["id"]
        await shot(supervisor, "05-barged-in")
        kinds = [
            (c["command"], c["payload"].get("action") or c["payload"].get("mode"))
            for c in gateway.commands
            if c["command"] in ("conference", "monitor")
        ]
        assert kinds == [("conference", "add"), ("conference", "leave"), ("monitor", "listen"),
                         ("monitor", "barge")]  # fmt: skip

        # (4) The operator escalates that call; once it ended with its recording, the supervisor
        # plays it from the escalation, and the play is audited as QA's are.
        await operator.keyboard.press("Alt+S")
        await expect(operator.locator("#escalate-reason")).to_be_visible()
        await operator.locator("#escalate-reason").fill("Qo'ng'iroq qiluvchi qo'pol gapirdi")
        await operator.locator("#dialog-confirm").click()
        recording = "https://rec.example/call-control-2.ogg"
        ended = {"event_id": f"end-{second['id']}", "type": "ended", "media_url": recording,
                 "at": datetime.now(UTC).isoformat()}  # fmt: skip
        done = await http.post(f"/api/v1/calls/{second['id']}/events", json=ended, headers=GATEWAY)
        assert done.status_code == 201, done.text
        escalated = supervisor.locator(f'#escalations tr[data-call="{second["id"]}"]')
        await escalated.locator("button[data-action='recording-escalated']").click()
        audio = supervisor.locator("#recording-audio")
        await expect(audio).to_have_attribute("src", recording)
        await expect(audio).to_have_js_property("controls", True)
        await shot(supervisor, "06-recording")
        await audio.dispatch_event("play")
        admin = {"Authorization": f"Bearer {await sign_in(http, 'admin')}"}

        async def played() -> list[str]:
            found = await http.get(
                "/api/v1/audit",
                params={"target_id": second["id"], "action": "qa.recording.play"},
                headers=admin,
            )
            return [e["actor"] for e in found.json()["items"]]

        assert await eventually(played, what="the supervisor's play in the audit") == [
            "supervisor1"
        ]
