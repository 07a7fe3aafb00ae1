"""HAProxy's agent check (``core/agent.py``): the process leading the ACD says a lower weight,
so the load balancer sends it fewer requests; the others say 100%; no port, no agent."""

from __future__ import annotations

import asyncio

import pytest

from dispatch.core.agent import weight, weight_agent
from dispatch.core.settings import Settings
from tests.fixtures.servers import free_port


class Leads:
    """A leadership that leads what the test says."""

    def __init__(self, *names: str) -> None:
        self.names = list(names)

    def leading(self) -> list[str]:
        return sorted(self.names)


def test_the_acd_leader_weighs_less_and_the_other_singletons_do_not() -> None:
    assert weight(["feeds.webhook", "queues.acd"], 60) == 60
    assert weight(["audit.sealer", "protocols.flusher"], 60) == 100
    assert weight([], 60) == 100


def test_the_leader_weight_is_a_percent_from_1_to_100() -> None:
    assert Settings(agent_leader_weight=1).agent_leader_weight == 1
    for wrong in (0, 101):
        with pytest.raises(ValueError, match="agent_leader_weight"):
            Settings(agent_leader_weight=wrong)


async def _ask(port: int) -> str:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
    try:
        return (await asyncio.wait_for(reader.read(), 5)).decode()
    finally:
        writer.close()


@pytest.mark.asyncio
async def test_the_agent_says_the_weight_of_what_the_process_leads_now() -> None:
    port = free_port()
    leads = Leads("queues.acd", "audit.sealer")
    settings = Settings(agent_port=port, agent_leader_weight=55)
    async with weight_agent(settings, leads):  # type: ignore[arg-type]
        assert await _ask(port) == "55%\n"
        leads.names.remove("queues.acd")  # another process took the ACD over
        assert await _ask(port) == "100%\n"
    with pytest.raises(ConnectionRefusedError):  # closed with the block
        await _ask(port)


@pytest.mark.asyncio
async def test_no_port_no_agent() -> None:
    async with weight_agent(Settings(), None):
        pass  # nothing listens, nothing fails
