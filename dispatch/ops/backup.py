"""Backups and restores with the databases' own tools: SQLite's online backup (a consistent copy
while the server runs, WAL and all), PostgreSQL's ``pg_dump``/``pg_restore`` (custom format).
Point-in-time recovery on PostgreSQL is a base backup with WAL archiving (README, "Backups").

A backup never overwrites a file; a restore only fills an empty database, so that neither can
destroy the data it was meant to keep.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path


class BackupError(Exception):
    """The backup or restore cannot be made; the message says why and what to do."""


def sqlite_file(url: str) -> Path:
    """The database file of a ``sqlite+aiosqlite:///PATH`` URL."""
    path = url.split("///", 1)[1] if "///" in url else ""
    if not path or path.startswith(":memory:"):
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(path.split("?", 1)[0])


def libpq_url(url: str) -> str:
    """The URL PostgreSQL's own tools read (no SQLAlchemy driver name)."""
    return "postgresql://" + url.split("://", 1)[1]


def _tool(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def backup(url: str, destination: Path) -> str:
    """Write a consistent copy of the database at ``url`` to ``destination`` (a new file)."""
    if destination.exists():
        raise BackupError(f"{destination} already exists; a backup never overwrites a file")
    if url.startswith("sqlite"):
        source = sqlite_file(url)
        if not source.exists():
            raise BackupError(f"there is no database at {source}")
        partial = destination.with_name(destination.name + ".partial")
        with sqlite3.connect(source) as live, sqlite3.connect(partial) as copy:
            live.backup(copy)
            (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
        if verdict != "ok":
            partial.unlink(missing_ok=True)
            raise BackupError(f"the copy failed its integrity check: {verdict}")
        os.replace(partial, destination)
        return f"SQLite online backup of {source}"
    done = subprocess.run(  # noqa: S603 - PostgreSQL's own tool, arguments as a list
        [_tool("pg_dump"), "--format=custom", f"--file={destination}", libpq_url(url)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        destination.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    return "pg_dump (custom format)"


def restore(source: Path, url: str) -> str:
    """Fill the empty database at ``url`` from the backup ``source``."""
    if not source.is_file():
        raise BackupError(f"there is no backup at {source}")
    if url.startswith("sqlite"):
        target = sqlite_file(url)
        if target.exists() and target.stat().st_size > 0:
            raise BackupError(
                f"{target} already exists; restore into a new database file (a restore never "
                "overwrites data)"
            )
        with sqlite3.connect(source) as backup_copy, sqlite3.connect(target) as fresh:
            backup_copy.backup(fresh)
        return f"restored into {target}"
    tables = subprocess.run(  # noqa: S603 - PostgreSQL's own tool, arguments as a list
        [
            _tool("psql"),
            "--no-psqlrc",
            "--tuples-only",
            "--command=SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            libpq_url(url),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if tables.returncode != 0:
        raise BackupError(f"cannot reach the database: {tables.stderr.strip()[-500:]}")
    if int(tables.stdout.strip() or 0) > 0:
        raise BackupError(
            "the database is not empty; create a new database and restore into it "
            "(a restore never overwrites data)"
        )
    done = subprocess.run(  # noqa: S603 - PostgreSQL's own tool, arguments as a list
        [
            _tool("pg_restore"),
            "--no-owner",
            "--exit-on-error",
            f"--dbname={libpq_url(url)}",
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-500:]}")
    return "restored with pg_restore"
