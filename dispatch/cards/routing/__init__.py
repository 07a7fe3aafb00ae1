"""Card routing: the published incident classifier and the rules that pick services.

- ``classifier.yaml`` is the data (incident types, hazards, rules); methodologists edit it.
- ``classifier.py`` loads it (``default_classifier()``) and answers lookups, search,
  service suggestions and required card fields.
- ``loader.py`` validates the file; ``rules.py`` and ``search.py`` are its helpers.

Pure domain code: no FastAPI, no database.
"""

from dispatch.cards.routing.classifier import (
    Classifier,
    default_classifier,
    load_classifier,
    parse_classifier,
)
from dispatch.cards.routing.model import (
    Category,
    ClassifierError,
    Hazard,
    IncidentType,
    Suggestion,
    UnknownHazard,
    UnknownIncidentType,
)
from dispatch.cards.routing.rules import Condition, Rule

__all__ = [
    "Category",
    "Classifier",
    "ClassifierError",
    "Condition",
    "Hazard",
    "IncidentType",
    "Rule",
    "Suggestion",
    "UnknownHazard",
    "UnknownIncidentType",
    "default_classifier",
    "load_classifier",
    "parse_classifier",
]
