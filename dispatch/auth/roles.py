"""Who may do what: the roles of dispatch112."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A user's role; every endpoint names the roles it admits."""

    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    QA = "qa"
    ANALYST = "analyst"
    METHODOLOGIST = "methodologist"  # drafts, reviews and approves protocols
    TRAINER = "trainer"  # training programmes and sessions, their effect on QA scores
    ADMIN = "admin"
    GATEWAY = "gateway"  # telephony, SMS, e-mail and AML machines
    SERVICE = "service"  # an emergency service's own system


PEOPLE = frozenset(
    {
        Role.OPERATOR,
        Role.SUPERVISOR,
        Role.QA,
        Role.ANALYST,
        Role.METHODOLOGIST,
        Role.TRAINER,
        Role.ADMIN,
    }
)
MACHINES = frozenset({Role.GATEWAY, Role.SERVICE})
