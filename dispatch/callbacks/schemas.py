"""Callbacks over HTTP: what is posted and what is returned."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cardschema import CallbackOutcome
from dispatch.callbacks.states import CallbackStatus


class CallbackCreate(BaseModel):
    """An operator asks for a callback of an ended call."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, description="why the caller is called back")


class AttemptIn(BaseModel):
    """The outcome of one dial; start and end default to the dial's start and now."""

    model_config = ConfigDict(extra="forbid")

    outcome: CallbackOutcome
    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    note: str | None = Field(default=None, max_length=1000)
    attempt_id: uuid.UUID | None = Field(
        default=None,
        description="the dial this outcome is for (the originate's attempt_id): a repeat of an "
        "outcome already recorded is refused instead of counting as another attempt",
    )


class CancelIn(BaseModel):
    """A supervisor closes an open task."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class AttemptOut(BaseModel):
    """One dial of a callback."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: int
    operator: str
    started_at: datetime
    ended_at: datetime | None
    outcome: CallbackOutcome | None
    note: str | None
    command_id: uuid.UUID | None


class JoinedCall(BaseModel):
    """A later call from the task's number that dropped or was abandoned while it was open."""

    model_config = ConfigDict(from_attributes=True)

    call_id: uuid.UUID
    origin: str
    joined_at: datetime


class CallbackOut(BaseModel):
    """A callback task, its attempts and (for pending ones) its place in the offering order."""

    id: uuid.UUID
    call_id: uuid.UUID
    card_id: uuid.UUID | None
    card_number: str | None
    origin: str
    reason: str
    number: str
    language: str
    queue: str | None
    status: CallbackStatus
    priority: int
    created_at: datetime
    created_by: str
    due_at: datetime
    overdue: bool
    position: int | None
    preferred_operator: str | None
    operator: str | None
    lease_until: datetime | None
    attempts: int
    attempts_left: int
    closed_at: datetime | None
    closed_by: str | None
    card_note: str | None
    card_note_code: str | None = Field(
        default=None, description="card_note as a sentence code (e.g. callback_card_routed)"
    )
    card_note_params: dict[str, Any] | None = Field(
        default=None, description="its particulars (e.g. card, services)"
    )
    history: list[AttemptOut]
    joined_calls: list[JoinedCall] = Field(
        default_factory=list,
        description="later calls from this number that joined the task (one task per number)",
    )


class CallbackList(BaseModel):
    """A page of tasks."""

    items: list[CallbackOut]
    total: int


class FirstAttempt(BaseModel):
    """Seconds from the drop to the first attempt."""

    count: int
    mean_s: float | None
    p50_s: float | None
    p90_s: float | None
    max_s: float | None
    target_s: float
    within_target: float | None = Field(description="share of first attempts within the target")


class CallbackFigures(BaseModel):
    """Callback statistics of one operator, or of everyone."""

    tasks: int
    attempts: int
    reached: int
    refused: int
    unreachable: int
    open: int
    success_rate: float | None = Field(description="reached / closed tasks")
    first_attempt: FirstAttempt


class OperatorFigures(CallbackFigures):
    """One operator's figures (tasks they settled, attempts they dialled)."""

    operator: str


class CallbackStats(BaseModel):
    """Overall and per-operator callback statistics of a period (by task creation time)."""

    since: datetime
    until: datetime
    overall: CallbackFigures
    operators: list[OperatorFigures]
