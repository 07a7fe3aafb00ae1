"""Quality assurance: sampling plans, scorecards, evaluations, calibration, reports.

QA specialists (role ``qa``) listen to recorded calls on a plan and score them on a versioned
scorecard; supervisors read the reports and the training topics that follow from them.

- ``models`` — the tables (``qa_*``); ``schemas`` — the API's shapes, scorecards included.
- ``sources`` — the one module that reads other capabilities' tables (calls, cards, queue
  entries, callback tasks), read-only, for sampling and the call view.
- ``sampling`` (pure) and ``plans`` — a reproducible, stratified draw with flagged calls.
- ``scoring`` (pure), ``scorecards`` and ``evaluations`` — scores, levels, revisions.
- ``agreement`` (pure: Cohen's kappa, spread) and ``calibration``.
- ``reports`` and ``exports`` (XLSX, CSV); ``training`` — findings as training topics.
- ``recordings`` — the call as QA sees it (card, timeline, recording) and audited plays.
- ``api`` — the routes (``/api/v1/qa``); the pages are ``dispatch/web/qa/`` at ``/qa/``.
"""
