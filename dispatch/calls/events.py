"""Bus topics calls publishes (after commit, through ``core.bus.emit``), the gateway's too.

The consoles' hub hears every topic: an operator console showing the payload's ``call_id``
draws that call again, whatever the topic.
"""

from __future__ import annotations

from typing import Any, TypedDict

from dispatch.calls.lifecycle import CallEventType
from dispatch.core.events import Family, Topic


class CallCreated(TypedDict):
    """A call reached 112 and entered ``queue``; the consoles' queue parts and the supervisors'
    live operators count it."""

    call_id: str
    queue: str
    channel: str


class CallEventHappened(TypedDict):
    """A gateway reported an event (``type``) and it was recorded; the consoles."""

    call_id: str
    event_id: str
    type: str
    at: str
    operator: str | None
    queue: str
    status: str


# The call's status moved (``from`` and ``to`` are keywords: the functional form); the
# consoles' queue parts.
StatusChanged = TypedDict("StatusChanged", {"call_id": str, "from": str, "to": str})


class MessageMoved(TypedDict):
    """An SMS/e-mail of the conversation came in or went out; the console showing the call."""

    call_id: str
    message_id: str
    channel: str


class AmlReceived(TypedDict):
    """An AML position came in (``call_id``: the call it matched, if any); the consoles."""

    aml_id: str
    call_id: str | None


class LocationProposed(TypedDict):
    """An AML position matched a call; the cards' listener places it on the call's card."""

    call_id: str
    aml_id: str
    lat: float
    lon: float
    radius_m: float | None
    method: str | None
    confidence: int | None
    positioned_at: str | None


class Command(TypedDict):
    """A gateway command was queued, as the gateway receives it over its websocket (the
    gateway's socket sends it on)."""

    type: str
    command_id: str
    command: str
    call_id: str
    operator: str | None
    payload: dict[str, Any]
    created_at: str


class CommandSettled(TypedDict):
    """A gateway acknowledged a command; the consoles."""

    command_id: str
    command: str
    call_id: str
    status: str


class CommandFailed(CommandSettled):
    """A gateway could not carry a command out (``reason``); the consoles."""

    reason: str | None


CREATED = Topic[CallCreated]("call.created")
# ``call.<event type>`` (``call.answered``, ...): one topic per gateway event type. As a prefix
# ``call.`` it also covers the topics above and below, and escalations' ``call.escalated``.
EVENT = Family[CallEventHappened, CallEventType]("call.")
STATUS_CHANGED = Topic[StatusChanged]("call.status_changed")
MESSAGE_RECEIVED = Topic[MessageMoved]("call.message_received")
MESSAGE_SENT = Topic[MessageMoved]("call.message_sent")
AML_RECEIVED = Topic[AmlReceived]("aml.received")
LOCATION_PROPOSED = Topic[LocationProposed]("call.location_proposed")
COMMAND = Topic[Command]("gateway.command")
COMMAND_ACKNOWLEDGED = Topic[CommandSettled]("gateway.command_acknowledged")
COMMAND_FAILED = Topic[CommandFailed]("gateway.command_failed")
