"""Flows: the sequences that cross capabilities, named in one place.

A capability lower down never calls up into one above it (the import contracts in
pyproject.toml): where a step of one must run another's in the same transaction, the lower one
takes that step as a function (``calls.service.Admit``, ``calls.timeline.Follow``) and the flow
here hands it in. The web edge (the routers) runs the flows; nothing below them imports this
package.

- ``calls`` — a new call enters the ACD's queue (``take_call``); a call's event moves its queue
  entry, offer and operators and then the callback tasks (``follow_call``, ``record_call_event``).
- ``cards`` — a card handed to a service by phone acknowledges the service's deliveries of it
  (``record_handoff``).
"""
