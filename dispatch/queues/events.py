"""Bus topics the ACD publishes (after commit, through ``core.bus.emit``).

- ``queue.offer`` — a call is offered to ``operator`` (their console shows it until
  ``expires_at``): offer_id, call_id, queue, channel, language, priority, expires_at.
- ``queue.offer_closed`` — the offer was accepted, declined, expired or cancelled.
- ``queue.changed`` — a call entered, left or moved within a queue (queue, call_id, reason).
- ``queue.operator_state`` — an operator changed: username, state, previous, reason, call_id,
  and ``changed`` (``state``, ``skills`` or ``queues``).
"""

from __future__ import annotations

OFFER = "queue.offer"
OFFER_CLOSED = "queue.offer_closed"
CHANGED = "queue.changed"
OPERATOR_STATE = "queue.operator_state"
