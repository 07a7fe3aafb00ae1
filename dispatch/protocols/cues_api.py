"""Cues in text over the API (issue 25): what a call's SMS and e-mail messages and its card's
notes suggest, for the operator to open the proposed protocol."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from dispatch.auth.roles import Role
from dispatch.deps import ClockDep, Principal, Session, roles
from dispatch.protocols import call_cues

router = APIRouter(prefix="/api/v1", tags=["protocols"])

CallTaker = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR)]


class TriggerOut(BaseModel):
    """The words that triggered the cue: ``text[start:end]`` of the source."""

    words: str
    start: int
    end: int
    rule: str = Field(description="the rule that matched, e.g. cardiac_arrest.uz.no_breath")
    language: str = Field(description="the rule's language: uz (both scripts), kaa or ru")


class CueOut(BaseModel):
    """A cue in a message or note, the protocol it proposes and the words that said it."""

    cue: str
    protocol: str = Field(description="the code of the protocol proposed")
    source: str = Field(description="message (the caller's SMS or e-mail) or note (the card's)")
    message_id: uuid.UUID | None
    card_id: uuid.UUID | None
    note_index: int | None = Field(description="the note's place on the card, oldest 0")
    field: str = Field(description="text, or an e-mail's subject")
    at: datetime
    author: str
    text: str
    triggers: list[TriggerOut]


@router.get("/calls/{call_id}/cues", response_model=list[CueOut])
async def list_cues(
    call_id: uuid.UUID, session: Session, who: CallTaker, clock: ClockDep
) -> list[CueOut]:
    """The cues in the call's incoming messages and its card's notes, oldest source first."""
    found = await call_cues.cues_of_call(session, who.actor, call_id, now=clock.now())
    return [
        CueOut(
            cue=item.cue.cue.value,
            protocol=item.cue.protocol,
            source=item.source,
            message_id=item.message_id,
            card_id=item.card_id,
            note_index=item.note_index,
            field=item.field,
            at=item.at,
            author=item.author,
            text=item.text,
            triggers=[
                TriggerOut(
                    words=t.words, start=t.start, end=t.end, rule=t.rule, language=t.language
                )
                for t in item.cue.triggers
            ],
        )
        for item in found
    ]
