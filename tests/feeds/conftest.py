"""Real HTTP receivers standing in for services' systems, and service accounts with keys."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.fixtures.api import Api


@dataclass
class Received:
    """One request a receiver got."""

    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP server on loopback that records POSTs; it can fail on purpose."""

    url: str
    received: list[Received] = field(default_factory=list)
    failing: bool = False
    # Seconds to stall before answering the next request (then reset): the card arrives but
    # the answer comes too late for the sender.
    stall_once_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self) -> list[Received]:
        """What arrived so far (a copy)."""
        with self.lock:
            return list(self.received)


def _serve(receiver_box: list[Receiver]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver = receiver_box[0]
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if receiver.failing:
                self.send_response(503)
                self.end_headers()
                return
            with receiver.lock:
                receiver.received.append(Received(dict(self.headers.items()), body))
                stall, receiver.stall_once_s = receiver.stall_once_s, 0.0
            time.sleep(stall)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    return Handler


@contextlib.contextmanager
def receiving() -> Iterator[Receiver]:
    """A receiver on a free loopback port until the block ends."""
    box: list[Receiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _serve(box))
    box.append(Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/cards"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield box[0]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    """Two receivers (for two services)."""
    with receiving() as first, receiving() as second:
        yield [first, second]


async def service_key(api: Api, code: str) -> dict[str, str]:
    """A service account for ``code`` and its ``X-Api-Key`` header."""
    username = f"svc{code}"
    created = await api.post(
        "/api/v1/users",
        user="admin",
        json={"username": username, "role": "service", "service_code": code},
    )
    assert created.status_code == 201, created.text
    key = await api.post(f"/api/v1/users/{username}/api-keys", user="admin", json={})
    return {"X-Api-Key": key.json()["key"]}


async def routed_card(api: Api, services: list[str], **fields: object) -> dict[str, object]:
    """A card routed to ``services`` by operator1."""
    card = await api.post(
        "/api/v1/cards",
        user="operator1",
        json={"incident": {"type": "road.accident_injuries", "victims": 1}, **fields},
    )
    assert card.status_code == 201, card.text
    routed = await api.post(
        f"/api/v1/cards/{card.json()['id']}/route", user="operator1", json={"services": services}
    )
    assert routed.status_code == 200, routed.text
    result: dict[str, object] = routed.json()
    return result
