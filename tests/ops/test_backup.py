"""Backups and restores with the databases' own tools, as the README's procedure says: a backup
taken while the server takes cards holds every card acknowledged before it, restored into a new
database a server starts on, whose audit log verifies against its seals and the signed
checkpoints (the restore is noted in them); neither command ever overwrites data."""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from dispatch.core.database import create_engine
from tests.fixtures.audit import seal_all
from tests.fixtures.databases import PostgresTemplate, fingerprint
from tests.fixtures.processes import dispatch_env, run_cli, server_process
from tests.fixtures.waiting import eventually_sync


def _operator(base: str) -> dict[str, str]:
    signed_in = httpx.post(
        f"{base}/api/v1/auth/token",
        data={"username": "operator1", "password": "operator1"},
        timeout=30,
    )
    signed_in.raise_for_status()
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


def _signed(folder: Path) -> int:
    """Lines in the audit checkpoint files."""
    return sum(len(f.read_text().splitlines()) for f in folder.glob("*.jsonl"))


def test_a_backup_under_load_restores_every_card_acknowledged_before_it(tmp_path: Path) -> None:
    folder = tmp_path / "audit-checkpoints"
    audit = {
        "DISPATCH_AUDIT_CHECKPOINT_DIR": str(folder),
        "DISPATCH_AUDIT_SEAL_EVERY_S": "0.2",
        "DISPATCH_AUDIT_SEAL_MARGIN_S": "0.5",
    }
    live = dispatch_env(DISPATCH_DATABASE_URL=f"sqlite:///{tmp_path}/live.db", **audit)
    copy = tmp_path / "backup.db"
    acknowledged: list[str] = []
    stop = threading.Event()
    with server_process(live, tmp_path / "live.log") as server:
        headers = _operator(server.http)

        def take_cards() -> None:
            with httpx.Client(base_url=server.http, headers=headers, timeout=30) as http:
                while not stop.is_set():
                    made = http.post("/api/v1/cards", json={"incident": {"description": "x"}})
                    if made.status_code == 201:
                        acknowledged.append(made.json()["id"])

        writer = threading.Thread(target=take_cards, name="backup-test-writer")
        writer.start()
        try:
            eventually_sync(lambda: len(acknowledged) >= 20 or None, what="20 cards taken")
            eventually_sync(lambda: _signed(folder) or None, what="an audit seal signed")
            before = list(acknowledged)
            taken = run_cli(["backup", str(copy)], live)
            assert taken.returncode == 0, taken.stderr
            assert "SQLite online backup" in taken.stderr
            signed = _signed(folder)
            eventually_sync(
                lambda: len(acknowledged) >= len(before) + 5 or None, what="cards after the backup"
            )
            eventually_sync(
                lambda: _signed(folder) > signed or None, what="seals signed after the backup"
            )
        finally:
            stop.set()
            writer.join(timeout=60)
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    refused = run_cli(["backup", str(copy)], live)
    assert refused.returncode == 1
    assert "already exists" in refused.stderr
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == digest

    restored = dispatch_env(DISPATCH_DATABASE_URL=f"sqlite:///{tmp_path}/restored.db", **audit)
    filled = run_cli(["restore", str(copy)], restored)
    assert filled.returncode == 0, filled.stderr
    assert "audit: the restore is signed into" in filled.stderr
    verified = run_cli(["audit", "verify"], restored)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert re.search(r"intact: .* [1-9]\d* of the \d+ seals match their signed", verified.stdout)
    again = run_cli(["restore", str(copy)], restored)
    assert again.returncode == 1
    assert "already exists" in again.stderr
    signed = _signed(folder)
    with server_process(restored, tmp_path / "restored.log") as server:
        headers = _operator(server.http)
        with httpx.Client(base_url=server.http, headers=headers, timeout=30) as http:
            missing = [c for c in before if http.get(f"/api/v1/cards/{c}").status_code != 200]
        eventually_sync(lambda: _signed(folder) > signed or None, what="the restored chain goes on")
    assert missing == []
    verified = run_cli(["audit", "verify"], restored)
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_a_postgres_backup_restores_into_an_empty_database(
    postgres_template: PostgresTemplate, tmp_path: Path
) -> None:
    source_name, source_url = await postgres_template.clone()
    empty_name = f"{source_name}_restored"
    await postgres_template._admin(f'CREATE DATABASE "{empty_name}"')
    empty_url = source_url.rsplit("/", 1)[0] + f"/{empty_name}"
    engines: list[AsyncEngine] = []
    try:
        sealing = create_engine(source_url)
        try:
            assert await seal_all(sealing)
        finally:
            await sealing.dispose()
        copy = tmp_path / "backup.dump"
        taken = run_cli(["backup", str(copy)], dispatch_env(DISPATCH_DATABASE_URL=source_url))
        assert taken.returncode == 0, taken.stderr
        into = dispatch_env(DISPATCH_DATABASE_URL=empty_url)
        filled = run_cli(["restore", str(copy)], into)
        assert filled.returncode == 0, filled.stderr
        again = run_cli(["restore", str(copy)], into)
        assert again.returncode == 1
        assert "not empty" in again.stderr
        engines = [create_async_engine(url) for url in (source_url, empty_url)]
        assert await fingerprint(engines[0]) == await fingerprint(engines[1])
        verified = run_cli(["audit", "verify"], into)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "audit log intact" in verified.stdout
    finally:
        for engine in engines:
            await engine.dispose()
        await postgres_template.drop(empty_name)
        await postgres_template.drop(source_name)
