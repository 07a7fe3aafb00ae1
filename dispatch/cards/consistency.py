"""Whether a card may be closed or routed as it stands (issue 19): pure rules, no I/O.

A card that contradicts itself cannot be closed or routed: each contradiction is a reason of a
422 (``card_inconsistent``). An inconsistency a person may knowingly accept is a warning: the
close or route request names its code in ``acknowledge`` or is refused with a 422
(``warnings_unacknowledged``) listing the warnings; what was acknowledged is stored in the
version's detail and its audit entry. The tables below are the rules; ``check`` reads them.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cardschema import Card, LinkKind, Outcome
from dispatch.cards.routing import Classifier, IncidentType
from dispatch.errors import Inconsistent


class Contradiction(enum.StrEnum):
    """A card state that cannot be closed or routed: it says two things that cannot both hold."""

    INCIDENT_TYPE_REQUIRED = "incident_type_required"
    DISPATCHED_WITHOUT_SERVICES = "dispatched_without_services"
    DUPLICATE_WITHOUT_LINK = "duplicate_without_link"
    PRIORITY_CONTRADICTS_TYPE = "priority_contradicts_type"
    NO_CALL_OUTCOME_AFTER_ROUTING = "no_call_outcome_after_routing"
    OUTCOME_REQUIRED = "outcome_required"
    ESCALATION_REQUIRED = "escalation_required"


class CardWarning(enum.StrEnum):
    """An inconsistency a person may knowingly accept, by naming it in ``acknowledge``."""

    VICTIMS_ON_NO_INJURY_TYPE = "victims_on_no_injury_type"
    NO_VICTIMS_ON_INJURY_TYPE = "no_victims_on_injury_type"
    EXPECTED_HAZARD_MISSING = "expected_hazard_missing"
    PRIORITY_BELOW_TYPE = "priority_below_type"
    ROUTED_BUT_NOT_DISPATCHED = "routed_but_not_dispatched"
    URGENT_NOT_DISPATCHED = "urgent_not_dispatched"


ALL_WARNINGS: frozenset[str] = frozenset(CardWarning)

# An empty card (no incident type) closes only with one of these: each says honestly that
# there was no incident to handle, or that it is handled elsewhere.
EMPTY_CARD_OUTCOMES: frozenset[Outcome] = frozenset(
    {
        Outcome.SILENT_CALL,
        Outcome.MISDIAL,
        Outcome.TEST_CALL,
        Outcome.HOAX,
        Outcome.DUPLICATE,
        Outcome.CALLER_UNREACHABLE,
    }
)
# The others say what was done about an incident, so they need to know which one.
INCIDENT_OUTCOMES: frozenset[Outcome] = frozenset(Outcome) - EMPTY_CARD_OUTCOMES
# Nobody needed help: nothing can have been sent for these.
NO_CALL_OUTCOMES: frozenset[Outcome] = frozenset({Outcome.MISDIAL, Outcome.TEST_CALL})
# Outcomes that say no service went, on a card that was sent to services (false alarm, hoax
# and duplicate are found out after dispatch and stay silent).
NOT_DISPATCHED_OUTCOMES: frozenset[Outcome] = frozenset(
    {
        Outcome.ADVICE_GIVEN,
        Outcome.TRANSFERRED,
        Outcome.REFERRED,
        Outcome.SILENT_CALL,
        Outcome.CALLER_UNREACHABLE,
    }
)
# Outcomes that end a priority-1 card (immediate threat to life) without sending anyone.
UNDISPATCHED_URGENT_OUTCOMES: frozenset[Outcome] = frozenset(
    {Outcome.ADVICE_GIVEN, Outcome.TRANSFERRED, Outcome.REFERRED, Outcome.CALLER_UNREACHABLE}
)

# Links that say another card covers this card's incident: a card with one may close as a
# duplicate (the mass-incident shortcut joins an incident and closes the call's card so).
SAME_INCIDENT_LINKS: frozenset[LinkKind] = frozenset(
    {LinkKind.DUPLICATE, LinkKind.PARENT, LinkKind.MERGED_INTO}
)

# Types whose name says nobody was hurt.
NO_INJURY_TYPES: frozenset[str] = frozenset({"road.accident_no_injuries"})
# Types (and whole categories) that always have someone hurt or ill.
INJURY_CATEGORIES: frozenset[str] = frozenset({"medical"})
INJURY_TYPES: frozenset[str] = frozenset(
    {
        "road.accident_injuries",
        "road.accident_trapped",
        "road.pedestrian_hit",
        "crime.assault",
        "animal.attack",
    }
)
# The hazards a type implies (any one of them will do): the routing rules add services from
# hazards, so a type without its hazard may leave a service out.
EXPECTED_HAZARDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "fire.residential": frozenset({"fire", "smoke"}),
        "fire.building": frozenset({"fire", "smoke"}),
        "fire.vehicle": frozenset({"fire", "smoke"}),
        "fire.industrial": frozenset({"fire", "smoke"}),
        "fire.wildfire": frozenset({"fire", "smoke"}),
        "gas.smell_indoors": frozenset({"gas_smell"}),
        "gas.leak_outdoors": frozenset({"gas_smell"}),
        "gas.explosion": frozenset({"explosion_risk", "gas_smell", "fire"}),
        "rescue.trapped": frozenset({"trapped_people"}),
        "road.accident_trapped": frozenset({"trapped_people"}),
        "rescue.collapse": frozenset({"collapse_risk", "trapped_people"}),
        "rescue.water": frozenset({"water"}),
        "crime.armed_threat": frozenset({"weapons"}),
        "hazmat.release": frozenset({"chemical"}),
        "utility.power_line_down": frozenset({"electricity"}),
    }
)
# A card's priority this many levels or more away from its type's contradicts the type (a
# "consultation" at priority 1, a cardiac arrest at 4); fewer levels less urgent is a warning,
# more urgent is the operator's caution and always fine.
PRIORITY_CONTRADICTION_LEVELS = 3


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason or warning: a stable code and an English sentence for a person."""

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """The ``{code, message}`` of a refusal body."""
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What stands in the way of closing or routing a card."""

    contradictions: tuple[Finding, ...]
    warnings: tuple[Finding, ...]


def check_close(card: Card, outcome: Outcome | None, classifier: Classifier) -> Verdict:
    """The contradictions and warnings of closing ``card`` with ``outcome``."""
    bad: list[Finding] = []
    warn: list[Finding] = []
    itype = _type_of(card, classifier)
    if outcome is None:
        bad.append(Finding(Contradiction.OUTCOME_REQUIRED, "a closed card needs an outcome"))
        return Verdict(tuple(bad), ())
    if card.incident.type is None and outcome in INCIDENT_OUTCOMES:
        honest = ", ".join(sorted(EMPTY_CARD_OUTCOMES))
        bad.append(
            Finding(
                Contradiction.INCIDENT_TYPE_REQUIRED,
                f"outcome {outcome.value} needs an incident type: set what the call was about, "
                f"or close the card with one of {honest}",
            )
        )
    if outcome is Outcome.DISPATCHED and not card.services:
        bad.append(
            Finding(
                Contradiction.DISPATCHED_WITHOUT_SERVICES,
                "the card was not routed to any service; route it before closing as dispatched",
            )
        )
    if outcome is Outcome.DUPLICATE and not any(
        link.kind in SAME_INCIDENT_LINKS for link in card.links
    ):
        bad.append(
            Finding(
                Contradiction.DUPLICATE_WITHOUT_LINK,
                "link the card to the card it duplicates, or join its incident, before "
                "closing it as duplicate",
            )
        )
    unescalated = [p.code for p in card.protocols if p.escalation_required and not p.escalated_at]
    if unescalated:
        bad.append(
            Finding(
                Contradiction.ESCALATION_REQUIRED,
                f"the answers to {', '.join(unescalated)} require the call to be escalated to a "
                "supervisor or a psychological support colleague before the card is closed",
            )
        )
    routed = ", ".join(s.code for s in card.services)
    if card.services and outcome in NO_CALL_OUTCOMES:
        bad.append(
            Finding(
                Contradiction.NO_CALL_OUTCOME_AFTER_ROUTING,
                f"the card was sent to {routed}; a {outcome.value} sends nobody",
            )
        )
    elif card.services and outcome in NOT_DISPATCHED_OUTCOMES:
        warn.append(
            Finding(
                CardWarning.ROUTED_BUT_NOT_DISPATCHED,
                f"the card was sent to {routed} but is closed as {outcome.value}, not dispatched",
            )
        )
    if (
        not card.services
        and card.incident.priority == 1
        and outcome in UNDISPATCHED_URGENT_OUTCOMES
    ):
        warn.append(
            Finding(
                CardWarning.URGENT_NOT_DISPATCHED,
                f"priority 1 (immediate threat to life) closed as {outcome.value} "
                "without sending any service",
            )
        )
    if outcome in INCIDENT_OUTCOMES:
        _facts(card, itype, bad, warn)
    return Verdict(tuple(bad), tuple(warn))


def check_route(card: Card, classifier: Classifier) -> Verdict:
    """The contradictions and warnings of sending ``card`` to services."""
    bad: list[Finding] = []
    warn: list[Finding] = []
    if card.incident.type is None:
        bad.append(
            Finding(
                Contradiction.INCIDENT_TYPE_REQUIRED,
                "a service must be told what happened: set the incident type "
                "(other.unknown when it is not clear) before routing",
            )
        )
    _facts(card, _type_of(card, classifier), bad, warn)
    return Verdict(tuple(bad), tuple(warn))


def _type_of(card: Card, classifier: Classifier) -> IncidentType | None:
    code = card.incident.type
    # A type the classifier no longer has was checked when it was set; its rules are gone.
    return None if code is None else classifier.types.get(code)


def _facts(card: Card, itype: IncidentType | None, bad: list[Finding], warn: list[Finding]) -> None:
    """The incident's facts against its type."""
    if itype is None:
        return
    incident = card.incident
    victims = incident.victims
    if victims is not None and victims > 0 and itype.code in NO_INJURY_TYPES:
        warn.append(
            Finding(
                CardWarning.VICTIMS_ON_NO_INJURY_TYPE,
                f"{victims} victim(s) on {itype.code}, a type without injuries",
            )
        )
    injury_type = itype.code in INJURY_TYPES or itype.category in INJURY_CATEGORIES
    if victims == 0 and injury_type:
        warn.append(
            Finding(
                CardWarning.NO_VICTIMS_ON_INJURY_TYPE,
                f"no victims on {itype.code}, a type where someone is hurt or ill",
            )
        )
    expected = EXPECTED_HAZARDS.get(itype.code)
    if expected and not expected & set(incident.hazards):
        warn.append(
            Finding(
                CardWarning.EXPECTED_HAZARD_MISSING,
                f"{itype.code} without its hazard ({' or '.join(sorted(expected))})",
            )
        )
    priority = incident.priority
    if priority is not None:
        apart = priority - itype.priority
        if abs(apart) >= PRIORITY_CONTRADICTION_LEVELS:
            bad.append(
                Finding(
                    Contradiction.PRIORITY_CONTRADICTS_TYPE,
                    f"priority {priority} contradicts {itype.code} (priority {itype.priority}); "
                    "choose the type that fits or a priority closer to it",
                )
            )
        elif apart > 0:
            warn.append(
                Finding(
                    CardWarning.PRIORITY_BELOW_TYPE,
                    f"priority {priority} is less urgent than {itype.code}'s {itype.priority}",
                )
            )


def enforce(verdict: Verdict, acknowledge: Collection[str], *, what: str) -> list[str]:
    """Refuse (422) a contradiction or a warning not acknowledged; the acknowledged warning
    codes that applied, to be stored with the version."""
    warnings = [w.as_dict() for w in verdict.warnings]
    if verdict.contradictions:
        reasons = [c.as_dict() for c in verdict.contradictions]
        raise Inconsistent(
            f"the card cannot be {what}: " + "; ".join(r["message"] for r in reasons),
            code="card_inconsistent",
            reasons=reasons,
            warnings=warnings,
        )
    unacknowledged = [w for w in verdict.warnings if w.code not in acknowledge]
    if unacknowledged:
        codes = ", ".join(w.code for w in unacknowledged)
        raise Inconsistent(
            f"the card can be {what} only if you acknowledge: "
            + "; ".join(w.message for w in unacknowledged)
            + f" (send acknowledge: [{codes}])",
            code="warnings_unacknowledged",
            reasons=[],
            warnings=warnings,
        )
    return list(dict.fromkeys(w.code for w in verdict.warnings))
