"""Where a change came from is what the server saw, not what the request says about itself:
forwarded headers count only from the configured proxies, and nothing a client sends about
itself (address, request id) can break an audited request or be stored unbounded."""

from __future__ import annotations

from typing import Any

import pytest

from dispatch.core.settings import Settings
from tests.fixtures.api import Api, running_api

pytestmark = pytest.mark.asyncio

PEER = "198.51.100.7"  # the connecting client (TEST-NET-2)
TWO_IPV6_HOPS = "2001:db8:85a3::8a2e:370:7334, 2001:0db8:1234:5678:9abc:def0:1234:5678"


async def _audited_card(api: Api, **headers: str | bytes) -> dict[str, Any]:
    """Open a card with ``headers``; the audit entry of its creation."""
    created = await api.post("/api/v1/cards", user="operator1", json={}, headers=headers)
    assert created.status_code == 201, created.text
    entries = await api.get(
        f"/api/v1/audit?target_id={created.json()['id']}&action=card.create", user="admin"
    )
    assert entries.status_code == 200, entries.text
    (entry,) = entries.json()["items"]
    result: dict[str, Any] = entry
    return result


async def test_a_forwarded_address_from_an_untrusted_client_is_not_believed(
    settings: Settings,
) -> None:
    async with running_api(settings, peer=PEER) as api:
        forged = await _audited_card(api, **{"X-Forwarded-For": "203.0.113.9"})
        assert forged["ip"] == PEER
        long = await _audited_card(api, **{"X-Forwarded-For": TWO_IPV6_HOPS + ", " * 40})
        assert long["ip"] == PEER


async def test_a_trusted_proxy_forwards_the_client_address(settings: Settings) -> None:
    behind_proxy = settings.model_copy(update={"forwarded_allow_ips": "198.51.100.0/24"})
    async with running_api(behind_proxy, peer=PEER) as api:
        # The proxy appends the client it saw; the rightmost untrusted hop is the client.
        entry = await _audited_card(api, **{"X-Forwarded-For": TWO_IPV6_HOPS})
        assert entry["ip"] == "2001:db8:1234:5678:9abc:def0:1234:5678"  # canonical form
        direct = await _audited_card(api)
        assert direct["ip"] == PEER


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("desk-7.call-42", True), ("a\x00b", False), ("x" * 65, False), ("два", False)],
    ids=["token", "nul", "too-long", "not-ascii"],
)
async def test_a_request_id_is_kept_only_when_it_is_a_plain_token(
    api: Api, sent: str, kept: bool
) -> None:
    response = await api.get("/healthz", headers={"X-Request-ID": sent.encode()})
    answered = response.headers["x-request-id"]
    assert (answered == sent) is kept
    assert len(answered) <= 64
    assert answered.isprintable()
    entry = await _audited_card(api, **{"X-Request-ID": sent.encode()})
    assert (entry["request_id"] == sent) is kept
    assert entry["request_id"]
    assert len(entry["request_id"]) <= 64
