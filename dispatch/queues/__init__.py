"""The ACD: queues as data, operators' states and skills, strategies, offers, supervisors'
actions, the queue log and statistics.

Modules:

- ``states`` — the state machines (``OperatorState`` with ``TRANSITIONS`` / ``REQUESTABLE``,
  ``EntryStatus``, ``OfferStatus``) and the queue-log events (``QueueEvent``).
- ``catalog`` — queues as data: the defaults, ``choose`` (channel + language), create, update.
- ``intake`` — ``enter_queue``: the calls package hands each new call over here.
- ``sync`` — ``call_changed``: the hook the calls package runs after every recorded event.
- ``strategies`` (pure) — skills, penalties, and the five strategies.
- ``assignment`` — ``assign_once``: timers (offer expiry, wrap-up end, lost consoles) and
  offering waiting calls under ``FOR UPDATE SKIP LOCKED``; ``worker`` runs it in the server.
- ``offers`` — making, closing and withdrawing offers; the lock order of the ACD.
- ``operators`` — operator rows and ``set_state``, the one way their state changes.
- ``service`` — what operators do (state, skills, heartbeat, accept, decline, wrap-up);
  ``supervisor`` — move, priority, takeover; ``summary`` and ``stats`` — statistics;
  ``floor`` — every open call and each operator's day, for the supervisor console.
- ``api`` (operators, offers) and ``queues_api`` (queues, queue log, calls' moves).

Time: every timer is a timestamp in a row compared with ``runtime.clock``; nothing sleeps
until a deadline, so a restart loses nothing. Events: see ``events``.
"""
