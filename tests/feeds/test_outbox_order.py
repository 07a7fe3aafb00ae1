"""Feed cursors are handed out in commit order per service, so a consumer reading "after N"
never passes a card whose transaction commits later (real PostgreSQL, two transactions); a card
version is owed at its transaction's commit, so the services' rows are locked for the commit
alone."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import cardschema
from dispatch.core.database import session_factory
from dispatch.feeds import outbox
from tests.feeds.conftest import routed_card
from tests.fixtures.api import Api

pytestmark = pytest.mark.asyncio


async def _two_cards_again(api: Api) -> list[cardschema.Card]:
    """Two cards routed to 102, each as a later version (99) to owe again by hand."""
    routed = [await routed_card(api, ["102"]) for _ in range(2)]
    return [
        dataclasses.replace(
            cardschema.parse(
                (await api.get(f"/api/v1/cards/{c['id']}.xml", user="supervisor1")).content
            ),
            version=99,
        )
        for c in routed
    ]


async def test_a_later_transaction_waits_for_the_earlier_ones_cursor(
    api: Api, engine: AsyncEngine, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises every writer already")
    cards = await _two_cards_again(api)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    first = sessions()
    second = sessions()
    try:
        # The first transaction takes its cursor and stays open...
        (early,) = await outbox.enqueue(first, cards[0], ["102"], reason="test", now=now)
        # ...so the second must wait for it before it can take one.
        later = asyncio.create_task(
            outbox.enqueue(second, cards[1], ["102"], reason="test", now=now)
        )
        await asyncio.sleep(0.5)
        assert not later.done(), "the second writer got a cursor while the first was open"
        await first.commit()
        (late,) = await asyncio.wait_for(later, 30)
        await second.commit()
        assert late.id > early.id
    finally:
        await first.close()
        await second.close()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_card_owed_at_the_commit_holds_no_other_card_while_its_transaction_works(
    api: Api, engine: AsyncEngine
) -> None:
    cards = await _two_cards_again(api)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    async with sessions() as slow, sessions() as quick:
        outbox.owe_at_commit(slow, cards[0], ["102"], reason="test", now=now)
        await slow.execute(text("SELECT 1"))  # its transaction goes on working
        outbox.owe_at_commit(quick, cards[1], ["102"], reason="test", now=now)
        await quick.execute(text("SET LOCAL lock_timeout = '5s'"))
        await asyncio.wait_for(quick.commit(), 30)  # not behind ``slow``
        await slow.commit()
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT card_id FROM feed_outbox WHERE card_version = 99 ORDER BY id")
        )
        owed = [str(card_id) for (card_id,) in rows.all()]
    # Cursors in commit order: the card committed first has the lower cursor.
    assert owed == [str(cards[1].id), str(cards[0].id)]
