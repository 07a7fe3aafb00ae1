"""Revision 1.3's protocol records to and from the JSON of ``card_to_dict``/``card_from_dict``."""

from __future__ import annotations

from typing import Any

from cardschema.jsonfields import Fields, iso
from cardschema.protocols import (
    ProtocolAnswer,
    ProtocolDeterminant,
    ProtocolInstruction,
    ProtocolRecord,
    ProtocolRisk,
)


def protocol_to_dict(record: ProtocolRecord) -> dict[str, Any]:
    """The record as JSON-ready data (the ``protocols`` items of ``card_to_dict``)."""
    found = record.determinant
    return {
        "code": record.code,
        "version": record.version,
        "approved": record.approved,
        "language": record.language,
        "started_at": record.started_at.isoformat(),
        "started_by": record.started_by,
        "answers": [
            {"node": a.node, "question": a.question, "value": a.value, "at": a.at.isoformat()}
            for a in record.answers
        ],
        "instructions": [
            {"node": i.node, "text": i.text, "at": i.at.isoformat()} for i in record.instructions
        ],
        "determinant": None
        if found is None
        else {
            "code": found.code,
            "priority": found.priority,
            "services": list(found.services),
            "risk": None if found.risk is None else found.risk.value,
        },
        "priority_override": record.priority_override,
        "override_reason": record.override_reason,
        "escalation_required": record.escalation_required,
        "escalated_at": iso(record.escalated_at),
    }


def protocol_from_fields(f: Fields) -> ProtocolRecord:
    """Read one ``protocols`` item of ``card_from_dict``."""
    return f.make(
        ProtocolRecord,
        code=f.text("code"),
        version=f.integer("version"),
        approved=f.boolean("approved"),
        language=f.text("language"),
        started_at=f.timestamp("started_at"),
        started_by=f.text("started_by"),
        answers=f.items("answers", _answer),
        instructions=f.items("instructions", _instruction),
        determinant=f.obj("determinant", _determinant),
        priority_override=f.opt_integer("priority_override"),
        override_reason=f.opt_text("override_reason"),
        escalation_required=f.flag("escalation_required", False),
        escalated_at=f.opt_timestamp("escalated_at"),
    )


def _answer(f: Fields) -> ProtocolAnswer:
    return f.make(
        ProtocolAnswer,
        node=f.text("node"),
        question=f.text("question"),
        value=f.text("value"),
        at=f.timestamp("at"),
    )


def _instruction(f: Fields) -> ProtocolInstruction:
    return f.make(
        ProtocolInstruction, node=f.text("node"), text=f.text("text"), at=f.timestamp("at")
    )


def _determinant(f: Fields) -> ProtocolDeterminant:
    return f.make(
        ProtocolDeterminant,
        code=f.text("code"),
        priority=f.integer("priority"),
        services=f.strings("services"),
        risk=f.opt_choice("risk", ProtocolRisk),
    )
