"""The supervisor console's stream (``/ws/supervisor``): its parts and which events touch them.

Shared parts (one value for every supervisor):

- ``queues`` — every queue and ``overall``: waiting, ringing, longest wait, operators available,
  busy and on break; ``now`` (the current 15-minute interval) and ``today``: entered, answered,
  abandoned, ASA, handle time and each service-level target with its percent; and
  ``wait_alert_s`` (``DISPATCH_SUPERVISOR_WAIT_ALERT_S``).
- ``calls`` — calls waiting (``position`` in offering order per queue), ringing and connected:
  queue, priority, ``entered_at``, channel, language, caller, ``target_operator``, ``operator``.
- ``operators`` — everyone in the ACD: state, reason, ``since``, ``call_id``, skills, queues,
  ``calls_today`` and ``handle_s`` (average talk plus wrap-up today).
- ``escalations`` — open and taken escalations with their reason, then the latest resolved.
- ``cards`` — cards being filled (open or routed) with their operator and ``completeness``.
- ``followup`` — the services' follow-up list (re-send, re-route).
- ``alerts`` — per queue and kind: ``long_wait``, ``service_level`` (below a target now or today,
  callers waiting past it counted as missed) and ``ring_no_answer`` (the last 15 minutes).
- ``callbacks`` — callbacks pending (offering order, ``overdue`` ones flagged), being dialled,
  and unreachable callers of the last 12 hours (as on the operator console).
- ``staffing`` — the Erlang C hint: operators needed for the first target at the current
  arrival rate and handle time, against those staffed.

One personal part, as on the operator console: ``me``. (A call the supervisor took over is in
``calls`` with the supervisor as its ``operator``: a takeover does not put them in the ACD's
rotation, so there is no state of theirs to show.)

A part is one entry of ``PARTS``: what computes it and the bus topics that change it (the
capabilities' ``events`` constants; a prefix stands for every topic it begins); ``every_s`` for
time alone.
"""

from __future__ import annotations

from dispatch.auth.roles import Role
from dispatch.callbacks import events as callback_events
from dispatch.calls import events as call_events
from dispatch.cards import events as card_events
from dispatch.consoles import acd
from dispatch.consoles import operator_view as mine
from dispatch.consoles import supervisor_parts as floor
from dispatch.consoles.views import SERVER, SURGE, Lookups, Part, Touch, View
from dispatch.control import events as control_events
from dispatch.core.bus import Event
from dispatch.core.redis_bus import RESYNC
from dispatch.escalations import events as escalation_events
from dispatch.queues import events as queue_events

# What changes the ACD's picture: a call in or out of a queue, an offer, an operator's state.
ACD = (queue_events.QUEUE, call_events.CREATED, call_events.STATUS_CHANGED)
# What makes a card leave or join the follow-up list (deadlines passing are timed instead: the
# list reads every routed card of the week, too much to redo on each keystroke's card.update).
FOLLOW_UP = (
    card_events.ROUTED,
    card_events.REROUTED,
    card_events.SERVICE_STATUS,
    card_events.HANDOFF,
    card_events.CLOSED,
)

PARTS = (
    Part("me", mine.me),
    Part("queues", floor.queues, shared=True, topics=ACD),
    Part("calls", floor.open_calls, shared=True, topics=(*ACD, control_events.LEG_CHANGED)),
    Part("operators", floor.operators, shared=True, topics=ACD),
    Part(
        "escalations",
        floor.escalation_list,
        shared=True,
        topics=(escalation_events.ESCALATED, escalation_events.ESCALATION_CHANGED),
    ),
    Part("cards", floor.cards_in_progress, shared=True, topics=(card_events.CARD,)),
    Part("followup", floor.follow_ups, shared=True, topics=FOLLOW_UP, every_s=10),
    Part("alerts", floor.alerts, shared=True, topics=ACD, every_s=5),
    Part("callbacks", mine.callbacks, shared=True, topics=(callback_events.CALLBACK,), every_s=10),
    Part(
        "staffing",
        floor.staffing,
        shared=True,
        topics=(call_events.CREATED, queue_events.OPERATOR_STATE),
        every_s=30,
    ),
    SERVER,
    SURGE,
)


async def touches(event: Event, lookups: Lookups) -> list[Touch]:
    """The parts an event may have changed beyond their own topics (which the hub reads):
    every part after a resync."""
    if RESYNC.of(event) is not None:
        return [Touch(part.name) for part in PARTS]
    return []


SUPERVISOR_VIEW = View(
    name="supervisor",
    roles=frozenset({Role.SUPERVISOR}),
    parts=PARTS,
    touches=touches,
    beat=acd.heartbeat,
)
