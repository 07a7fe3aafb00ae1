"""Attachments: photos and video a caller sends (MMS, e-mail) or an operator adds to a card.

Modules:

- ``kinds`` (pure) — the allowed media types and the sniffing that checks a file's first
  bytes against the type it was declared as; the file name kept for display only.
- ``storage`` — the bytes in the database or as files named by their SHA-256 in the folder
  ``DISPATCH_ATTACHMENTS_DIR`` (written to a temporary name, fsynced, renamed).
- ``service`` — ``store`` (checks, stores, audits ``attachment.store``, emits
  ``attachment.stored``), ``read`` (audited ``attachment.read``), ``of_call``,
  ``set_card``.
It sits below ``calls`` (the gateway's messages carry attachments) and knows calls and cards
only by their ids; a file's reference on a card, and who may read a file of a card (a service
only one routed to it), are ``dispatch.cards.attachments``'; the routes are
``dispatch.cards.attachments_api`` (``POST /cards/{id}/attachments``,
``GET /attachments/{id}``).
"""
