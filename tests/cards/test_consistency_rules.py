"""The consistency rules' tables agree with the packaged classifier and the outcomes."""

from __future__ import annotations

import cardschema
from dispatch.cards import consistency
from dispatch.cards.routing import default_classifier


def test_the_rules_name_only_what_the_classifier_knows() -> None:
    classifier = default_classifier()
    named = set(consistency.NO_INJURY_TYPES | consistency.INJURY_TYPES)
    named |= set(consistency.EXPECTED_HAZARDS)
    assert named <= set(classifier.types)
    assert {h for hs in consistency.EXPECTED_HAZARDS.values() for h in hs} <= set(
        classifier.hazards
    )
    assert set(classifier.categories) >= consistency.INJURY_CATEGORIES
    assert (
        set(cardschema.Outcome) == consistency.EMPTY_CARD_OUTCOMES | consistency.INCIDENT_OUTCOMES
    )
