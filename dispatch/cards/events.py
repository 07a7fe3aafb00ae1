"""Bus topics cards publishes (after commit, through ``core.bus.emit``).

Every stored version of a card is announced as ``card.<change>`` (:data:`CARD`, one payload
for all: the card's id, number, version and status, then the version's ``detail``); the
consoles listen to all of them, the services' follow-up and the surveys to some.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from dispatch.core.events import Family, Topic

# What a version changed: stored as ``card_versions.change``, audited as ``card.<change>``.
CardChange = Literal[
    "create",
    "update",
    "note",
    "link",
    "routed",
    "rerouted",
    "closed",
    "import",
    "location",
    "location_proposed",
    "location_dismissed",
    "protocol",
    "service_status",
    "handoff",
    "callback",
    "attachment",
    "call_control",
    "handed_over",
]


class CardDetail(TypedDict, total=False):
    """A version's ``detail``: what the change did, the keys of the changes that set them."""

    fields: list[str]  # update: the paths changed
    kind: str  # link: the link's kind
    linked_card_id: str  # link
    incident_id: str  # link: joining or merging an incident
    incident_number: str  # link: joining an incident
    merged_card_id: str  # link: merging
    surviving_card_id: str  # link: merging
    services: list[str]  # routed, rerouted: the services added
    acknowledged: list[str]  # routed, rerouted, closed, import: warnings acknowledged
    outcome: str  # closed: the card's outcome; callback: the attempt's
    replaced: list[str]  # import: the document's claims the server replaced
    source: str  # location, location_proposed: where the position came from
    service: str  # service_status, handoff: the service's code
    service_status: str  # service_status
    contact: str  # handoff: who took it by phone
    protocols: list[str]  # protocol: the protocols written onto the card
    attachments: list[str]  # attachment: the files referenced
    callback_id: str  # callback
    attempt: int  # callback
    operator: str | None  # callback, handed_over: the card's new operator, when it changed hands


class CardChanged(CardDetail):
    """A version of a card was stored (``card_id``, ``number``, ``version``, ``status``,
    ``owner`` first, then its detail)."""

    card_id: str
    number: str
    version: int
    status: str
    owner: str | None  # the card's operator at this version: whose console shows it


class ProtocolPending(TypedDict):
    """A protocol walk's answers wait to go onto the card (``protocols/flusher.py`` writes
    them when due)."""

    card_id: str
    run_id: str


# Every version of every card: the consoles' card parts.
CARD = Family[CardChanged, CardChange]("card.")
# A card opened: the attachments listener brings its call's files onto it.
CREATE = CARD("create")
# Routed to services, or to more of them: the supervisors' follow-up.
ROUTED = CARD("routed")
REROUTED = CARD("rerouted")
# A service's status or a hand-off by phone recorded: the supervisors' follow-up.
SERVICE_STATUS = CARD("service_status")
HANDOFF = CARD("handoff")
# Closed: the supervisors' follow-up; the surveys schedule an SMS survey of the caller.
CLOSED = CARD("closed")
# A walk's changes were left off the card at the commit: the protocols' flusher wakes.
PROTOCOL_PENDING = Topic[ProtocolPending]("protocol.pending")
