"""The operator console's stream: its parts and which events touch them.

Parts (``parts`` of the snapshot; a delta carries the changed ones whole):

- ``me`` — username, full name, role, language of the signed-in person.
- ``state`` — the ACD state: ``state`` (signed_out, available, reserved, on_call, wrap_up,
  on_break), ``reason``, ``since``, ``wrap_up_until``, ``call_id``, skills and queues.
- ``offer`` — the call ringing at this console (id, call_id, queue, expires_at) or null.
- ``call`` — the call the operator works on (on the call or wrapping up): the call as
  ``GET /calls/{id}`` shows it, its SMS/e-mail ``messages``, and ``card_id`` when a card is open;
  the active ``caller_marks`` of its number (warnings only) and the caller's ``attachments``.
- ``cards`` — the operator's cards not yet closed, newest first, each the card JSON with its
  ``completeness``.
- ``queue`` (shared) — waiting calls, longest wait, operators free and today's service level,
  overall and per queue.
- ``escalations`` — the operator's latest escalations and their status.
- ``callbacks`` (shared) — callbacks ``pending`` in the order operators get them (with
  ``pending_count`` and ``overdue``), ``dialing`` (the operator's own has ``operator`` = them)
  and ``unreachable`` ones of the last 12 hours; each as ``GET /callbacks/{id}`` shows it.
- ``wellbeing`` — the break offered after a traumatic call (``offer``, or null), when the
  break taken ends (``break_until``, while it lasts), the person's own open debriefs
  (``mine``) and, for those who hold debriefs (a psychologist, a supervisor), every other open
  one (``holder``, ``debriefs``: who, why, since when; never a card). Nothing of one
  operator's reaches another operator's console.
- ``notices`` — reminders of work elsewhere (``notices.py``): unread regulations, overdue
  first, and the next training session within the week.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from dispatch.attachments import service as attachments
from dispatch.auth import service as auth
from dispatch.auth.roles import Role
from dispatch.callbacks import board as callback_board
from dispatch.callbacks import events as callback_events
from dispatch.callbacks.tasks import Policy
from dispatch.callers import events as caller_events
from dispatch.callers import service as caller_marks
from dispatch.calls import events as call_events
from dispatch.calls import messages as call_messages
from dispatch.calls import service as calls
from dispatch.cards import events as card_events
from dispatch.cards import lifecycle
from dispatch.cards import service as cards
from dispatch.cards import store as card_store
from dispatch.cards.location import card_for_call
from dispatch.cards.routing import default_classifier
from dispatch.consoles import acd, notices
from dispatch.consoles.views import SERVER, SURGE, Lookups, Part, PartContext, Ref, Touch, View
from dispatch.control import legs as control_legs
from dispatch.control.lifecycle import LegKind
from dispatch.control.schemas import LegOut
from dispatch.core.actor import Actor
from dispatch.core.bus import Event
from dispatch.core.events import Prefix, Topic
from dispatch.core.redis_bus import RESYNC
from dispatch.escalations import events as escalation_events
from dispatch.escalations import service as escalations
from dispatch.escalations.schemas import EscalationOut
from dispatch.queues import events as queue_events
from dispatch.wellbeing import events as wellbeing_events
from dispatch.wellbeing import service as wellbeing
from dispatch.wellbeing.schemas import DebriefStatus

TEXT_CHANNELS = ("sms", "email")
OPEN_CARDS = 20
# Events that can change what waits in the queues.
QUEUE_TOPICS: tuple[Topic[Any] | Prefix, ...] = (
    queue_events.QUEUE,
    call_events.CREATED,
    call_events.STATUS_CHANGED,
)
ESCALATIONS = (escalation_events.ESCALATED, escalation_events.ESCALATION_CHANGED)


async def me(context: PartContext) -> dict[str, Any]:
    """Who is signed in."""
    user = await auth.get_user(context.session, context.username)
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "language": user.language,
    }


async def state(context: PartContext) -> dict[str, Any]:
    """The operator's ACD state."""
    return await _operator_state(context)


async def _operator_state(context: PartContext) -> dict[str, Any]:
    # ``state`` and ``call`` both start from the operator's row: read it once per round.
    return await context.once(
        "operator_state", lambda: acd.operator_state(context.session, context.username)
    )


async def offer(context: PartContext) -> dict[str, Any] | None:
    """The call offered to the operator now, with who calls, how and in which language."""
    found = await acd.current_offer(context.session, context.username)
    if found is None:
        return None
    row = await calls.get_call(context.session, uuid.UUID(found["call_id"]))
    aml = await calls.latest_aml_for_call(context.session, row.id)
    summary = calls.call_out(row, aml, now=context.now)
    found["call"] = summary.model_dump(
        mode="json", include={"channel", "caller_number", "caller_address", "language", "location"}
    )
    return found


async def call(context: PartContext) -> dict[str, Any] | None:
    """The call the operator works on, with its conversation and card."""
    operator = await _operator_state(context)
    call_id = operator["call_id"] if operator["state"] in acd.WORKING else None
    if call_id is None:
        return None
    session, now = context.session, context.now
    row = await calls.get_call(session, uuid.UUID(call_id))
    aml = await calls.latest_aml_for_call(session, row.id)
    out: dict[str, Any] = calls.call_out(row, aml, now=now).model_dump(mode="json")
    out["messages"] = (
        [m.model_dump(mode="json") for m in await call_messages.list_messages(session, row.id)]
        if row.channel in TEXT_CHANNELS
        else []
    )
    card_id = await card_for_call(session, row.id)
    out["card_id"] = str(card_id) if card_id else None
    # A mark only warns: shown beside the call, read by nothing that queues or routes it.
    marks = await caller_marks.active_marks(session, row.caller_key, now=now)
    out["caller_marks"] = [mark.model_dump(mode="json") for mark in marks]
    files = await attachments.of_call(session, row.id)
    out["attachments"] = [file.model_dump(mode="json") for file in files]
    # The parties asked onto the call (call control): what the operator may remove or leave to.
    # A supervisor listening in is not told to the operator (their console never receives it).
    out["legs"] = [
        LegOut.model_validate(leg).model_dump(mode="json")
        for leg in await control_legs.of_call(session, row.id)
        if leg.kind is not LegKind.MONITOR
    ]
    return out


async def my_cards(context: PartContext) -> list[dict[str, Any]]:
    """The operator's open and routed cards with their completeness, newest first."""
    user = context.user
    assert user is not None
    classifier = default_classifier()
    rows = await cards.open_cards_of(context.session, user.username, limit=OPEN_CARDS)
    return [
        {
            **row.document,
            "completeness": lifecycle.completeness(card_store.to_card(row), classifier),
        }
        for row in rows[:OPEN_CARDS]
    ]


async def my_escalations(context: PartContext) -> list[dict[str, Any]]:
    """The operator's latest escalations."""
    rows = await escalations.list_escalations(context.session, raised_by=context.username, limit=10)
    return [EscalationOut.model_validate(row).model_dump(mode="json") for row in rows]


async def queue(context: PartContext) -> dict[str, Any]:
    """The queues now: waiting, longest wait, operators free, today's service level."""
    return await acd.queue_summary(context.session, now=context.now, tz=context.runtime.settings.tz)


async def callbacks(context: PartContext) -> dict[str, Any]:
    """Callbacks pending (in offering order), being dialled, and unreachable callers."""
    return await callback_board.board(
        context.session, policy=Policy.of(context.runtime.settings), now=context.now
    )


async def my_wellbeing(context: PartContext) -> dict[str, Any]:
    """My break offer and open debriefs; every other open debrief when I hold them."""
    user = context.user
    assert user is not None
    actor = Actor(username=user.username, role=user.role.value)
    offer = await wellbeing.pending_offer(context.session, user.username)
    until = await wellbeing.break_until(context.session, user.username, now=context.now)
    found = await wellbeing.debriefs(context.session, actor, status=DebriefStatus.OPEN)
    holder = await wellbeing.holds_debriefs(context.session, user.username, user.role.value)
    mine = [d for d in found if d.username == user.username]
    others = [d for d in found if d.username != user.username]
    return {
        "offer": offer.model_dump(mode="json") if offer else None,
        "break_until": until.isoformat() if until else None,
        "mine": [d.model_dump(mode="json", exclude={"note", "request_note"}) for d in mine],
        "holder": holder,
        "debriefs": [d.model_dump(mode="json") for d in others] if holder else [],
    }


def call_refs(value: Any) -> Iterable[Ref]:
    """The call a ``call`` part shows, and its card."""
    if not value:
        return []
    refs: list[Ref] = [("call", value["id"])]
    if value.get("card_id"):
        refs.append(("card", value["card_id"]))
    return refs


def _offer_refs(value: Any) -> Iterable[Ref]:
    return [("call", value["call_id"])] if value else []


def _card_refs(value: Any) -> Iterable[Ref]:
    refs: list[Ref] = []
    for card in value or []:
        refs.append(("card", card["id"]))
        if card.get("call_id"):
            refs.append(("call", card["call_id"]))
    return refs


PARTS = (
    Part("me", me),
    Part("state", state),
    Part("offer", offer, refs=_offer_refs),
    Part("call", call, refs=call_refs),
    Part("cards", my_cards, refs=_card_refs),
    Part("queue", queue, shared=True),
    Part("escalations", my_escalations),
    Part("callbacks", callbacks, shared=True),
    Part("wellbeing", my_wellbeing),
    SERVER,
    SURGE,
)


async def touches(event: Event, lookups: Lookups) -> list[Touch]:
    """The parts an event may have changed, and for whom."""
    topic, payload = event.topic, event.payload
    if RESYNC.of(event) is not None:
        return [Touch(part.name) for part in PARTS] + [Touch("notices")]
    if wellbeing_events.WELLBEING.covers(topic):
        return [Touch("wellbeing")]  # the person's part, and every holder's list
    if (changed := notices.CHANGED.of(event)) is not None:
        return notices.touches(changed)
    found: list[Touch] = []
    if any(_is(event, kind) for kind in QUEUE_TOPICS):
        found.append(Touch("queue"))
    if callback_events.CHANGED.of(event) is not None:
        found.append(Touch("callbacks"))
    if caller_events.CHANGED.of(event) is not None:
        found.append(Touch("call"))
    person = payload.get("operator") or payload.get("username")
    if isinstance(person, str):
        found += [Touch("state", person), Touch("offer", person), Touch("call", person)]
        if any(kind.of(event) is not None for kind in ESCALATIONS):
            found.append(Touch("escalations", person))
        moved = queue_events.OPERATOR_STATE.of(event)
        if moved is not None and moved["changed"] == "skills":
            found.append(Touch("wellbeing", person))  # a psychologist now, or no longer
    users: set[str] = set()
    call_id = payload.get("call_id")
    if isinstance(call_id, str):
        users |= lookups.showing(("call", call_id))
    card_id = payload.get("card_id")
    if isinstance(card_id, str) and card_events.CARD.covers(topic):
        showing = lookups.showing(("card", card_id))
        owner = None if showing else await _owner(payload, card_id, lookups)
        users |= showing | ({owner} if owner else set())
    for user in users:
        found += [Touch("call", user), Touch("cards", user), Touch("offer", user)]
    return found


async def _owner(payload: Mapping[str, Any], card_id: str, lookups: Lookups) -> str | None:
    """The card's operator: as the event says (``owner``, on every card version since it was
    added), else as the database does (a card row read for every card event in every process:
    3-4% of a server process's samples in the surge benchmark, BENCHMARKS.md)."""
    if "owner" in payload:
        owner = payload["owner"]
        return owner if isinstance(owner, str) else None
    return await lookups.card_owner(card_id)


def _is(event: Event, kind: Topic[Any] | Prefix) -> bool:
    if isinstance(kind, Prefix):
        return kind.covers(event.topic)
    return kind.of(event) is not None


def operator_view(source: notices.NoticeSource | None = None) -> View:
    """The operator console's view, its reminders computed by ``source`` (the app's)."""
    return View(
        name="operator",
        roles=frozenset({Role.OPERATOR, Role.SUPERVISOR}),
        parts=(*PARTS, Part("notices", notices.part(source))),
        touches=touches,
        beat=acd.heartbeat,
    )


OPERATOR_VIEW = operator_view()
