"""``python -m dispatch serve | deliver | migrate | seed | geo load | create-user | validate-card |
staffing | backup | restore | audit verify | queues rebuild-stats |
analytics rebuild``."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from dispatch import serving
from dispatch.core.settings import Settings, SettingsError
from dispatch.geo.errors import GeoDataError


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    handler = args.handler
    try:
        result: int = handler(args)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except GeoDataError as exc:
        print(f"boundary data error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            variable = f"DISPATCH_{where.upper()}: " if where else ""
            print(f"configuration error: {variable}{error['msg']}", file=sys.stderr)
        return 2
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dispatch", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate, seed and serve the API and consoles")
    serve.add_argument("--host", help="listen address (default DISPATCH_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default DISPATCH_PORT or 8112)")
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="skip migrations and seeding (the database must be at the newest schema already)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port (more than 1 needs PostgreSQL and Redis); "
        "migrations run once, before they start",
    )
    serve.set_defaults(handler=serving.serve)

    deliver = commands.add_parser(
        "deliver",
        help="deliver the services' cards (webhooks, the Redis mirror) in a process of its own, "
        "beside the servers on PostgreSQL; until SIGTERM",
    )
    deliver.set_defaults(handler=serving.deliver_command)

    migrate = commands.add_parser("migrate", help="bring the database to the newest schema")
    migrate.set_defaults(handler=serving.migrate)

    seed = commands.add_parser("seed", help="load reference data (and demo accounts in dev mode)")
    seed.set_defaults(handler=serving.seed)

    geo = commands.add_parser("geo", help="regions and districts")
    geo_actions = geo.add_subparsers(required=True, metavar="ACTION")
    geo_load = geo_actions.add_parser(
        "load", help="(re)load the boundaries in one transaction; district codes stay the same"
    )
    geo_load.add_argument(
        "--data-dir", type=Path, help="folder of the GeoJSON files (default DISPATCH_GEO_DATA_DIR)"
    )
    geo_load.set_defaults(handler=_geo_load)

    user = commands.add_parser("create-user", help="add an account (e.g. the first admin)")
    user.add_argument("--username", required=True)
    user.add_argument("--role", required=True, choices=_roles())
    user.add_argument("--full-name", default="")
    user.add_argument("--service-code")
    user.add_argument(
        "--password-env", help="read the password from this environment variable, not a prompt"
    )
    user.set_defaults(handler=_create_user)

    validate = commands.add_parser(
        "validate-card", help="check call-card XML files against the XSD"
    )
    validate.add_argument("files", nargs="+", type=Path)
    validate.set_defaults(handler=_validate_card)

    staffing = commands.add_parser("staffing", help="Erlang C: agents needed for a service level")
    staffing.add_argument("--calls-per-hour", type=float, required=True)
    staffing.add_argument("--handle-seconds", type=float, required=True)
    staffing.add_argument("--target-seconds", type=float, required=True)
    goal = staffing.add_mutually_exclusive_group(required=True)
    goal.add_argument("--agents", type=int)
    goal.add_argument("--service-level", type=float)
    staffing.set_defaults(handler=_staffing)

    backup = commands.add_parser(
        "backup", help="a consistent copy of the database, while it serves, into a new file"
    )
    backup.add_argument("destination", type=Path)
    backup.set_defaults(handler=_backup)
    restore = commands.add_parser(
        "restore", help="fill an empty database (DISPATCH_DATABASE_URL) from a backup file"
    )
    restore.add_argument("source", type=Path)
    restore.set_defaults(handler=_restore)

    audit = commands.add_parser("audit", help="the audit log")
    audit_actions = audit.add_subparsers(required=True, metavar="ACTION")
    verify = audit_actions.add_parser(
        "verify",
        help="check the audit log against its seals and signed checkpoints: exit 0 intact, "
        "1 tampered (naming the first row or seal), 2 cannot check",
    )
    verify.add_argument(
        "--checkpoints",
        type=Path,
        help="folder of the checkpoint files (default DISPATCH_AUDIT_CHECKPOINT_DIR)",
    )
    verify.set_defaults(handler=_audit_verify)

    queues = commands.add_parser("queues", help="the ACD's queues")
    queue_actions = queues.add_subparsers(required=True, metavar="ACTION")
    rebuild = queue_actions.add_parser(
        "rebuild-stats", help="recompute the queue statistics from the queue log"
    )
    rebuild.set_defaults(handler=_rebuild_queue_stats)

    analytics = commands.add_parser("analytics", help="the period reports")
    analytics_actions = analytics.add_subparsers(required=True, metavar="ACTION")
    rollups = analytics_actions.add_parser(
        "rebuild",
        help="recompute the rollups the period reports read: the queues' 15-minute counters "
        "from the queue log, and the calls' and cards' places",
    )
    rollups.set_defaults(handler=_rebuild_analytics)
    return parser


def _roles() -> list[str]:
    from dispatch.auth.roles import Role

    return [role.value for role in Role]


def _backup(args: argparse.Namespace) -> int:
    from dispatch.ops.backup import backup

    return _backup_step(
        "backup",
        lambda url: backup(url, args.destination),
        lambda how: f"backup written to {args.destination} ({how})",
    )


def _restore(args: argparse.Namespace) -> int:
    from dispatch.ops.backup import restore

    done = _backup_step(
        "restore",
        lambda url: restore(args.source, url),
        lambda how: f"{how}; start the server on it (it migrates to the newest schema)",
    )
    if done == 0:
        print(asyncio.run(_note_restore(Settings())), file=sys.stderr)
    return done


async def _note_restore(settings: Settings) -> str:

    from dispatch.audit.checkpoints import checkpoint_key
    from dispatch.audit.sealing import note_restore
    from dispatch.core.database import opened_engine

    if settings.audit_checkpoint_dir is None:
        return "audit checkpoints are off (DISPATCH_AUDIT_CHECKPOINT_DIR is empty)"
    async with opened_engine(settings.database_url) as engine:
        return await note_restore(
            engine, settings.audit_checkpoint_dir, checkpoint_key(settings), datetime.now(UTC)
        )


def _audit_verify(args: argparse.Namespace) -> int:
    return asyncio.run(_audit_verify_async(Settings(), args.checkpoints))


async def _audit_verify_async(settings: Settings, checkpoints: Path | None) -> int:
    from sqlalchemy.exc import DBAPIError

    from dispatch.audit.checkpoints import checkpoint_key
    from dispatch.audit.verify import verify
    from dispatch.core.database import opened_engine

    try:
        async with opened_engine(settings.database_url) as engine:
            report = await verify(
                engine,
                checkpoint_dir=checkpoints or settings.audit_checkpoint_dir,
                key=checkpoint_key(settings),
            )
    except DBAPIError as exc:
        print(f"cannot verify the audit log: {exc.orig}", file=sys.stderr)
        return 2
    print(report.summary())
    return 0 if report.intact else 1


def _backup_step(name: str, step: Callable[[str], str], done: Callable[[str], str]) -> int:
    """Run a backup or restore on the configured database: 0, or 1 with the refusal."""
    from dispatch.ops.backup import BackupError

    try:
        how = step(Settings().database_url)
    except BackupError as exc:
        print(f"{name} refused: {exc}", file=sys.stderr)
        return 1
    print(done(how), file=sys.stderr)
    return 0


def _geo_load(args: argparse.Namespace) -> int:
    settings = Settings()
    return asyncio.run(_geo_load_async(settings, args.data_dir or settings.geo_data_dir))


async def _geo_load_async(settings: Settings, data_dir: Path) -> int:

    from dispatch.core.actor import SYSTEM
    from dispatch.core.database import one_transaction
    from dispatch.geo.service import load_boundaries

    async with one_transaction(settings.database_url) as session:
        report = await load_boundaries(session, SYSTEM, data_dir, now=datetime.now(UTC))
    print(
        f"boundaries loaded from {data_dir}: {report.regions} region(s), "
        f"{report.districts} district(s); {len(report.added)} added, "
        f"{len(report.changed)} changed, {len(report.removed)} removed",
        file=sys.stderr,
    )
    if report.removed:
        print(f"removed (with their unit coverage): {', '.join(report.removed)}", file=sys.stderr)
    return 0


def _create_user(args: argparse.Namespace) -> int:
    from dispatch.auth.roles import Role

    password: str | None
    if args.password_env:
        password = os.environ.get(args.password_env)
        if not password:
            print(f"environment variable {args.password_env} is empty", file=sys.stderr)
            return 2
    elif Role(args.role) in (Role.GATEWAY, Role.SERVICE):
        password = None
    else:
        password = getpass.getpass(f"password for {args.username}: ")
    return asyncio.run(_create_user_async(Settings(), args, password))


async def _create_user_async(
    settings: Settings, args: argparse.Namespace, password: str | None
) -> int:

    from dispatch.auth import service as auth
    from dispatch.auth.roles import Role
    from dispatch.core.actor import SYSTEM
    from dispatch.core.database import one_transaction
    from dispatch.errors import DomainError

    try:
        async with one_transaction(settings.database_url) as session:
            await auth.create_user(
                session,
                SYSTEM,
                username=args.username,
                role=Role(args.role),
                password=password,
                full_name=args.full_name,
                service_code=args.service_code,
                now=datetime.now(UTC),
                scrypt_n=settings.password_scrypt_n,
            )
    except DomainError as exc:
        print(f"cannot create user: {exc.message}", file=sys.stderr)
        return 1
    print(f"user {args.username} ({args.role}) created", file=sys.stderr)
    return 0


def _validate_card(args: argparse.Namespace) -> int:
    import cardschema

    failures = 0
    for path in args.files:
        try:
            cardschema.validate(path.read_bytes())
        except OSError as exc:
            print(f"{path}: cannot read: {exc.strerror}")
            failures += 1
        except cardschema.CardSchemaError as exc:
            print(f"{path}: {exc}")
            failures += 1
        else:
            print(f"{path}: valid")
    return 1 if failures else 0


def _staffing(args: argparse.Namespace) -> int:
    from dispatch.queues import erlang as staffing

    try:
        if args.agents is not None:
            result = staffing.evaluate(
                calls_per_hour=args.calls_per_hour,
                handle_seconds=args.handle_seconds,
                target_seconds=args.target_seconds,
                agents=args.agents,
            )
        else:
            result = staffing.agents_for_service_level(
                calls_per_hour=args.calls_per_hour,
                handle_seconds=args.handle_seconds,
                target_seconds=args.target_seconds,
                service_level=args.service_level,
            )
    except staffing.StaffingError as exc:
        print(f"staffing: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result.as_dict()))
    return 0


def _rebuild_queue_stats(_: argparse.Namespace) -> int:
    return asyncio.run(_rebuild_queue_stats_async(Settings()))


async def _rebuild_queue_stats_async(settings: Settings) -> int:

    from dispatch.core.actor import SYSTEM
    from dispatch.core.database import one_transaction
    from dispatch.queues.stats import rebuild

    async with one_transaction(settings.database_url) as session:
        lines = await rebuild(session, SYSTEM, now=datetime.now(UTC))
    print(f"queue statistics rebuilt from {lines} queue-log line(s)", file=sys.stderr)
    return 0


def _rebuild_analytics(_: argparse.Namespace) -> int:
    settings = Settings()
    asyncio.run(_rebuild_queue_stats_async(settings))
    return asyncio.run(_rebuild_places_async(settings))


async def _rebuild_places_async(settings: Settings) -> int:

    from dispatch.analytics import places, sources
    from dispatch.core.actor import SYSTEM
    from dispatch.core.database import one_transaction

    async with one_transaction(settings.database_url) as session:
        index = await sources.boundaries(session)
        rows = await places.rebuild(session, SYSTEM, index=index, now=datetime.now(UTC))
    print(f"places rebuilt: {rows} call(s) and card(s) without a call", file=sys.stderr)
    return 0
