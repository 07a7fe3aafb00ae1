"""Calls reaching 112: voice, video, SMS and e-mail, with the caller's location when known.

Modules:

- ``service`` — take a call in (``create_call``), read it (``get_call``, ``call_out``), and
  ``latest_aml_for_call(session, call_id)`` for other capabilities (the card shows the AML
  proposal beside its confirmed location).
- ``lifecycle`` — the call state machine (``CallStatus``, ``CALL_TRANSITIONS``) and ``replay``,
  which derives a call's timeline from its events sorted by ``at``.
- ``timeline`` — gateway events: idempotent by ``event_id``, replayed, put on the bus.
- ``messages`` — SMS and e-mail conversations, operator replies as ``send_text`` commands.
- ``history`` — a caller's earlier calls (same number, or same e-mail address) in the 30 days
  before a call; ``dispatch.cards.caller_history`` adds their cards and serves it.
- ``aml`` (pure parser), ``gsm7`` (data SMS), ``numbers`` (comparable caller keys),
  ``aml_service`` (store, match to calls, refusals).
- ``gateway`` — commands to the gateways: the durable outbox (``enqueue_command``) and the
  ``/ws/gateway`` websocket.

A new call enters the ACD queue its channel and language choose, and every recorded event runs
the ACD's and the callbacks' follower: both handed in by the flows layer (``create_call``'s
``admit``, ``record_event``'s ``follow``; ``dispatch.flows.calls``), so calls imports neither.
Bus topics (typed in
``events``): ``call.created``, ``call.<event type>`` (``call.answered``, ...),
``call.status_changed``, ``call.message_received``, ``call.message_sent``,
``call.location_proposed``, ``aml.received``, ``gateway.command``,
``gateway.command_acknowledged``, ``gateway.command_failed``.
"""
