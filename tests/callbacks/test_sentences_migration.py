"""Migration 0018: rows stored before sentences had codes keep their English and have none."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from dispatch import migrations


def test_a_reason_stored_before_the_migration_keeps_its_text_and_has_no_code(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
    migrations.upgrade(url, "0017")
    with sqlite3.connect(tmp_path / "before.db") as db:
        db.execute(
            "INSERT INTO users (id, username, full_name, role, language, active, created_at)"
            " VALUES ('0123456789abcdef0123456789abcdef', 'operator1', 'Operator One',"
            " 'operator', 'uz', 1, '2026-12-05 08:00:00')"
        )
        db.execute(
            "INSERT INTO operators (username, state, reason, state_since, skills, no_answer_count,"
            " calls_taken, talk_seconds, updated_at) VALUES ('operator1', 'on_break',"
            " 'no answer to 2 offer(s)', '2026-12-05 08:00:00', '{}', 2, 0, 0,"
            " '2026-12-05 08:00:00')"
        )
    migrations.upgrade(url)
    with sqlite3.connect(tmp_path / "before.db") as db:
        rows = db.execute("SELECT username, reason, reason_said FROM operators").fetchall()
        columns = {
            table: {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            for table in ("escalations", "callback_tasks")
        }
    assert rows == [("operator1", "no answer to 2 offer(s)", None)]
    assert "reason_said" in columns["escalations"]
    assert "card_note_said" in columns["callback_tasks"]
    # And back down: the columns go, the English stays.
    migrations.downgrade(url, "0017")
    with sqlite3.connect(tmp_path / "before.db") as db:
        assert db.execute("SELECT username, reason FROM operators").fetchall() == [
            ("operator1", "no answer to 2 offer(s)")
        ]
        assert "reason_said" not in {row[1] for row in db.execute("PRAGMA table_info(operators)")}
