"""The ceiling of ``make bench-consoles``: a bare broadcast of one message to every socket.

Consoles connect to ``/ws`` and get a snapshot at once; a publisher connects to ``/publish`` and
sends a number k; the server sends every console a delta shaped and sized like the product's
``queue`` part (eight queues and all together) with ``overall.waiting = k``. Nothing is read
from a database and nothing is coalesced: what is left is the framework, the sockets and the
clients. Two servers:

- ``--kind websockets``: the ``websockets`` library's own server and its ``broadcast()`` (the
  issue's reference figure, "a bare websockets broadcast to 500 clients");
- ``--kind starlette``: a Starlette app on uvicorn with the websockets-sansio protocol, as
  ``python -m dispatch serve`` runs the product, sending to each socket in turn.

``GET /healthz`` answers 200 once the server listens.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import uvicorn
import uvloop
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as WsRequest
from websockets.http11 import Response as WsResponse

QUEUES = ("voice-uz", "voice-ru", "voice-kaa", "voice-other", "video-sign", "video", "sms", "email")


def queue_part(waiting: int) -> dict[str, Any]:
    """A value shaped like the operator view's ``queue`` part (dispatch/consoles/acd.py)."""

    def brief(name: str, count: int) -> dict[str, Any]:
        return {
            "name": name,
            "title": name.replace("-", " ").title(),
            "waiting": count,
            "offered": 0,
            "longest_wait_s": 12.345 if count else None,
            "available": 0,
            "busy": 0,
            "on_break": 0,
            "answered_today": 0,
            "abandoned_today": 0,
            "service_level_today": {
                "seconds": 10,
                "target_percent": 90.0,
                "percent": None,
                "met": None,
            },
        }

    return {
        "at": datetime.now(UTC).isoformat(),
        "overall": brief("all", waiting),
        "queues": [brief(name, waiting if name == "voice-uz" else 0) for name in QUEUES],
    }


def message(kind: str, seq: int, waiting: int) -> str:
    """A snapshot or delta as the product's hub writes it."""
    body = {
        "type": kind,
        "seq": seq,
        "server_time": datetime.now(UTC).isoformat(),
        "parts": {"queue": queue_part(waiting)},
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


# --- the websockets library ------------------------------------------------------------------


async def serve_websockets(port: int) -> None:
    """The ``websockets`` server: ``broadcast()`` to every console on each published k."""
    consoles: set[ServerConnection] = set()
    seq = 0

    def health(connection: ServerConnection, request: WsRequest) -> WsResponse | None:
        if request.path == "/healthz":
            return connection.respond(HTTPStatus.OK, "ok\n")
        return None

    async def handler(connection: ServerConnection) -> None:
        nonlocal seq
        path = connection.request.path if connection.request else ""
        if path.startswith("/publish"):
            async for text in connection:
                seq += 1
                broadcast(consoles, message("delta", seq, int(text)))
            return
        await connection.send(message("snapshot", 0, 0))
        consoles.add(connection)
        try:
            async for _ in connection:  # pings from the console: nothing to answer
                pass
        except ConnectionClosed:
            pass
        finally:
            consoles.discard(connection)

    async with serve(
        handler,
        "127.0.0.1",
        port,
        process_request=health,
        max_size=None,
        max_queue=None,
        ping_interval=20,
    ) as server:
        await server.serve_forever()


# --- Starlette on uvicorn --------------------------------------------------------------------


def starlette_app() -> Starlette:
    """The same endpoints on Starlette: a loop sending to each console in turn."""
    consoles: set[WebSocket] = set()
    state = {"seq": 0}

    async def healthz(_: Request) -> PlainTextResponse:
        return PlainTextResponse("ok\n")

    async def console(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(message("snapshot", 0, 0))
        consoles.add(websocket)
        try:
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            consoles.discard(websocket)

    async def publish(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                k = int(await websocket.receive_text())
                state["seq"] += 1
                text = message("delta", state["seq"], k)
                for target in list(consoles):
                    try:
                        await target.send_text(text)
                    except (WebSocketDisconnect, RuntimeError):
                        consoles.discard(target)
        except WebSocketDisconnect:
            pass

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            WebSocketRoute("/ws", console),
            WebSocketRoute("/publish", publish),
        ]
    )


def main() -> int:
    """Serve one kind on loopback until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--kind", choices=("websockets", "starlette"), required=True)
    args = parser.parse_args()
    if args.kind == "websockets":
        with contextlib.suppress(KeyboardInterrupt):
            uvloop.run(serve_websockets(args.port))
        return 0
    uvicorn.run(
        starlette_app(),
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        log_level="warning",
        ws="websockets-sansio",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
