"""Surveys: scheduled when a card is closed, sent by the gateway when due, answered by SMS.

A survey moves ``scheduled`` → ``sent`` (a ``send_text`` command queued) or ``cancelled`` (the
number opted out meanwhile); ``sent`` → ``answered`` (a score) or ``opted_out``
(``SURVEY_TRANSITIONS``, written by ``_move`` alone). An opt-out is kept by number for good
(``survey_opt_outs``) and audited; no survey is ever scheduled for that number again.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.calls import service as calls
from dispatch.calls.gateway import service as gateway
from dispatch.calls.numbers import normalise_number
from dispatch.calls.schemas import CallCreate
from dispatch.cards import store as cards
from dispatch.cards.routing import Classifier, UnknownIncidentType
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.core.logging import get_logger
from dispatch.errors import Conflict
from dispatch.surveys import events, replies, rules
from dispatch.surveys.models import Survey, SurveyOptOut
from dispatch.surveys.models import SurveyStatus as SurveyStatus  # beside its table

log = get_logger(__name__)


S = SurveyStatus
SURVEY_TRANSITIONS: Mapping[SurveyStatus, frozenset[SurveyStatus]] = {
    S.SCHEDULED: frozenset({S.SENT, S.CANCELLED}),
    S.SENT: frozenset({S.ANSWERED, S.OPTED_OUT}),
    S.ANSWERED: frozenset(),
    S.OPTED_OUT: frozenset(),
    S.CANCELLED: frozenset(),
}


def _move(survey: Survey, new: SurveyStatus) -> None:
    current = SurveyStatus(survey.status)
    if new not in SURVEY_TRANSITIONS[current]:
        raise Conflict(f"survey {survey.id} is {current}; it cannot become {new}")
    survey.status = new


async def consider(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    *,
    policy: rules.SurveyRules,
    classifier: Classifier,
    now: datetime,
) -> tuple[Survey | None, str | None]:
    """Schedule the survey a closed card earns (sent at once without a delay); or None and why
    not (``rules.exclusion``, ``opted_out``, ``recent_survey``)."""
    card = cards.to_card(await cards.load(session, card_id))
    if card.outcome is None or card.closed_at is None:
        return None, "not_closed"
    if card.call_id is None:
        return None, "no_call"
    earlier = await session.scalar(select(Survey).where(Survey.card_id == card.id))
    if earlier is not None:
        return earlier, None
    call = await calls.get_call(session, card.call_id)
    number = normalise_number(card.caller.number) or call.caller_key
    category = None
    if card.incident.type is not None:
        try:
            category = classifier.get(card.incident.type).category
        except UnknownIncidentType:
            category = card.incident.type.split(".", 1)[0]
    why = rules.exclusion(card, number, category, policy)
    if why is not None:
        return None, why
    assert number is not None  # exclusion refuses a card without one
    if await opted_out(session, number):
        return None, "opted_out"
    recent = await session.scalar(
        select(Survey.id)
        .where(
            Survey.number == number,
            Survey.created_at >= now - policy.quiet,
            Survey.status != SurveyStatus.CANCELLED.value,
        )
        .limit(1)
    )
    if recent is not None:
        return None, "recent_survey"
    survey = Survey(
        id=uuid.uuid4(),
        card_id=card.id,
        card_number=card.number,
        call_id=card.call_id,
        number=number,
        channel=card.channel.value,
        outcome=card.outcome.value,
        incident_type=card.incident.type,
        region=card.location.region.code if card.location.region else None,
        language=rules.script_language(card.language, call.text),
        status=SurveyStatus.SCHEDULED.value,
        created_at=now,
        send_after=now + policy.delay,
    )
    session.add(survey)
    await audit.record(
        session,
        actor,
        "survey.schedule",
        "card",
        str(card.id),
        {"survey_id": str(survey.id)},
        at=now,
    )
    if survey.send_after <= now:
        await send(session, actor, survey, now=now)
    else:
        emit(session, events.SCHEDULED, events.Scheduled(survey_id=str(survey.id)))
    return survey, None


async def due(
    session: AsyncSession, *, now: datetime, limit: int = 100
) -> tuple[list[uuid.UUID], datetime | None]:
    """The scheduled surveys due now (oldest first), and when the next one falls due."""
    ready = list(
        (
            await session.scalars(
                select(Survey.id)
                .where(Survey.status == SurveyStatus.SCHEDULED.value, Survey.send_after <= now)
                .order_by(Survey.send_after)
                .limit(limit)
            )
        ).all()
    )
    later = await session.scalar(
        select(Survey.send_after)
        .where(Survey.status == SurveyStatus.SCHEDULED.value, Survey.send_after > now)
        .order_by(Survey.send_after)
        .limit(1)
    )
    return ready, later


async def send_due(
    session: AsyncSession, actor: Actor, survey_id: uuid.UUID, *, now: datetime
) -> None:
    """Send one scheduled survey if it is still due (another process may have sent it)."""
    survey = await session.scalar(
        select(Survey)
        .where(Survey.id == survey_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if survey is None or survey.status != SurveyStatus.SCHEDULED.value:
        return
    await send(session, actor, survey, now=now)


async def send(session: AsyncSession, actor: Actor, survey: Survey, *, now: datetime) -> None:
    """Queue the survey's SMS for the gateway; cancelled when the number opted out meanwhile."""
    if await opted_out(session, survey.number):
        _move(survey, SurveyStatus.CANCELLED)
        survey.cancelled_reason = "opted_out"
        return
    text = rules.TEXTS[survey.language]
    command = await gateway.enqueue_command(
        session,
        gateway.CommandType.SEND_TEXT,
        survey.call_id,
        payload=_sms(survey, text, kind="survey"),
        now=now,
        actor=actor,
    )
    _move(survey, SurveyStatus.SENT)
    survey.sent_at = now
    survey.command_id = command.command_id
    await audit.record(
        session,
        actor,
        "survey.send",
        "card",
        str(survey.card_id),
        {"survey_id": str(survey.id)},
        at=now,
    )


def _sms(survey: Survey, text: str, *, kind: str) -> dict[str, Any]:
    return {
        "channel": "sms",
        "to": survey.number,
        "text": text,
        "subject": None,
        "message_id": str(uuid.uuid4()),
        "survey_id": str(survey.id),
        "survey": kind,
        "language": survey.language,
    }


async def opted_out(session: AsyncSession, number: str) -> bool:
    """Tell whether ``number`` (normalised) asked for no more surveys."""
    return await session.get(SurveyOptOut, number) is not None


class ReplyIntake:
    """Takes an SMS answering a survey sent within the reply window (``calls.TextIntake``)."""

    def __init__(self, policy: rules.SurveyRules) -> None:
        self.policy = policy

    async def __call__(
        self, session: AsyncSession, actor: Actor, data: CallCreate, *, now: datetime
    ) -> uuid.UUID | None:
        """The surveyed call when the message is an answer or an opt-out; None otherwise."""
        if data.channel.value != "sms" or not data.text:
            return None
        number = normalise_number(data.caller_number)
        if number is None:
            return None
        survey = await session.scalar(
            select(Survey)
            .where(
                Survey.number == number,
                Survey.status.in_([S.SENT.value, S.ANSWERED.value, S.OPTED_OUT.value]),
                Survey.sent_at >= now - self.policy.reply_window,
            )
            .order_by(Survey.sent_at.desc())
            .limit(1)
            .with_for_update(key_share=True)
        )
        if survey is None:
            return None
        if data.message_id is not None and survey.reply_message_id == data.message_id:
            return survey.call_id  # the gateway's retry of a reply already taken
        reading = replies.read_reply(data.text)
        if reading.kind is replies.Kind.OPT_OUT:
            await _opt_out(session, actor, survey, data, now=now)
            return survey.call_id
        if reading.kind is replies.Kind.SCORE and survey.status == S.SENT.value:
            _move(survey, SurveyStatus.ANSWERED)
            survey.answered_at = now
            survey.score = reading.score
            survey.comment = reading.comment
            survey.reply_message_id = data.message_id
            await audit.record(
                session,
                actor,
                "survey.answer",
                "card",
                str(survey.card_id),
                {"survey_id": str(survey.id), "score": reading.score},
                at=now,
            )
            emit(
                session,
                events.ANSWERED,
                events.Answered(survey_id=str(survey.id), score=reading.score),
            )
            return survey.call_id
        log.info("surveys.reply_to_operator", survey_id=str(survey.id), why=reading.why)
        return None


async def _opt_out(
    session: AsyncSession, actor: Actor, survey: Survey, data: CallCreate, *, now: datetime
) -> None:
    """Keep the number's opt-out for good and confirm it once by SMS."""
    survey.reply_message_id = data.message_id
    if survey.status == S.SENT.value:
        _move(survey, SurveyStatus.OPTED_OUT)
    if await opted_out(session, survey.number):
        return
    session.add(
        SurveyOptOut(
            number=survey.number, at=now, survey_id=survey.id, text=(data.text or "")[:160]
        )
    )
    await audit.record(
        session,
        actor,
        "survey.opt_out",
        "card",
        str(survey.card_id),
        {"survey_id": str(survey.id)},
        at=now,
    )
    await gateway.enqueue_command(
        session,
        gateway.CommandType.SEND_TEXT,
        survey.call_id,
        payload=_sms(survey, rules.OPTED_OUT_TEXTS[survey.language], kind="opted_out"),
        now=now,
        actor=actor,
    )
