"""Queues named in each UI language (issue 19): a queue an admin adds or changes through the
API takes ``names`` {uz, ru, en} beside its one ``title``; every answer and the consoles' queue
figures carry them; the audit records them. Migration 0019 on a 0018 database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dispatch import migrations
from tests.fixtures.api import Api
from tests.queues.conftest import GATEWAY

TAJIK = {"uz": "Ovoz, tojik tili", "ru": "Голос, таджикский", "en": "Voice, Tajik"}
QUEUE = {
    "name": "voice-tg",
    "title": "Voice, Tajik",
    "channels": ["voice"],
    "languages": ["tg"],
    "required_skills": ["channel:voice"],
    "match_rank": 5,
}


@pytest.mark.asyncio
async def test_an_admins_queue_has_its_names_in_every_answer_and_the_audit(api: Api) -> None:
    created = await api.post("/api/v1/queues", user="admin", json={**QUEUE, "names": TAJIK})
    assert created.status_code == 201, created.text
    assert (created.json()["title"], created.json()["names"]) == ("Voice, Tajik", TAJIK)
    detail = await api.get("/api/v1/queues/voice-tg", user="supervisor1")
    assert detail.json()["queue"]["names"] == TAJIK
    summary = (await api.get("/api/v1/queues", user="supervisor1")).json()
    [row] = [q for q in summary["queues"] if q["name"] == "voice-tg"]
    assert (row["title"], row["names"]) == ("Voice, Tajik", TAJIK)
    assert summary["overall"]["names"] == {}
    # A seeded queue has none: the consoles name it from their texts.
    [seeded] = [q for q in summary["queues"] if q["name"] == "voice-uz"]
    assert seeded["names"] == {}
    # Calls route as before: a Tajik call enters the new queue.
    call = await api.post(
        "/api/v1/calls",
        json={"channel": "voice", "language": "tg", "caller_number": None},
        headers=GATEWAY,
    )
    assert call.json()["queue"] == "voice-tg"

    # Some languages only; then a new title alone drops the names (they named the old queue).
    partly = {"ru": "Голос, таджикский язык"}
    changed = await api.patch("/api/v1/queues/voice-tg", user="supervisor1", json={"names": partly})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["title"], changed.json()["names"]) == ("Voice, Tajik", partly)
    renamed = await api.patch(
        "/api/v1/queues/voice-tg", user="admin", json={"title": "Voice, Tajik and Persian"}
    )
    assert renamed.json()["names"] == {}
    both = await api.patch(
        "/api/v1/queues/voice-tg", user="admin", json={"title": "Voice, Tajik", "names": TAJIK}
    )
    assert (both.json()["title"], both.json()["names"]) == ("Voice, Tajik", TAJIK)
    audit = await api.get("/api/v1/audit?target_type=queue&target_id=voice-tg", user="admin")
    details = [e["detail"] for e in audit.json()["items"]]
    assert details[0] == {"changes": {"title": "Voice, Tajik", "names": TAJIK}}
    assert details[1] == {"changes": {"title": "Voice, Tajik and Persian", "names": {}}}
    assert details[2] == {"changes": {"names": partly}}
    assert details[3]["names"] == TAJIK

    for bad in (
        {"names": {"kaa": "x"}},
        {"names": {"ru": ""}},
        {"names": {"uz": "x" * 201}},
        {"names": None},
    ):
        refused = await api.patch("/api/v1/queues/voice-tg", user="admin", json=bad)
        assert refused.status_code == 422, bad
    refused = await api.post(
        "/api/v1/queues", user="admin", json={**QUEUE, "name": "voice-fa", "names": {"fa": "x"}}
    )
    assert refused.status_code == 422, refused.text


def test_queues_stored_before_the_migration_keep_their_title_and_have_no_names(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
    migrations.upgrade(url, "0018")
    with sqlite3.connect(tmp_path / "before.db") as db:
        db.execute(
            "INSERT INTO queues (name, title, channels, languages, match_rank, required_skills,"
            " strategy, penalty_steps, offer_timeout_s, wrap_up_s, sl_targets, active,"
            " created_at, updated_at) VALUES ('voice-tg', 'Voice, Tajik', '[\"voice\"]',"
            " '[\"tg\"]', 5, '[]', 'longest-idle', '[]', 10, 15, '[]', 1,"
            " '2026-12-05 08:00:00', '2026-12-05 08:00:00')"
        )
    migrations.upgrade(url)
    with sqlite3.connect(tmp_path / "before.db") as db:
        rows = db.execute("SELECT name, title, names FROM queues").fetchall()
    assert rows == [("voice-tg", "Voice, Tajik", "{}")]
    migrations.downgrade(url, "0018")
    with sqlite3.connect(tmp_path / "before.db") as db:
        assert db.execute("SELECT name, title FROM queues").fetchall() == [
            ("voice-tg", "Voice, Tajik")
        ]
