"""Escalations over the API: what an operator asks, how a supervisor settles it, and what the
consoles show."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

from dispatch.errors import spoken


class EscalationKind(StrEnum):
    """Why a call needs a supervisor, for sorting; the reason text says the rest."""

    NON_STANDARD = "non_standard"  # the script does not fit the situation
    SPECIALIST = "specialist"  # a doctor, psychologist or interpreter is needed
    ABUSIVE_CALLER = "abusive_caller"
    LANGUAGE = "language"  # a language nobody on shift speaks
    CALLBACK_UNREACHABLE = "callback_unreachable"  # three callbacks failed (made by the system)
    OTHER = "other"


class EscalationStatus(StrEnum):
    """Where an escalation stands; the supervisor console moves it on from ``open``."""

    OPEN = "open"
    TAKEN = "taken"
    RESOLVED = "resolved"


class EscalationCreate(BaseModel):
    """An operator's request for a supervisor."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000, description="what the supervisor must know")
    kind: EscalationKind = EscalationKind.NON_STANDARD
    card_id: uuid.UUID | None = Field(default=None, description="the call's card, when open")


class EscalationResolve(BaseModel):
    """How a supervisor settled an escalation."""

    model_config = ConfigDict(extra="forbid")

    resolution: str = Field(min_length=2, max_length=2000, description="what was done")


class EscalationOut(BaseModel):
    """An escalation as the consoles show it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    call_id: uuid.UUID
    card_id: uuid.UUID | None
    kind: EscalationKind
    reason: str
    # A reason the system wrote, as {code, params} (shown as reason_code and reason_params).
    reason_said: dict[str, Any] | None = Field(default=None, exclude=True)
    status: EscalationStatus
    raised_by: str
    raised_at: datetime
    taken_by: str | None
    taken_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None

    @computed_field(  # type: ignore[prop-decorator]
        description="a reason the system wrote as a sentence code (e.g. callback_unreachable), "
        "said by the consoles in the UI's language; null for a person's words"
    )
    @property
    def reason_code(self) -> str | None:
        return spoken("reason", self.reason_said)["reason_code"]  # type: ignore[no-any-return]

    @computed_field(description="the particulars of reason_code")  # type: ignore[prop-decorator]
    @property
    def reason_params(self) -> dict[str, Any] | None:
        return spoken("reason", self.reason_said)["reason_params"]  # type: ignore[no-any-return]
