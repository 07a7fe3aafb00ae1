"""A call as QA reviews it, and plays of its recording, each in the audit log.

The recording stays where the gateway keeps it (``calls.media_url``); the QA page plays it
from there and reports every start of playback (``record_play``), so the audit log holds who
listened to which call, when, and from where in the recording. The card is read through the
cards service, which audits the read too.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.calls import messages, timeline
from dispatch.calls import service as calls
from dispatch.cards import service as cards
from dispatch.control import legs as control_legs
from dispatch.control.schemas import LegOut
from dispatch.core.actor import Actor
from dispatch.errors import Conflict
from dispatch.qa import evaluations, names, plans, sources
from dispatch.qa.schemas import PlayIn, PlayOut, QaCallOut

PLAY_ACTION = "qa.recording.play"


async def review(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, *, now: datetime, language: str = "en"
) -> QaCallOut:
    """The call with its recording reference, card, events, messages, plans and scores; the
    full names of the people named and the incident type's name in ``language``."""
    call = await calls.get_call(session, call_id)
    aml = await calls.latest_aml_for_call(session, call_id)
    card_id = await sources.card_id_for_call(session, call_id)
    card = None
    if card_id is not None:
        row = await cards.read_card(session, actor, card_id, now=now)
        card = dict(row.document)
    events = await timeline.list_events(session, call_id)
    scored = [evaluations.to_out(f) for f in await evaluations.current(session, call_id=call_id)]
    named = await names.load(session, language)
    people = [e.operator for e in events] + [p for e in scored for p in (e.evaluator, e.operator)]
    kind = (card or {}).get("incident", {}).get("type")
    return QaCallOut(
        call=calls.call_out(call, aml, now=now),
        card=card,
        incident_type_name=named.incident_type(kind) if isinstance(kind, str) else None,
        names=named.people_of([call.operator, *people]),
        events=events,
        messages=await messages.list_messages(session, call_id),
        plans=await plans.plans_of_call(session, call_id),
        evaluations=scored,
        legs=[LegOut.model_validate(leg) for leg in await control_legs.of_call(session, call_id)],
    )


async def record_play(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, data: PlayIn, *, now: datetime
) -> PlayOut:
    """Record that ``actor`` started playing the call's recording (409 when it has none)."""
    call = await calls.get_call(session, call_id)
    if not call.media_url:
        raise Conflict(f"call {call_id} has no recording (the gateway reported no media_url)")
    await audit.record(
        session,
        actor,
        PLAY_ACTION,
        "call",
        str(call_id),
        {"media_url": call.media_url, "position_s": data.position_s},
        at=now,
    )
    return PlayOut(call_id=call_id, media_url=call.media_url, position_s=data.position_s, at=now)
