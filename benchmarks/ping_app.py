"""The ceiling of ``make bench-cards``: a bare FastAPI endpoint, ``GET /ping`` → ``{"ok": true}``.

Served by uvicorn the way ``python -m dispatch serve`` serves the product (one process, the
same event loop and HTTP parser, no logging configuration, access log below WARNING), so the
requests per second it answers bound what any endpoint of the product can answer here.
"""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, bool]:
    """The cheapest answer FastAPI can give."""
    return {"ok": True}


def main() -> int:
    """Serve ``app`` on loopback until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        log_level="warning",
        ws="websockets-sansio",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
