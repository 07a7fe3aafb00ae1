"""Escalations: an operator hands a non-standard call to the supervisors, with a reason.

An escalation names its call (and the call's card, when one is open), its kind
(``EscalationKind``: non-standard, a specialist, an abusive caller, a language, an unreachable
caller the callback dialler gave up on, other) and the reason in the operator's words — or, when
the system raised it, as a sentence the consoles say in the UI's language (``reason_said``). It
starts ``open``; a supervisor takes it (``taken``, theirs) and resolves it with a word on what was
done (``resolved``), or resolves an open one at once: ``service.TRANSITIONS`` is the table,
anything else a 409. A call has at most one escalation that is not resolved. Every step is
audited (``call.escalate``, ``escalation.take``, ``escalation.resolve``) and published after the
commit (``call.escalated``, ``escalation.changed``); a protocol walked on the call's card that
required the escalation is marked escalated. Reads calls and cards through their functions;
callbacks raise escalations, the consoles show them (the operator's own, the supervisors' list).

- ``service`` — escalate, take, resolve, list; ``TRANSITIONS``.
- ``events`` — ``ESCALATED``, ``ESCALATION_CHANGED`` and their payloads.
- ``api`` — ``POST /api/v1/calls/{call_id}/escalate``, ``GET /api/v1/escalations``,
  ``POST /api/v1/escalations/{escalation_id}/take`` and ``.../resolve``.
"""
