"""The simulated callers answering surveys: the scenario's shares, and the simulated gateway
answering the server's survey SMS so that the survey is answered (or the number opted out)."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.surveys.models import Survey
from dispatch.surveys.replies import Kind, read_reply
from simulators.client import ServerClock
from simulators.gateway import Gateway
from simulators.report import Tally
from simulators.surveys import OPT_OUT, SurveyScenario
from tests.fixtures.api import Api
from tests.fixtures.waiting import eventually
from tests.surveys.conftest import closed_card, settings, survey_commands

__all__ = ["settings"]  # the surveys' settings: sent at the close


def test_the_scenario_answers_opts_out_and_ignores_in_its_shares() -> None:
    rng = random.Random(7)
    scenario = SurveyScenario(answer=0.4, opt_out=0.1, comment=0.5)
    replies = [scenario.draw(rng, "ru") for _ in range(5000)]
    kinds = Counter("none" if r is None else read_reply(r).kind.value for r in replies)
    assert abs(kinds["score"] / 5000 - 0.4) < 0.03
    assert abs(kinds["opt_out"] / 5000 - 0.1) < 0.02
    assert abs(kinds["none"] / 5000 - 0.5) < 0.03
    assert kinds["to_operator"] == 0  # every simulated answer is one the server takes
    scores = Counter(read_reply(r).score for r in replies if r and r not in OPT_OUT.values())
    assert scores[5] > scores[4] > scores[1]
    for language in OPT_OUT:
        assert read_reply(OPT_OUT[language]).kind is Kind.OPT_OUT


@pytest.mark.asyncio
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("answer", "opt_out", "status"), [(1.0, 0.0, "answered"), (0.0, 1.0, "opted_out")]
)
async def test_the_simulated_gateway_answers_the_servers_survey(
    api: Api, engine: AsyncEngine, answer: float, opt_out: float, status: str
) -> None:
    card = await closed_card(api, language="ru")
    command = (await eventually(lambda: survey_commands(engine), what="the survey's SMS"))[0]
    tally = Tally()
    gateway = Gateway(
        api.client,
        "http://test",
        "gateway1-dev-key",
        ServerClock(datetime.now(UTC), 1.0),
        tally,
        lambda *_: None,
        surveys=SurveyScenario(answer=answer, opt_out=opt_out, comment=1.0),
        rng=random.Random(3),
    )
    document = {
        "type": "command",
        "command_id": str(command.command_id),
        "command": command.command,
        "call_id": str(command.call_id),
        "operator": None,
        "payload": command.payload,
        "created_at": command.created_at.isoformat(),
    }
    assert gateway._obey(document) == {"type": "ack", "command_id": str(command.command_id)}
    await asyncio.wait_for(asyncio.gather(*gateway.background), 10)
    assert tally.surveys == Counter({"received": 1, "replied 200": 1})
    async with engine.connect() as connection:
        survey = (
            await connection.execute(select(Survey).where(Survey.card_id == uuid.UUID(card["id"])))
        ).one()
    assert survey.status == status
    if status == "answered":
        assert survey.score in range(1, 6)
        assert survey.comment  # comment=1.0: always one, in Russian
