"""Bus topics of escalations (after commit, through ``core.bus.emit``); the consoles listen."""

from __future__ import annotations

from typing import TypedDict

from dispatch.core.events import Topic


class Escalated(TypedDict):
    """``operator`` escalated a call to the supervisors; the supervisors' escalations part and
    the operator's own console."""

    escalation_id: str
    call_id: str
    card_id: str | None
    kind: str
    reason: str
    operator: str
    status: str


class EscalationChanged(Escalated):
    """A supervisor took or resolved an escalation (``taken_by``); the same consoles."""

    taken_by: str | None


ESCALATED = Topic[Escalated]("call.escalated")
ESCALATION_CHANGED = Topic[EscalationChanged]("escalation.changed")
