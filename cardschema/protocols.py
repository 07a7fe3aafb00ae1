"""The protocols walked on a card (revision 1.3): what the operator asked, what the caller
answered, the instructions given, and the determinant the answers met.

A protocol is a versioned, structured set of questions and instructions (first aid, a crisis
screen) kept by the 112 system; the card records which version was used, whether that version
was approved or still a draft, every answer with the question as it was read, every
instruction given, each with its time, and the determinant with the priority, services and
risk it proposed. The operator may override the proposed priority, always with a reason. A
determinant may require the call to be escalated (to a supervisor or a colleague trained in
psychological support); ``escalated_at`` says when it was.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from cardschema import rules
from cardschema.errors import CardDataError


class ProtocolRisk(enum.StrEnum):
    """The risk level a screen's determinant found (e.g. of suicide)."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


def _check_node(value: str) -> None:
    rules.check_pattern("node", value, rules.PROTOCOL_NODE_PATTERN, "breathing")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProtocolAnswer:
    """One question as read to the caller and the answer as text ("yes", a choice, a number)."""

    node: str
    question: str
    value: str
    at: datetime

    def __post_init__(self) -> None:
        _check_node(self.node)
        rules.check_text("question", self.question, rules.PROTOCOL_TEXT_MAX)
        rules.check_text("value", self.value, rules.PROTOCOL_TEXT_MAX)
        rules.check_timestamp("at", self.at)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProtocolInstruction:
    """One instruction given to the caller, as read."""

    node: str
    text: str
    at: datetime

    def __post_init__(self) -> None:
        _check_node(self.node)
        rules.check_text("text", self.text, rules.PROTOCOL_TEXT_MAX)
        rules.check_timestamp("at", self.at)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProtocolDeterminant:
    """The finding the answers met: the priority and services it proposes, and a risk level."""

    code: str
    priority: int
    services: tuple[str, ...] = ()
    risk: ProtocolRisk | None = None

    def __post_init__(self) -> None:
        rules.check_pattern("code", self.code, rules.DETERMINANT_CODE_PATTERN, "ARREST-1")
        rules.check_int("priority", self.priority, 1, 5)
        if len(self.services) > rules.MAX_DETERMINANT_SERVICES:
            raise CardDataError(
                "services", f"at most {rules.MAX_DETERMINANT_SERVICES}, got {len(self.services)}"
            )
        for index, service in enumerate(self.services):
            path = f"services[{index}]"
            rules.check_pattern(path, service, rules.SERVICE_CODE_PATTERN, "103")
            if service in self.services[:index]:
                raise CardDataError(path, f"duplicate value {service}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProtocolRecord:
    """One protocol walked on the card: its version, the answers, the instructions given, the
    determinant, the operator's override of its priority (with the reason) and the escalation.

    ``approved`` is False when a draft version was used (the console showed it as a draft).
    ``priority_override`` and ``override_reason`` are given together or not at all.
    """

    code: str
    version: int
    approved: bool
    language: str
    started_at: datetime
    started_by: str
    answers: tuple[ProtocolAnswer, ...] = ()
    instructions: tuple[ProtocolInstruction, ...] = ()
    determinant: ProtocolDeterminant | None = None
    priority_override: int | None = None
    override_reason: str | None = None
    escalation_required: bool = False
    escalated_at: datetime | None = None

    def __post_init__(self) -> None:
        rules.check_pattern("code", self.code, rules.PROTOCOL_CODE_PATTERN, "cardiac_arrest")
        rules.check_int("version", self.version, 1)
        rules.check_pattern("language", self.language, rules.LANGUAGE_PATTERN, "uz")
        rules.check_timestamp("started_at", self.started_at)
        rules.check_user("started_by", self.started_by)
        for name, items, most in (
            ("answers", self.answers, rules.MAX_PROTOCOL_ANSWERS),
            ("instructions", self.instructions, rules.MAX_PROTOCOL_INSTRUCTIONS),
        ):
            if len(items) > most:
                raise CardDataError(name, f"at most {most}, got {len(items)}")
        if self.priority_override is not None:
            rules.check_int("priority_override", self.priority_override, 1, 5)
            if self.override_reason is None:
                raise CardDataError("override_reason", "is required with priority_override")
        if self.override_reason is not None:
            rules.check_text("override_reason", self.override_reason, rules.OVERRIDE_REASON_MAX)
            if self.priority_override is None:
                raise CardDataError("priority_override", "is required with override_reason")
        rules.check_optional_timestamp("escalated_at", self.escalated_at)
