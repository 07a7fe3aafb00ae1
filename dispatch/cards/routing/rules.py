"""Routing rules: services added to a card from its facts, read from the classifier data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dispatch.cards.routing.model import IncidentType

# The condition keys a rule's `when` may use; all given conditions must hold.
CONDITION_KEYS = ("victims_at_least", "hazard", "incident_type", "category")


@dataclass(frozen=True)
class Condition:
    """The facts a rule waits for; unset parts are not checked."""

    victims_at_least: int | None = None
    hazard: str | None = None
    incident_type: str | None = None
    category: str | None = None

    def holds(
        self, *, incident: IncidentType | None, victims: int | None, hazards: frozenset[str]
    ) -> bool:
        """Return whether every set part of the condition holds for these card facts."""
        if self.victims_at_least is not None and (victims or 0) < self.victims_at_least:
            return False
        if self.hazard is not None and self.hazard not in hazards:
            return False
        if self.incident_type is not None and (
            incident is None or incident.code != self.incident_type
        ):
            return False
        return self.category is None or (
            incident is not None and incident.category == self.category
        )

    def describe(self) -> str:
        """Describe the condition in English, for rules written without a reason."""
        parts: list[str] = []
        if self.victims_at_least is not None:
            parts.append(f"victims at least {self.victims_at_least}")
        if self.hazard is not None:
            parts.append(f"hazard {self.hazard}")
        if self.incident_type is not None:
            parts.append(f"incident type {self.incident_type}")
        if self.category is not None:
            parts.append(f"category {self.category}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Rule:
    """When the condition holds, the card also goes to the `add` services."""

    when: Condition
    add: tuple[str, ...]
    reason: Mapping[str, str]

    @property
    def reason_en(self) -> str:
        """The English reason shown in suggestions."""
        return self.reason.get("en") or f"Rule: {self.when.describe()}"
