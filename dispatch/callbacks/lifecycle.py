"""The one place a callback task's status changes: :func:`move`, checked against
``states.CALLBACK_TRANSITIONS`` (an illegal move is a 409 and changes nothing)."""

from __future__ import annotations

from dispatch.callbacks.models import CallbackTask
from dispatch.callbacks.states import CALLBACK_TRANSITIONS, CallbackStatus
from dispatch.errors import Conflict


class IllegalCallbackTransition(Conflict):
    """A callback task asked to move where its lifecycle does not allow (409)."""


def move(task: CallbackTask, to: CallbackStatus) -> None:
    """Set ``task``'s status to ``to`` if the table allows it from where it stands."""
    current = CallbackStatus(task.status)
    if to not in CALLBACK_TRANSITIONS[current]:
        raise IllegalCallbackTransition(
            f"callback {task.id} is {current.value}; it cannot become {to.value}"
        )
    task.status = to
