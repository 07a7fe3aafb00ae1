"""Who is asked: every exclusion of the sending rules, on a real closed card (the app's own
listener is switched off here so that each rule is applied once, by the test)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

import cardschema
from cardschema import Card
from dispatch.cards import store
from dispatch.cards.routing import default_classifier
from dispatch.core.actor import SYSTEM
from dispatch.core.database import unit_of_work
from dispatch.core.settings import Settings
from dispatch.surveys import rules, service
from dispatch.surveys.models import Survey, SurveyOptOut
from tests.fixtures.api import Api
from tests.fixtures.databases import TEST_SCRYPT_N
from tests.surveys.conftest import MOBILE, closed_card

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
POLICY = rules.SurveyRules(delay=timedelta(0))
SMS_ONLY = dataclasses.replace(POLICY, channels=frozenset({"sms"}))
DISPATCHED_ONLY = dataclasses.replace(POLICY, outcomes=frozenset({"dispatched"}))
OFF = dataclasses.replace(POLICY, enabled=False)
CHILD = cardschema.CallerCondition.CHILD
TEEN = cardschema.AgeBand.ADOLESCENT


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Surveys off in the app: the tests apply the rules themselves."""
    return Settings(
        database_url=database_url,
        password_scrypt_n=TEST_SCRYPT_N,
        log_level="WARNING",
        survey_enabled=False,
    )


async def _consider(
    api: Api, card_id: str, policy: rules.SurveyRules = POLICY
) -> tuple[Survey | None, str | None]:
    async with unit_of_work(api.runtime.sessions, api.runtime.bus) as session:
        return await service.consider(
            session,
            SYSTEM,
            uuid.UUID(card_id),
            policy=policy,
            classifier=default_classifier(),
            now=api.runtime.clock.now(),
        )


async def _card(api: Api, card_id: str) -> Card:
    async with api.runtime.sessions() as session:
        return store.to_card(await store.load(session, uuid.UUID(card_id)))


def _routed_1146(card: Card) -> Card:
    service_ = cardschema.RoutedService(
        code="1146", status=cardschema.ServiceStatus.ROUTED, routed_at=card.created_at
    )
    return dataclasses.replace(card, services=(service_,))


def _crisis(code: str) -> Callable[[Card], Card]:
    def walked(card: Card) -> Card:
        record = cardschema.ProtocolRecord(
            code=code, version=1, approved=True, language="uz",
            started_at=card.created_at, started_by="operator1",
        )  # fmt: skip
        return dataclasses.replace(card, protocols=(record,))

    return walked


def _caller(**fields: Any) -> Callable[[Card], Card]:
    def marked(card: Card) -> Card:
        if "conditions" in fields:
            return dataclasses.replace(
                card, caller=dataclasses.replace(card.caller, conditions=fields["conditions"])
            )
        person = cardschema.Person(role=cardschema.PersonRole.CALLER, **fields)
        return dataclasses.replace(card, persons=(person,))

    return marked


EXCLUSIONS: list[tuple[str, Callable[[Card], Card], str | None, rules.SurveyRules, str]] = [
    ("routed to 1146", _routed_1146, None, POLICY, "service_1146"),
    ("violence", lambda c: c, "violence", POLICY, "category_violence"),
    ("mental health", lambda c: c, "mental_health", POLICY, "category_mental_health"),
    ("suicide screen walked", _crisis("suicide_risk_screen"), None, POLICY, "crisis_protocol"),
    ("domestic violence protocol", _crisis("domestic_violence"), None, POLICY, "crisis_protocol"),
    ("child condition", _caller(conditions=(CHILD,)), None, POLICY, "child_caller"),
    ("caller aged 12", _caller(age=12), None, POLICY, "child_caller"),
    ("caller a teenager", _caller(age_band=TEEN), None, POLICY, "child_caller"),
    ("voice disabled", lambda c: c, None, SMS_ONLY, "channel_disabled"),
    ("advice disabled", lambda c: c, None, DISPATCHED_ONLY, "outcome_disabled"),
    ("surveys off", lambda c: c, None, OFF, "disabled"),
]  # fmt: skip


async def test_each_exclusion_keeps_the_caller_from_being_asked(api: Api) -> None:
    made = await closed_card(api)
    card = await _card(api, made["id"])
    assert rules.exclusion(card, MOBILE, "medical", POLICY) is None  # the base card is asked
    for name, change, category, policy, reason in EXCLUSIONS:
        assert rules.exclusion(change(card), MOBILE, category or "medical", policy) == reason, name
    assert rules.exclusion(card, None, "medical", POLICY) == "no_number"
    assert rules.exclusion(card, "+998712345678", "medical", POLICY) == "not_mobile"  # Tashkent
    assert rules.exclusion(card, "+79161234567", "medical", POLICY) == "not_mobile"
    adult = _caller(age=40)(card)
    assert rules.exclusion(adult, MOBILE, "medical", POLICY) is None


@pytest.mark.parametrize(
    ("incident_type", "outcome", "reason"),
    [
        ("violence.domestic", "advice_given", "category_violence"),
        ("mental_health.crisis", "advice_given", "category_mental_health"),
        ("medical.illness", "hoax", "outcome_disabled"),
    ],
)
async def test_stored_cards_of_excluded_types_are_not_asked(
    api: Api, incident_type: str, outcome: str, reason: str
) -> None:
    made = await closed_card(api, incident_type=incident_type, outcome=outcome)
    assert await _consider(api, made["id"]) == (None, reason)


async def test_an_opted_out_number_and_a_recent_survey_are_not_asked(api: Api) -> None:
    first = await closed_card(api)
    survey, why = await _consider(api, first["id"])
    assert survey is not None
    assert why is None
    assert (await _consider(api, first["id"]))[0].id == survey.id  # type: ignore[union-attr]
    second = await closed_card(api)
    assert await _consider(api, second["id"]) == (None, "recent_survey")
    # after the quiet period the number is asked again
    quiet = dataclasses.replace(POLICY, quiet=timedelta(0))
    third, why = await _consider(api, second["id"], quiet)
    assert third is not None
    async with unit_of_work(api.runtime.sessions, api.runtime.bus) as session:
        session.add(SurveyOptOut(number=MOBILE, at=api.runtime.clock.now(), text="STOP"))
    fourth = await closed_card(api)
    assert await _consider(api, fourth["id"], quiet) == (None, "opted_out")
    landline = await closed_card(api, number="+998712345678")
    assert await _consider(api, landline["id"]) == (None, "not_mobile")


async def test_a_delayed_survey_waits_and_is_cancelled_if_the_number_opts_out_meanwhile(
    api: Api,
) -> None:
    delayed = dataclasses.replace(POLICY, delay=timedelta(minutes=30))
    made = await closed_card(api)
    survey, _ = await _consider(api, made["id"], delayed)
    assert survey is not None
    now = api.runtime.clock.now()
    async with api.runtime.sessions() as session:
        ready, later = await service.due(session, now=now)
        assert (ready, later) == ([], survey.send_after)
        ready, _ = await service.due(session, now=now + timedelta(minutes=31))
        assert ready == [survey.id]
    async with unit_of_work(api.runtime.sessions, api.runtime.bus) as session:
        session.add(SurveyOptOut(number=MOBILE, at=now, text="STOP"))
    async with unit_of_work(api.runtime.sessions, api.runtime.bus) as session:
        await service.send_due(session, SYSTEM, survey.id, now=now + timedelta(minutes=31))
    async with api.runtime.sessions() as session:
        stored = await session.scalar(select(Survey).where(Survey.id == survey.id))
    assert stored is not None
    assert (stored.status, stored.cancelled_reason, stored.command_id) == (
        "cancelled",
        "opted_out",
        None,
    )
