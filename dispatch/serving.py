"""The commands that bring a server up: ``serve`` (one process or ``--workers N``), ``deliver``,
``migrate`` and ``seed`` (``cli.py`` parses the command line and calls them)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import UTC, datetime
from typing import Any

from dispatch.core.settings import Mode, Settings

# Seconds the server keeps an idle HTTP connection open (see serve).
KEEP_ALIVE_S = 65


def connection_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves connections, for ``serve`` and for the tests' live servers alike."""
    return {
        "ws": "websockets-sansio",
        # Off unless asked: deflating each console's copy of every change costs the server
        # (BENCHMARKS.md); a console behind a slow link may want it (DISPATCH_WS_COMPRESSION).
        "ws_per_message_deflate": settings.ws_compression,
        # Longer than clients keep an idle connection (httpx: 5 s, uvicorn's own default):
        # a server closing first races a client reusing the connection (a failed request).
        "timeout_keep_alive": KEEP_ALIVE_S,
    }


def prepare(settings: Settings) -> None:
    """Migrate, load reference data, and in dev mode the demo accounts, then print them."""
    from dispatch.migrations import upgrade

    upgrade(settings.migration_url)
    asyncio.run(seed_async(settings))


async def seed_async(settings: Settings) -> None:
    from datetime import UTC, datetime

    from dispatch.core.database import one_transaction
    from dispatch.seed import DEMO_ACCOUNTS, seed_demo, seed_reference

    async with one_transaction(settings.database_url) as session:
        now = datetime.now(UTC)
        added = await seed_reference(session, now=now, geo_data_dir=settings.geo_data_dir)
        demo = 0
        if settings.mode is Mode.DEV:
            demo = await seed_demo(session, now=now, scrypt_n=settings.password_scrypt_n)
    print(
        f"reference data: {added['services']} service(s) added, {added['regions']} region(s) "
        f"and {added['districts']} district(s) loaded, {added['units']} sample unit(s) added",
        file=sys.stderr,
    )
    if settings.mode is Mode.DEV:
        print(f"demo accounts ({demo} added now); each password is the username:", file=sys.stderr)
        for account in DEMO_ACCOUNTS:
            key = f"  X-Api-Key: {account.api_key}" if account.api_key else ""
            print(f"  {account.username:<12} {account.role.value:<11}{key}", file=sys.stderr)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from dispatch.app import create_app

    settings = Settings()
    if args.workers < 1:
        print("--workers: at least 1", file=sys.stderr)
        return 2
    if args.workers > 1 and (settings.is_sqlite or not settings.redis_url):
        print(
            "--workers: several processes need PostgreSQL (DISPATCH_DATABASE_URL) and Redis "
            "(DISPATCH_REDIS_URL): SQLite serves one process, and without Redis the processes' "
            "consoles would not hear each other",
            file=sys.stderr,
        )
        return 2
    if args.workers > 1 and settings.time_scale != 1.0 and settings.clock_origin is None:
        # Simulated time: the processes' clocks count from one origin, or they disagree by
        # (scale − 1) seconds for each second between their starts.
        os.environ["DISPATCH_CLOCK_ORIGIN"] = datetime.now(UTC).isoformat()
    if not args.no_migrate:
        prepare(settings)  # once, here, before any server process starts
    elif (behind := asyncio.run(schema_behind(settings))) is not None:
        print(behind, file=sys.stderr)
        return 2
    host = args.host or settings.host
    port = args.port or settings.port
    print(
        f"dispatch112 serving on http://{host}:{port} ({settings.mode.value} mode, "
        f"{args.workers} process{'es' if args.workers > 1 else ''})",
        file=sys.stderr,
    )
    uvicorn.run(
        # Several processes build their own app (uvicorn imports the factory in each).
        "dispatch.app:serving_app" if args.workers > 1 else create_app(settings, tune_gc=True),
        factory=args.workers > 1,
        workers=args.workers if args.workers > 1 else None,
        host=host,
        port=port,
        log_config=None,
        # Forwarded headers are the app's to believe or not (DISPATCH_FORWARDED_ALLOW_IPS):
        # uvicorn's default would take them from any client on 127.0.0.1.
        proxy_headers=False,
        **connection_options(settings),
    )
    return 0


def deliver_command(_: argparse.Namespace) -> int:
    from dispatch.feeds.process import deliver

    settings = Settings()
    if settings.is_sqlite:
        print(
            "deliver: needs PostgreSQL (DISPATCH_DATABASE_URL): on SQLite the one server "
            "process delivers",
            file=sys.stderr,
        )
        return 2
    if (behind := asyncio.run(schema_behind(settings))) is not None:
        print(behind, file=sys.stderr)
        return 2
    print("dispatch112 delivering the services' cards", file=sys.stderr)
    asyncio.run(deliver(settings))
    return 0


async def schema_behind(settings: Settings) -> str | None:
    """Why this server may not start on the database as it is (not at the newest schema),
    or None."""
    from dispatch.core.database import opened_engine
    from dispatch.migrations import current, newest

    async with opened_engine(settings.database_url) as engine:
        at = await current(engine)
    if at == newest():
        return None
    return (
        f"the database is at schema {at or 'none'}, this server needs {newest()}: "
        "run 'python -m dispatch migrate' once (then 'seed'), or serve without --no-migrate"
    )


def migrate(_: argparse.Namespace) -> int:
    from dispatch.migrations import upgrade

    upgrade(Settings().migration_url)
    print("database is at the newest schema", file=sys.stderr)
    return 0


def seed(_: argparse.Namespace) -> int:
    asyncio.run(seed_async(Settings()))
    return 0
