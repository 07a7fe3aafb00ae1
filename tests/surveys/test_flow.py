"""A survey end to end through the API: sent at the card's close in the caller's language,
answered by SMS instead of opening a conversation, an emergency-looking reply still reaching the
operators, an opt-out honoured for good."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.audit.models import AuditEntry
from dispatch.calls.models import Call
from dispatch.cards.routing import default_classifier
from dispatch.core.actor import SYSTEM
from dispatch.core.database import unit_of_work
from dispatch.surveys import rules, service
from dispatch.surveys.models import Survey, SurveyOptOut
from dispatch.surveys.worker import rules_of
from tests.fixtures.api import Api
from tests.fixtures.waiting import eventually
from tests.surveys.conftest import MOBILE, closed_card, post_sms, survey_commands

pytestmark = pytest.mark.asyncio


async def _survey(engine: AsyncEngine, card_id: str) -> Survey:
    async with engine.connect() as connection:
        found = await connection.execute(select(Survey).where(Survey.card_id == uuid.UUID(card_id)))
        row: Survey = found.one()  # type: ignore[assignment]
    return row


async def _calls(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(Call))).scalar_one())


async def test_a_closed_card_gets_a_survey_and_a_score_by_sms_answers_it(
    api: Api, engine: AsyncEngine
) -> None:
    card = await closed_card(api, language="ru")
    commands = await eventually(lambda: survey_commands(engine), what="the survey's SMS")
    assert len(commands) == 1
    payload = commands[0].payload
    assert payload["to"] == MOBILE
    assert payload["channel"] == "sms"
    assert payload["text"] == rules.TEXTS["ru"]
    assert payload["text"].startswith("112: ")
    assert str(commands[0].call_id) == card["call_id"]
    survey = await _survey(engine, card["id"])
    assert survey.status == "sent"
    assert survey.outcome == "advice_given"
    before = await _calls(engine)

    # the answer in another form of the number, with a message id
    answer = await post_sms(api, "998901112233", "5 спасибо, быстро", 200, message_id="m-1")
    assert answer["id"] == card["call_id"]  # recorded against the surveyed call
    again = await post_sms(api, MOBILE, "5 спасибо, быстро", 200, message_id="m-1")
    assert again["id"] == card["call_id"]  # the gateway's retry changes nothing
    assert await _calls(engine) == before  # no conversation for the operators
    survey = await _survey(engine, card["id"])
    assert (survey.status, survey.score, survey.comment) == ("answered", 5, "спасибо, быстро")
    async with engine.connect() as connection:
        actions = (
            (
                await connection.execute(
                    select(AuditEntry.action).where(AuditEntry.action.like("survey.%"))
                )
            )
            .scalars()
            .all()
        )
    assert sorted(actions) == ["survey.answer", "survey.schedule", "survey.send"]

    # once answered, the next message from the number is a message to 112 again
    later = await post_sms(api, MOBILE, "4", 201)
    assert later["status"] == "waiting"


async def test_an_emergency_looking_reply_reaches_the_operators_and_records_no_score(
    api: Api, engine: AsyncEngine
) -> None:
    card = await closed_card(api)
    await eventually(lambda: survey_commands(engine), what="the survey's SMS")
    opened = await post_sms(api, MOBILE, "3 lekin uyda yong‘in chiqdi", 201)
    assert opened["id"] != card["call_id"]
    assert opened["status"] == "waiting"  # in a queue for the operators
    survey = await _survey(engine, card["id"])
    assert (survey.status, survey.score) == ("sent", None)
    # the next message belongs to that open conversation, not to the survey
    follow = await post_sms(api, MOBILE, "5", 200)
    assert follow["id"] == opened["id"]
    assert (await _survey(engine, card["id"])).score is None


async def test_a_message_without_a_score_opens_a_conversation(
    api: Api, engine: AsyncEngine
) -> None:
    card = await closed_card(api)
    await eventually(lambda: survey_commands(engine), what="the survey's SMS")
    opened = await post_sms(api, MOBILE, "Rahmat sizlarga", 201)
    assert opened["id"] != card["call_id"]
    assert (await _survey(engine, card["id"])).status == "sent"


async def test_an_opt_out_is_confirmed_audited_and_honoured_for_good(
    api: Api, engine: AsyncEngine
) -> None:
    card = await closed_card(api)
    await eventually(lambda: survey_commands(engine), what="the survey's SMS")
    taken = await post_sms(api, MOBILE, "to‘xtat", 200)
    assert taken["id"] == card["call_id"]
    survey = await _survey(engine, card["id"])
    assert survey.status == "opted_out"
    commands = await survey_commands(engine)
    assert [c.payload["text"] for c in commands] == [rules.TEXTS["uz"], rules.OPTED_OUT_TEXTS["uz"]]
    async with engine.connect() as connection:
        kept = (await connection.execute(select(SurveyOptOut))).one()
        audited = (
            await connection.execute(
                select(func.count()).where(AuditEntry.action == "survey.opt_out")
            )
        ).scalar_one()
    assert (kept.number, kept.text) == (MOBILE, "to‘xtat")
    assert audited == 1

    # another card from the number, even with no quiet period: never asked again
    second = await closed_card(api)
    policy = rules.SurveyRules(quiet=timedelta(0), delay=timedelta(0))
    async with unit_of_work(api.runtime.sessions, api.runtime.bus) as session:
        survey_again, why = await service.consider(
            session,
            SYSTEM,
            uuid.UUID(second["id"]),
            policy=policy,
            classifier=default_classifier(),
            now=api.runtime.clock.now(),
        )
    assert (survey_again, why) == (None, "opted_out")
    assert len(await survey_commands(engine)) == 2


async def test_uzbek_written_in_cyrillic_is_answered_in_cyrillic(
    api: Api, engine: AsyncEngine
) -> None:
    await closed_card(api, channel="sms", text="Уйда ёнғин, тутун кўп")
    commands = await eventually(lambda: survey_commands(engine), what="the survey's SMS")
    assert commands[0].payload["text"] == rules.TEXTS["uz-Cyrl"]
    assert commands[0].payload["language"] == "uz-Cyrl"
    assert rules_of(api.runtime.settings).delay == timedelta(0)
