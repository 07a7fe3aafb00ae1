"""The cues in a call's text (issue 25): the caller's SMS and e-mail messages and the notes of
the call's card, each cue with where it was found, the words that triggered it and the
protocol it proposes (the rules: ``cues.py``).

The operator's own replies are not read: a question such as "is he breathing?" is not a cue.
Reading the card's notes is a read of the card and is audited as one (``card.read``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.calls import messages
from dispatch.cards import store as cards
from dispatch.core.actor import Actor
from dispatch.protocols.cues import Cue, find_cues


@dataclass(frozen=True, slots=True)
class FoundCue:
    """A cue and its source: a message (``message_id``, its ``field``: text or subject) or a
    note of the card (``note_index``, its place among the card's notes, oldest 0)."""

    cue: Cue
    source: str
    message_id: uuid.UUID | None
    card_id: uuid.UUID | None
    note_index: int | None
    field: str
    at: datetime
    author: str
    text: str


async def cues_of_call(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, *, now: datetime
) -> list[FoundCue]:
    """Every cue in the call's incoming messages and its card's notes, oldest source first."""
    found: list[FoundCue] = []
    for message in await messages.list_messages(session, call_id):  # NotFound for no call
        if message.direction != messages.IN:
            continue
        for field, text in (("subject", message.subject), ("text", message.text)):
            for cue in find_cues(text or ""):
                found.append(
                    FoundCue(
                        cue, "message", message.id, None, None, field, message.at,
                        message.author, text or "",
                    )
                )  # fmt: skip
    row = await cards.of_call(session, call_id)
    if row is not None:
        await audit.record(
            session, actor, "card.read", "card", str(row.id), {"version": row.version}, at=now
        )
        for index, note in enumerate(cards.to_card(row).notes):
            for cue in find_cues(note.text):
                found.append(
                    FoundCue(
                        cue, "note", None, row.id, index, "text", note.at, note.author, note.text
                    )
                )
    return sorted(found, key=lambda f: f.at)
