"""The incident classifier: incident types, hazards and the rules that route a card to services.

The data lives in ``classifier.yaml`` next to this module, a file the centre's methodologists
read and change; this module only loads it, refuses anything malformed, and answers questions.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path

from dispatch.cards.routing.loader import ClassifierData, parse
from dispatch.cards.routing.model import (
    Category,
    Hazard,
    IncidentType,
    Suggestion,
    UnknownHazard,
    UnknownIncidentType,
)
from dispatch.cards.routing.rules import Rule
from dispatch.cards.routing.search import SearchIndex

PACKAGED_FILE = "classifier.yaml"


class Classifier:
    """A loaded, validated classifier; immutable once built."""

    def __init__(self, data: ClassifierData) -> None:
        self.version: int = data.version
        self.categories: Mapping[str, Category] = data.categories
        self.hazards: Mapping[str, Hazard] = data.hazards
        self.types: Mapping[str, IncidentType] = data.types
        self.rules: tuple[Rule, ...] = data.rules
        self._index = SearchIndex(
            list(self.types.values()),
            {code: list(cat.names.values()) for code, cat in self.categories.items()},
        )

    def get(self, code: str) -> IncidentType:
        """Return the incident type with this code or raise UnknownIncidentType."""
        try:
            return self.types[code]
        except KeyError:
            raise UnknownIncidentType(code) from None

    def search(
        self, text: str, limit: int = 20, frequency: Mapping[str, int] | None = None
    ) -> list[IncidentType]:
        """Find incident types by code, name or keyword in any language, best matches first
        (among equally good matches the more severe, then the more frequent in
        ``frequency``)."""
        return self._index.search(text, limit, frequency)

    def suggest_services(
        self, *, incident_type: str | None, victims: int | None, hazards: Iterable[str]
    ) -> list[Suggestion]:
        """Suggest services for the card facts: the type's own services first, then the rules'."""
        if isinstance(hazards, str):
            raise TypeError("hazards must be an iterable of hazard tokens, not one string")
        tokens = frozenset(hazards)
        unknown = sorted(t for t in tokens if t not in self.hazards)
        if unknown:
            raise UnknownHazard(unknown, list(self.hazards))
        if victims is not None and victims < 0:
            raise ValueError(f"victims must not be negative, got {victims}")
        itype = None if incident_type is None else self.get(incident_type)

        reasons: dict[str, list[str]] = {}
        if itype is not None:
            for service in itype.services:
                reasons.setdefault(service, []).append(f"incident type {itype.code}")
        for rule in self.rules:
            if rule.when.holds(incident=itype, victims=victims, hazards=tokens):
                for service in rule.add:
                    service_reasons = reasons.setdefault(service, [])
                    if rule.reason_en not in service_reasons:
                        service_reasons.append(rule.reason_en)
        return [Suggestion(service, tuple(why)) for service, why in reasons.items()]

    def required_fields(self, incident_type: str | None) -> tuple[str, ...]:
        """Card fields that the incident type makes required; none before a type is chosen."""
        return () if incident_type is None else self.get(incident_type).required

    @property
    def services(self) -> tuple[str, ...]:
        """Every service code the classifier can route to, in order of first mention."""
        seen = [s for itype in self.types.values() for s in itype.services]
        seen += [s for rule in self.rules for s in rule.add]
        return tuple(dict.fromkeys(seen))


def parse_classifier(text: str, source: str = "<text>") -> Classifier:
    """Build a classifier from YAML text, e.g. an edited file before it is saved."""
    return Classifier(parse(text, source))


def load_classifier(path: Path | None = None) -> Classifier:
    """Load and validate a classifier file; the packaged one when no path is given."""
    if path is None:
        packaged = resources.files("dispatch.cards.routing").joinpath(PACKAGED_FILE)
        return parse_classifier(packaged.read_text(encoding="utf-8"), f"{PACKAGED_FILE} (packaged)")
    return parse_classifier(path.read_text(encoding="utf-8"), str(path))


@functools.cache
def default_classifier() -> Classifier:
    """The packaged classifier, loaded once per process."""
    return load_classifier()
