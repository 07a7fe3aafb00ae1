"""A call's steps that move the ACD and the callbacks, in the transaction that records them.

- ``take_call`` — a gateway's new call (or message): ``calls.service.create_call`` with the
  ACD's queue choice (``queues.intake.enter_queue``), the ACD's entries' gate held from its
  first statement (``queues.intake.entering``).
- ``follow_call`` — after a call's event, the call row locked: the ACD brings the queue entry,
  offer and operators in line (``queues.sync.call_changed``); a dropped or abandoned call that
  ended from its queue gets a callback task due at once, preferring the operator who had it
  (``callbacks.tasks.on_call_ended``); a first answer settles the caller's pending callbacks
  (``callbacks.tasks.on_call_answered``); an ended call ends the parties call control brought
  onto it and gives back the colleagues it held (``control.service.call_changed``).
- ``record_call_event`` — a gateway's event: ``calls.timeline.record_event`` followed by
  ``follow_call``.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.attachments import service as attachments
from dispatch.attachments.schemas import AttachmentReceipt
from dispatch.callbacks import tasks as callbacks
from dispatch.calls import messages, service, timeline
from dispatch.calls.schemas import CallCreate
from dispatch.control import service as control
from dispatch.core.actor import Actor
from dispatch.queues import intake as queue_intake
from dispatch.queues import sync

if TYPE_CHECKING:  # the rows the calls' functions return and hand in; flows never write them
    from dispatch.calls.models import AmlMessage, Call


async def follow_call(session: AsyncSession, actor: Actor, call: Call, *, now: datetime) -> None:
    """The ACD and the callbacks follow the call's new state (``calls.timeline.Follow``)."""
    followed = await sync.call_changed(session, actor, call, now=now)
    if followed.ended:
        await callbacks.on_call_ended(
            session, actor, call, operator=followed.operator, queue=followed.queue, now=now
        )
    elif followed.first_answer:
        await callbacks.on_call_answered(session, call, now=now)
    await control.call_changed(session, actor, call, now=now)


# The steps with the ACD's functions handed in; otherwise the calls' own functions, same
# arguments and answers.
async def take_call(
    session: AsyncSession,
    actor: Actor,
    data: CallCreate,
    *,
    now: datetime,
    conversation_window: timedelta = service.CONVERSATION_WINDOW,
    aml_window: timedelta = service.AML_MATCH_WINDOW,
    files: attachments.Policy | None = None,
    intake: messages.TextIntake | None = None,
) -> tuple[Call, bool, AmlMessage | None, list[AttachmentReceipt]]:
    """``calls.service.create_call`` with the ACD's queue (``intake.enter_queue``), holding
    the ACD's entries' gate from the first statement (``intake.entering``: while a call is
    still being taken the ACD lets no unclassified callback go in surge)."""
    await queue_intake.entering(session)
    return await service.create_call(
        session,
        actor,
        data,
        admit=queue_intake.enter_queue,
        now=now,
        conversation_window=conversation_window,
        aml_window=aml_window,
        files=files,
        intake=intake,
    )


record_call_event = functools.partial(timeline.record_event, follow=follow_call)
