"""Consoles: the live streams operators (and supervisors) watch, and what their screens need.

Modules:

- ``hub`` — one per process: bus events in, parts recomputed once, coalesced deltas out.
- ``views`` — parts and views (what a console stream is made of); ``operator_view`` — the
  operator console's parts and which events touch them; ``supervisor_view`` — the supervisor
  console's (computed in ``supervisor_parts``: queues, calls, operators, escalations, cards,
  follow-up, alerts, the Erlang C staffing hint). Escalations are ``dispatch.escalations``';
  the consoles show them.
- ``socket`` — ``/ws/operator`` and ``/ws/supervisor``: authentication, snapshot/delta/seq,
  resync, heartbeats (the protocol is in its docstring).
- ``acd`` — the ACD's service functions as the consoles use them.
- ``notices`` — the operator's reminders' contract (``notices.changed``, ``events``), which
  training fills.
- ``scripts`` (+ ``scripts.yaml``, ``scripts_api``) — call-taking scripts per incident type,
  drafts for the centre's methodologists.
- ``streams`` — the hub's lifespan (the pages, ``dispatch/web/operator/`` and ``supervisor/``,
  are served by ``core.http.mount_pages``).

With ``DISPATCH_REDIS_URL`` set the bus is ``core.redis_bus.RedisBus``: every process's hub
hears every process's events, so a console sees a change whichever worker made it.
"""
