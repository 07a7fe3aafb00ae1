"""Small HTTP helpers shared by routers, and the consoles' pages (no domain knowledge here)."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dispatch.errors import PayloadTooLarge


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) past ``limit`` bytes without reading the rest."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is {declared} bytes; at most {limit} are accepted")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is over {limit} bytes; at most {limit} are accepted")
        chunks.append(chunk)
    return b"".join(chunks)


# The consoles' pages load only their own scripts, styles and connections (the websocket is
# same-origin); recordings may come from the recording server (media over http/https). An
# injected inline script, a foreign script or a frame around the console is refused.
CONSOLE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"media-src 'self' http: https:; connect-src 'self'; object-src 'none'; "
        b"base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


class WithHeaders:
    """An ASGI app answering as ``app`` does, with ``headers`` added to every response."""

    def __init__(self, app: ASGIApp, headers: tuple[tuple[bytes, bytes], ...]) -> None:
        self.app = app
        self.headers = list(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)


# The consoles' pages: plain HTML, ES modules and CSS with no build step, shipped inside the
# package (package data) so that an installed wheel serves them. ``dispatch/web/<name>/`` is
# served at ``/<name>/``; ``common`` holds what every console shares (the sign-in form and
# session, HTTP, texts, keys, DOM helpers, dialogs, the stream, base.css).
WEB = Path(__file__).resolve().parents[1] / "web"
PAGES = ("common", "operator", "supervisor", "qa", "analytics", "protocols", "training")


def mount_pages(app: Starlette) -> None:
    """Serve every console's pages at ``/<name>/`` with the consoles' headers (the pages hold
    no data: the API checks each request's role)."""
    for name in PAGES:
        pages = StaticFiles(directory=WEB / name, html=True)
        app.mount(f"/{name}", WithHeaders(pages, CONSOLE_HEADERS), name=f"{name}_ui")
