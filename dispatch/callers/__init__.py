"""Callers by number: supervisors' marks on numbers, and a number's history.

A mark is ``nuisance`` (a repeat nuisance caller; an expiry of at most 90 days is required) or
``special_handling`` (a deaf caller who texts, a person with dementia; the expiry optional),
with a reason and an optional note. A mark only warns: the operator sees the active marks of
the caller's number beside the call (``dispatch.consoles.operator_view``); it never blocks a
call, lowers its priority or changes its routing, and nothing in queues, cards or routing
reads it. Creating and revoking are audited (``caller_mark.create``, ``caller_mark.revoke``);
a revoked mark stays in the history. Changes are announced as ``caller_mark.changed``.

- ``service`` — marks: create, revoke, list, the active ones of a number.
- ``history`` — a number's calls (``dispatch.calls.history``) with their cards and outcomes
  (``dispatch.cards.caller_history``) and its marks, for supervisors and QA; audited.
- ``api`` — ``/api/v1/caller-marks`` and ``/api/v1/callers/{number}/history``.
"""
