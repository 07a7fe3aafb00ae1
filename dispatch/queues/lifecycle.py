"""The only places a queue entry's or an offer's status changes, each checked against its table
in ``states`` (``ENTRY_TRANSITIONS``, ``OFFER_TRANSITIONS``): an illegal move is a 409 and
changes nothing. The offering tick's prebuilt UPDATE is :func:`entry_update`, whose WHERE holds
the table's guard, as the deliveries' ``feeds.states.move`` does.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, Update, update

from dispatch.errors import Conflict
from dispatch.queues.models import Offer, QueueEntry
from dispatch.queues.states import ENTRY_TRANSITIONS, OFFER_TRANSITIONS, EntryStatus, OfferStatus

_ENTRIES = cast(Table, QueueEntry.__table__)


class IllegalEntryTransition(Conflict):
    """A call in a queue asked to move where its lifecycle does not allow (409)."""


class IllegalOfferTransition(Conflict):
    """An offer asked to move where its lifecycle does not allow (409)."""


def move_entry(entry: QueueEntry, to: EntryStatus) -> None:
    """Set the entry's status to ``to`` if the table allows it from where it stands."""
    current = EntryStatus(entry.status)
    if to not in ENTRY_TRANSITIONS[current]:
        raise IllegalEntryTransition(
            f"call {entry.call_id} is {current.value} in its queue; it cannot become {to.value}"
        )
    entry.status = to


def entry_update(to: EntryStatus, where: Any) -> Update:
    """An UPDATE moving the entries matching ``where`` to ``to``; those the table does not let
    reach ``to`` are not written (built once by its caller, bound per use)."""
    allowed = [state for state, targets in ENTRY_TRANSITIONS.items() if to in targets]
    return update(_ENTRIES).where(where, _ENTRIES.c.status.in_(allowed)).values(status=to)


def move_offer(offer: Offer, to: OfferStatus) -> None:
    """Set the offer's status to ``to`` if the table allows it from where it stands."""
    current = OfferStatus(offer.status)
    if to not in OFFER_TRANSITIONS[current]:
        raise IllegalOfferTransition(
            f"offer {offer.id} is {current.value}; it cannot become {to.value}"
        )
    offer.status = to
