"""The STA-024 websocket feed over real sockets: subscribe, events, answers, reconnect."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets

import cardschema
from dispatch.core.settings import Settings
from tests.fixtures.eido import EidoValidator
from tests.fixtures.live import live_server
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.asyncio


async def _admin_token(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token", data={"username": username, "password": username}
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _service_key(client: httpx.AsyncClient, code: str) -> str:
    admin = await _admin_token(client, "admin")
    await client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": f"svc{code}", "role": "service", "service_code": code},
    )
    key = await client.post(f"/api/v1/users/svc{code}/api-keys", headers=admin, json={})
    return str(key.json()["key"])


async def _routed_card(client: httpx.AsyncClient, services: list[str]) -> dict[str, Any]:
    operator = await _admin_token(client, "operator1")
    card = await client.post(
        "/api/v1/cards", headers=operator, json={"incident": {"type": "medical.cardiac_arrest"}}
    )
    routed = await client.post(
        f"/api/v1/cards/{card.json()['id']}/route", headers=operator, json={"services": services}
    )
    assert routed.status_code == 200, routed.text
    result: dict[str, Any] = routed.json()
    return result


def _subscribe(request_type: str) -> str:
    return json.dumps({"subscribe": {"requestId": "r-1", "requestType": request_type}})


async def test_call_card_subscription_gets_events_and_answers_acknowledge(
    settings: Settings,
) -> None:
    async with live_server(settings) as live, httpx.AsyncClient(base_url=live.http) as client:
        key = await _service_key(client, "103")
        first = await _routed_card(client, ["103"])
        url = f"{live.ws}/ws/feeds/103"
        async with websockets.connect(url, additional_headers={"X-Api-Key": key}) as socket:
            await socket.send(_subscribe("CallCard"))
            answer = json.loads(await socket.recv())["subscribeResponse"]
            assert answer["statusCode"] == 200
            assert answer["expires"] > 0
            event = json.loads(await socket.recv())["event"]
            assert event["subscriptionId"] == answer["subscriptionId"]
            card = cardschema.parse(event["notification"][0].encode())
            assert str(card.id) == first["id"]
            await socket.send(
                json.dumps(
                    {"eventResponse": {"transactionId": event["transactionId"], "statusCode": 200}}
                )
            )
            second = await _routed_card(client, ["103"])  # arrives live
            live_event = json.loads(await socket.recv())["event"]
            assert live_event["transactionId"] != event["transactionId"]
            assert str(cardschema.parse(live_event["notification"][0].encode()).id) == second["id"]
            # Leave this one unanswered, then disconnect.
        supervisor = await _admin_token(client, "supervisor1")

        async def answered() -> dict[str, tuple[str, str]] | None:
            # The answer is applied by the server asynchronously.
            deliveries = await client.get(
                "/api/v1/feeds/deliveries?service=103", headers=supervisor
            )
            found = {d["card_id"]: (d["status"], d["via"]) for d in deliveries.json()}
            return found if found[first["id"]][0] == "acknowledged" else None

        by_card = await eventually(answered, what="the first card acknowledged over the socket")
        assert by_card[first["id"]] == ("acknowledged", "websocket")
        assert by_card[second["id"]] == ("delivered", "websocket")
        # Reconnecting gets the unanswered event again, as EIDO this time.
        async with websockets.connect(f"{url}?api_key={key}") as socket:
            await socket.send(_subscribe("EIDO"))
            json.loads(await socket.recv())
            again = json.loads(await socket.recv())["event"]
            eido = again["notification"][0]
            assert second["number"] in json.dumps(eido)
            await socket.send(
                json.dumps(
                    {"eventResponse": {"transactionId": again["transactionId"], "statusCode": 200}}
                )
            )
            await socket.send(
                json.dumps({"unsubscribe": {"requestId": "r-2", "subscriptionId": "x"}})
            )
            assert "unsubscribeResponse" in json.loads(await socket.recv())


async def test_bad_messages_are_answered_with_the_reason(settings: Settings) -> None:
    async with live_server(settings) as live, httpx.AsyncClient(base_url=live.http) as client:
        key = await _service_key(client, "102")
        async with websockets.connect(
            f"{live.ws}/ws/feeds/102", additional_headers={"X-Api-Key": key}
        ) as socket:
            await socket.send("not json")
            assert json.loads(await socket.recv())["error"]["statusCode"] == 400
            await socket.send(_subscribe("Pizza"))
            assert "requestType" in json.loads(await socket.recv())["error"]["statusText"]
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(
                f"{live.ws}/ws/feeds/103", additional_headers={"X-Api-Key": key}
            ):
                pass  # a service's key does not open another service's feed


async def test_card_exports_as_valid_eido(
    settings: Settings, eido_validator: EidoValidator
) -> None:
    async with live_server(settings) as live, httpx.AsyncClient(base_url=live.http) as client:
        card = await _routed_card(client, ["103"])
        operator = await _admin_token(client, "operator1")
        response = await client.get(f"/api/v1/cards/{card['id']}/eido", headers=operator)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/emergency.eido+json")
        assert card["number"] in response.text
        eido_validator.check(response.json())


async def test_a_subscribed_service_whose_key_is_revoked_is_closed(settings: Settings) -> None:
    async with live_server(settings) as live, httpx.AsyncClient(base_url=live.http) as client:
        key = await _service_key(client, "104")
        url = f"{live.ws}/ws/feeds/104"
        async with websockets.connect(url, additional_headers={"X-Api-Key": key}) as socket:
            await socket.send(_subscribe("CallCard"))
            assert json.loads(await socket.recv())["subscribeResponse"]["statusCode"] == 200
            admin = await _admin_token(client, "admin")
            (listed,) = (await client.get("/api/v1/users/svc104/api-keys", headers=admin)).json()
            revoked = await client.post(
                f"/api/v1/users/svc104/api-keys/{listed['id']}/revoke", headers=admin
            )
            assert revoked.status_code == 200
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 30)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1008
        assert "revoked" in closed.value.rcvd.reason
