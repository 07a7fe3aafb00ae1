"""Files on cards: the card carries a reference to each stored file (cardschema
``Attachment``: id, type, size, SHA-256, name, who sent it, when), never the file itself.

- An operator (or supervisor) adds a file to a card they may edit (``add_file``): stored by
  ``dispatch.attachments`` and referenced in the same transaction, one new version.
- A caller's files arrive with the call (MMS, e-mail; ``dispatch.attachments`` keeps them
  against the call). They reach the call's card when it exists (``attachment.stored``) or
  when it is created (``card.create``): whichever event comes second finds both committed.
  A file already on the card is not added twice. An event missed during a restart leaves the
  file on the call only (the operator still sees it with the call) until the call's next file
  brings every file of the call not yet on the card.

The change is ``attachment`` (audited as ``card.attachment``, delivered to the card's services
like any other version).
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

import cardschema
from cardschema import AttachmentSource
from dispatch.attachments import events as attachment_events
from dispatch.attachments import service as attachments
from dispatch.attachments.schemas import AttachmentOut
from dispatch.auth.roles import Role
from dispatch.cards import events, store
from dispatch.cards.events import CardChange
from dispatch.cards.location import card_for_call
from dispatch.cards.models import CardRow
from dispatch.cards.service import check_may_edit, check_open
from dispatch.core.actor import SYSTEM, Actor
from dispatch.core.bus import Event, Subscription
from dispatch.core.database import unit_of_work
from dispatch.core.logging import get_logger
from dispatch.core.runtime import Runtime
from dispatch.core.workers import stop_tasks
from dispatch.errors import Conflict, NotFound, said
from dispatch.feeds import policy as policy_of_services

if TYPE_CHECKING:  # the rows ``dispatch.attachments`` hands out; its table stays its own
    from dispatch.attachments.models import Attachment as StoredFile

log = get_logger(__name__)
CHANGE: CardChange = "attachment"
MAX_ON_CARD = cardschema.rules.MAX_ATTACHMENTS


def reference(row: AttachmentOut, tz: tzinfo | None) -> cardschema.Attachment:
    """The card's reference to a stored file (received in the card's time zone)."""
    return cardschema.Attachment(
        id=row.id,
        media_type=row.media_type,
        size_bytes=row.size,
        sha256=row.sha256,
        source=AttachmentSource(row.source),
        received_at=row.created_at.astimezone(tz),
        file_name=row.filename,
    )


async def _reference_on_card(
    session: AsyncSession,
    actor: Actor,
    row: CardRow,
    files: Sequence[AttachmentOut],
    *,
    now: datetime,
) -> CardRow | None:
    card = store.to_card(row)
    present = {item.id for item in card.attachments}
    new = [file for file in files if file.id not in present]
    if not new:
        return None
    if len(card.attachments) + len(new) > MAX_ON_CARD:
        raise Conflict(
            f"card {card.number} already holds {len(card.attachments)} files; at most "
            f"{MAX_ON_CARD} fit on a card",
            said=said("card_attachments_full", card=card.number, most=MAX_ON_CARD),
        )
    updated = dataclasses.replace(
        card,
        attachments=(*card.attachments, *(reference(file, now.tzinfo) for file in new)),
        updated_at=now,
    )
    saved = await store.save(
        session,
        actor,
        row,
        updated,
        change=CHANGE,
        detail={"attachments": [str(file.id) for file in new]},
        now=now,
    )
    await attachments.set_card(session, [file.id for file in new], card.id)
    return saved


async def add_file(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    policy: attachments.Policy,
    *,
    content: bytes,
    media_type: str | None,
    filename: str | None,
    now: datetime,
) -> StoredFile:
    """An operator's file stored and referenced on a card they may edit (a new version)."""
    row = await store.load(session, card_id, for_update=True)
    card = store.to_card(row)
    check_open(card, "adding a file")
    check_may_edit(card, actor)
    if len(card.attachments) >= MAX_ON_CARD:
        raise Conflict(
            f"card {card.number} already holds {MAX_ON_CARD} files",
            said=said("card_attachments_full", card=card.number, most=MAX_ON_CARD),
        )
    file = await attachments.store(
        session,
        actor,
        policy,
        content=content,
        media_type=media_type,
        filename=filename,
        source=attachments.Source.OPERATOR,
        call_id=card.call_id,
        card_id=card.id,
        now=now,
    )
    await _reference_on_card(session, actor, row, [attachments.attachment_out(file)], now=now)
    return file


async def read_file(
    session: AsyncSession,
    actor: Actor,
    attachment_id: uuid.UUID,
    policy: attachments.Policy,
    *,
    now: datetime,
) -> tuple[StoredFile, bytes]:
    """A file and its bytes for whoever may see it; audited. People as
    ``attachments.read`` decides; a service only a file on a card routed to it whose files it
    receives (``feeds.policy``: not the files of a sensitive card unless it is 102 or 1146);
    any other is NotFound to it, as a card not routed to it is."""
    if actor.role != Role.SERVICE:
        return await attachments.read(session, actor, attachment_id, policy, now=now)
    row = await attachments.get(session, attachment_id)
    code, shown = actor.service_code, False
    if row.card_id is not None and code is not None:
        card = store.to_card(await store.load(session, row.card_id))
        routed = any(service.code == code for service in card.services)
        shown = routed and policy_of_services.share_for(card, code).attachments
    if not shown:
        raise NotFound(f"no attachment with id {attachment_id}")
    return row, await attachments.content_of(session, actor, row, policy, now=now)


async def attach_call_files(
    session: AsyncSession, actor: Actor, card_id: uuid.UUID, *, now: datetime
) -> CardRow | None:
    """Reference on the card every file of its call not yet on it; the new version or None."""
    row = await store.load(session, card_id, for_update=True)
    if row.call_id is None:
        return None
    files = await attachments.of_call(session, row.call_id)
    return await _reference_on_card(session, actor, row, files, now=now)


async def on_event(runtime: Runtime, event: Event) -> uuid.UUID | None:
    """A caller's file stored, or a card created: the call's files onto its card. The card
    id when a version was written."""
    stored = attachment_events.STORED.of(event)
    now = runtime.clock.now().astimezone(runtime.settings.tz)
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        if stored is not None:
            call_id = stored.get("call_id")
            if stored.get("card_id") or not call_id:
                return None  # stored with its card (an operator's), or of no call
            card_id = await card_for_call(session, uuid.UUID(call_id))
        else:
            card_id = uuid.UUID(event.payload["card_id"])
        if card_id is None:
            return None
        saved = await attach_call_files(session, SYSTEM, card_id, now=now)
    return card_id if saved is not None else None


TOPICS = (attachment_events.STORED, events.CREATE)


async def _listen(runtime: Runtime, subscriptions: Sequence[Subscription]) -> None:
    queue: asyncio.Queue[Event] = asyncio.Queue()

    async def pump(subscription: Subscription) -> None:
        async for event in subscription:
            queue.put_nowait(event)

    pumps = [asyncio.create_task(pump(s)) for s in subscriptions]
    try:
        while True:
            event = await queue.get()
            try:
                await on_event(runtime, event)
            except Exception:  # one bad event must not stop the listener
                log.exception("cards.attachment_event_failed", topic=event.topic)
    finally:
        await stop_tasks(pumps)


@asynccontextmanager
async def attachment_listener(runtime: Runtime) -> AsyncIterator[None]:
    """Bring callers' files onto their calls' cards for as long as the app runs."""
    subscriptions = [runtime.bus.subscribe(topic) for topic in TOPICS]
    task = asyncio.create_task(_listen(runtime, subscriptions), name="cards.attachments")
    try:
        yield
    finally:
        for subscription in subscriptions:
            await subscription.close()
        await stop_tasks([task])
