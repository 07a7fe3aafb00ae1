"""The referral directory (issue 25, A2.01): state and NGO help a caller can be referred to.

An entry names the help in Uzbek, Russian and English, its kind (legal, social, psychological,
shelter, medical, child protection, other), where it serves (national, or ISO 3166-2 regions),
its phones, hours (``always_open``, or the hours as people say them per language), the
languages spoken, address, notes and whether it is active. Supervisors and admins keep it
(audited ``referral.create``, ``referral.update``); operators, supervisors, QA and analysts
search it by region (the region's own entries first, then the national ones), language, kind
and words. A referral recorded on a card is a card note in English written through
``dispatch.cards.service.add_note`` ("Referral: <name> — <phones> (<kind>)"), audited
``referral.record``; an inactive entry is refused. The seeded starting set is ``seeds.yaml``.

- ``service`` — create, update, search, record on a card, seed.
- ``api`` — ``/api/v1/referrals`` and ``POST /api/v1/cards/{card_id}/referrals``.
"""
