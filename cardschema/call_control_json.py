"""Revision 1.4's call-control legs to and from the JSON of ``card_to_dict``/``card_from_dict``."""

from __future__ import annotations

from typing import Any

from cardschema.call_control import (
    CallControlKind,
    CallControlMode,
    CallControlOutcome,
    CallControlRecord,
    CallControlTargetKind,
)
from cardschema.jsonfields import Fields, iso


def leg_to_dict(leg: CallControlRecord) -> dict[str, Any]:
    """The leg as JSON-ready data (the ``call_control`` items of ``card_to_dict``)."""
    return {
        "id": str(leg.id),
        "kind": leg.kind.value,
        "mode": None if leg.mode is None else leg.mode.value,
        "requested_at": leg.requested_at.isoformat(),
        "requested_by": leg.requested_by,
        "target_kind": leg.target_kind.value,
        "target": leg.target,
        "target_name": leg.target_name,
        "number": leg.number,
        "outcome": leg.outcome.value,
        "answered_at": iso(leg.answered_at),
        "ended_at": iso(leg.ended_at),
        "reason": leg.reason,
    }


def leg_from_fields(f: Fields) -> CallControlRecord:
    """Read one ``call_control`` item of ``card_from_dict``."""
    return f.make(
        CallControlRecord,
        id=f.ident("id"),
        kind=f.choice("kind", CallControlKind),
        mode=f.opt_choice("mode", CallControlMode),
        requested_at=f.timestamp("requested_at"),
        requested_by=f.text("requested_by"),
        target_kind=f.choice("target_kind", CallControlTargetKind),
        target=f.text("target"),
        target_name=f.opt_text("target_name"),
        number=f.opt_text("number"),
        outcome=f.choice("outcome", CallControlOutcome),
        answered_at=f.opt_timestamp("answered_at"),
        ended_at=f.opt_timestamp("ended_at"),
        reason=f.opt_text("reason"),
    )
