"""Cards is the only writer of card versions: ``store.save`` numbers every version, refuses a
card numbered by anyone else, and callbacks record their attempts through a cards function."""

from __future__ import annotations

import ast
import dataclasses
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from cardschema import CallbackOutcome
from dispatch.cards import store
from dispatch.cards.callbacks import CallbackNotOnCard, record_callback_attempt
from dispatch.core.actor import Actor
from dispatch.core.database import session_factory
from dispatch.errors import Conflict
from tests.cards.conftest import new_card
from tests.fixtures.api import Api
from tests.fixtures.databases import fingerprint

pytestmark = pytest.mark.asyncio

DISPATCH = Path(__file__).resolve().parents[2] / "dispatch"
OPERATOR = Actor(username="operator1", role="operator")


async def test_a_card_numbered_by_its_caller_is_refused_and_nothing_is_stored(
    api: Api, engine: AsyncEngine
) -> None:
    card = await new_card(api)
    noted = await api.post(
        f"/api/v1/cards/{card['id']}/notes", user="operator1", json={"text": "a"}
    )
    assert noted.status_code == 201, noted.text  # version 2: a stale 1 and a guessed 3 exist
    before = await fingerprint(engine)
    async with session_factory(engine)() as session:
        row = await store.load(session, uuid.UUID(card["id"]), for_update=True)
        loaded = store.to_card(row)
        for version in (loaded.version + 1, loaded.version - 1):
            bumped = dataclasses.replace(loaded, version=version)
            with pytest.raises(Conflict, match="versions are numbered when stored"):
                await store.save(
                    session, OPERATOR, row, bumped, change="note", now=datetime.now(UTC)
                )
        await session.rollback()
    assert await fingerprint(engine) == before


async def test_save_numbers_the_next_version_itself(api: Api, engine: AsyncEngine) -> None:
    card = await new_card(api)
    async with session_factory(engine)() as session, session.begin():
        row = await store.load(session, uuid.UUID(card["id"]), for_update=True)
        loaded = store.to_card(row)
        saved = await store.save(
            session, OPERATOR, row, loaded, change="note", now=datetime.now(UTC)
        )
        assert saved.version == loaded.version + 1
    history = await api.get(f"/api/v1/cards/{card['id']}/history", user="supervisor1")
    assert [v["version"] for v in history.json()] == [1, 2]


async def test_no_module_but_the_store_numbers_a_card_version() -> None:
    """A ``dataclasses.replace(card, version=...)`` anywhere else would number a version
    outside ``store.save``."""
    offenders = []
    for path in sorted(DISPATCH.rglob("*.py")):
        if path == DISPATCH / "cards" / "store.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute | ast.Name)
                and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
                == "replace"
                and any(keyword.arg == "version" for keyword in node.keywords)
            ):
                offenders.append(f"{path.relative_to(DISPATCH)}:{node.lineno}")
    assert offenders == []


async def test_a_callback_attempt_goes_on_the_card_through_cards(
    api: Api, engine: AsyncEngine
) -> None:
    card = await new_card(api, incident={"type": "other.unknown"})
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        row = await record_callback_attempt(
            session,
            OPERATOR,
            uuid.UUID(card["id"]),
            callback_id=uuid.uuid4(),
            at=datetime.now(UTC),
            outcome=CallbackOutcome.REACHED,
            operator_id="operator2",
            reached=True,
            now=datetime.now(UTC),
        )
        saved = store.to_card(row)
    assert saved.version == 2
    assert [(c.attempt, c.outcome) for c in saved.callbacks] == [(1, CallbackOutcome.REACHED)]
    assert saved.operator_id == "operator2"  # who reached the caller takes the card
    history = (await api.get(f"/api/v1/cards/{card['id']}/history", user="supervisor1")).json()
    assert history[-1]["change"] == "callback"
    assert history[-1]["detail"]["operator"] == "operator2"

    closed = await api.post(
        f"/api/v1/cards/{card['id']}/close", user="operator2", json={"outcome": "false_alarm"}
    )
    assert closed.status_code == 200, closed.text
    before = await fingerprint(engine)
    async with sessions() as session:
        with pytest.raises(CallbackNotOnCard, match="is closed; the attempt is not on it"):
            await record_callback_attempt(
                session,
                OPERATOR,
                uuid.UUID(card["id"]),
                callback_id=uuid.uuid4(),
                at=datetime.now(UTC),
                outcome=CallbackOutcome.NO_ANSWER,
                operator_id="operator1",
                reached=False,
                now=datetime.now(UTC),
            )
        await session.rollback()
    assert await fingerprint(engine) == before
