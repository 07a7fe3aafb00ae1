"""The ACD: queues as data, operators' states and skills, strategies, offers, supervisors'
actions, the queue log and statistics.

Modules:

- ``states`` — the state machines (``OperatorState`` with ``TRANSITIONS`` / ``REQUESTABLE``,
  ``EntryStatus`` with ``ENTRY_TRANSITIONS``, ``OfferStatus`` with ``OFFER_TRANSITIONS``) and
  the queue-log events (``QueueEvent``); ``lifecycle`` — ``move_entry``, ``entry_update`` and
  ``move_offer``, the only places an entry's or an offer's status changes.
- ``catalog`` — queues as data: the defaults, ``choose`` (channel + language), create, update;
  ``queues``, the snapshots every call reads, remembered per process until a queue changes.
- ``intake`` — ``enter_queue``: each new call is handed over here (``dispatch.flows.calls``).
- ``sync`` — ``call_changed``: run after every recorded event by ``flows.calls.follow_call``.
- ``strategies`` (pure) — skills, penalties, and the five strategies.
- ``assignment`` — ``assign_once`` / ``tick``: due timers, then offering waiting calls under
  ``FOR UPDATE SKIP LOCKED``; ``heads`` reads only what a tick can offer; ``timers`` says when the
  next timer falls due and sweeps those that did; ``worker`` sleeps until then (or an event).
- ``dialer`` — the dial of due callback tasks inside the tick (the tasks are
  ``dispatch.callbacks``'): ranking with the waiting calls, leases, the ``originate`` command.
- ``heartbeats`` — console pings noted in memory and written together within seconds.
- ``offers`` — making, closing and withdrawing offers; the lock order of the ACD.
- ``operators`` — operator rows and ``set_state``, the one way their state changes.
- ``service`` — what operators do (state, skills, heartbeat, accept, decline, wrap-up);
  ``supervisor`` — move, priority, takeover; ``summary`` and ``stats`` — statistics;
  ``floor`` — every open call and each operator's day, for the supervisor console.
- ``api`` (operators, offers) and ``queues_api`` (queues, queue log, calls' moves).

Time: every timer is a timestamp in a row compared with ``runtime.clock``, so a restart loses
nothing; the worker only sleeps until the earliest of them. Events: see ``events``.
"""
