"""One callback task per number: later calls from the number join the open task, the
database refuses a second one, and a caller reached without a card gets one."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.callbacks.models import CallbackTask
from tests.callbacks.conftest import Callbacks, originates
from tests.fixtures.databases import fingerprint
from tests.queues.conftest import Acd

pytestmark = pytest.mark.asyncio


async def test_one_open_callback_per_number_later_calls_join_it(
    cb: Callbacks, acd: Acd, engine: AsyncEngine
) -> None:
    number = "+998901234500"
    await acd.state("operator1", "on_break", "training")
    first = await acd.call(caller_number=number)
    await acd.event(first["id"], "abandoned")
    [task] = await cb.pending()
    acd.clock.advance(3)
    second = await acd.call(caller_number=number)
    await acd.event(second["id"], "abandoned")

    # The second abandoned call joins the first one's task: one task rings the caller once.
    [joined] = await cb.pending()
    assert joined["id"] == task["id"]
    assert [j["call_id"] for j in joined["joined_calls"]] == [second["id"]]
    assert joined["joined_calls"][0]["origin"] == "abandoned"
    audit = acd.check(
        await cb.api.get("/api/v1/audit", user="admin", params={"action": "callback.joined"}),
        200,
    )
    [entry] = audit["items"]
    assert entry["target_id"] == second["id"]
    assert entry["detail"]["callback_id"] == task["id"]

    # Asking by hand for a callback of the second call is refused while the task is open.
    before = await fingerprint(engine)
    refused = await cb.api.post(
        f"/api/v1/calls/{second['id']}/callbacks", user="operator2", json={"reason": "again"}
    )
    assert refused.status_code == 409, refused.text
    assert task["id"] in refused.json()["detail"]
    assert await fingerprint(engine) == before

    # One dial for the caller, whatever the number of calls.
    await acd.state("operator1", "available")
    assert await acd.tick() == 1
    assert len(await originates(engine)) == 1


async def test_the_database_refuses_a_second_open_task_for_a_number(
    cb: Callbacks, acd: Acd, engine: AsyncEngine
) -> None:
    await acd.state("operator1", "on_break", "training")
    gone = await acd.call(caller_number="+998901234501")
    await acd.event(gone["id"], "abandoned")
    [task] = await cb.pending()
    other = await acd.call(caller_number="+998901234501")
    async with engine.begin() as connection:
        row = (
            await connection.execute(
                select(CallbackTask.__table__).where(CallbackTask.id == uuid.UUID(task["id"]))
            )
        ).one()
        copy = {**row._asdict(), "id": uuid.uuid4(), "call_id": uuid.UUID(other["id"])}
        with pytest.raises(IntegrityError):
            await connection.execute(insert(CallbackTask).values(**copy))


async def test_a_caller_reached_on_a_callback_without_a_card_gets_one(
    cb: Callbacks, acd: Acd
) -> None:
    await acd.state("operator1", "on_break", "training")
    gone = await acd.call(caller_number="+998901234502")
    await acd.event(gone["id"], "abandoned")
    [task] = await cb.pending()
    assert task["card_id"] is None
    await acd.state("operator1", "available")
    assert await acd.tick() == 1
    settled = await cb.attempt(task["id"], "reached")

    assert settled["status"] == "reached"
    assert settled["card_id"] is not None
    assert settled["card_note"] == f"card {settled['card_number']} opened for the reached caller"
    card = acd.check(await cb.api.get(f"/api/v1/cards/{settled['card_id']}", user="operator1"), 200)
    assert card["call_id"] == gone["id"]
    assert card["operator_id"] == "operator1"
    assert card["caller"]["number"] == "+998901234502"
    assert [(c["attempt"], c["outcome"]) for c in card["callbacks"]] == [(1, "reached")]
