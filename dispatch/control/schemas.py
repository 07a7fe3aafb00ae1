"""The call-control requests and answers (``/api/v1/calls/{id}/...``, ``/transfer-targets``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from dispatch.control.directory import NUMBER_PATTERN, EntryKind
from dispatch.control.lifecycle import LegKind, LegMode, LegStatus, TargetKind

USERNAME_PATTERN = r"^[A-Za-z0-9_.@-]{1,64}$"


class TargetIn(BaseModel):
    """Whom to reach: exactly one of a colleague, a queue, a directory entry or a number."""

    model_config = ConfigDict(extra="forbid")

    operator: str | None = Field(default=None, pattern=USERNAME_PATTERN, description="colleague")
    queue: str | None = Field(default=None, min_length=1, max_length=64)
    directory: str | None = Field(default=None, min_length=1, max_length=64, description="id")
    number: str | None = Field(default=None, pattern=NUMBER_PATTERN)


class TransferIn(BaseModel):
    """A transfer: ``blind`` (the target takes the call when it answers) or ``attended``."""

    model_config = ConfigDict(extra="forbid")

    mode: LegMode = LegMode.BLIND
    target: TargetIn


class ConferenceIn(BaseModel):
    """A party to add to the call."""

    model_config = ConfigDict(extra="forbid")

    target: TargetIn


class LeaveIn(BaseModel):
    """Leave the call to the party on it (the one connected party when ``leg_id`` is left out)."""

    model_config = ConfigDict(extra="forbid")

    leg_id: uuid.UUID | None = None


class MonitorIn(BaseModel):
    """How the supervisor joins: ``listen``, ``whisper`` (to the operator) or ``barge``."""

    model_config = ConfigDict(extra="forbid")

    mode: LegMode


class CommandQueued(BaseModel):
    """A command queued for the gateway (the call's state follows the gateway's events)."""

    command_id: uuid.UUID
    command: str
    call_id: uuid.UUID


class LegOut(BaseModel):
    """One party asked onto a call and how it went."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    call_id: uuid.UUID
    kind: LegKind
    mode: LegMode | None
    target_kind: TargetKind
    target: str
    target_name: str | None
    number: str | None
    requested_by: str
    requested_at: datetime
    command_id: uuid.UUID | None
    status: LegStatus
    answered_at: datetime | None
    ended_at: datetime | None
    reason: str | None


class EntryOut(BaseModel):
    """A directory entry, named in the language asked for."""

    id: str
    kind: EntryKind
    name: str
    number: str
    region: str | None
    service: str | None
    specialty: str | None
    languages: list[str]


class ColleagueOut(BaseModel):
    """A colleague signed in, and whether they can be asked onto a call now."""

    username: str
    full_name: str
    state: str
    available: bool
    psychologist: bool = Field(description="has the skill psychological_support")
    skills: list[str]


class QueueTargetOut(BaseModel):
    """A queue a call can be transferred to."""

    name: str
    title: str


class TargetsOut(BaseModel):
    """Everything a call can be transferred to or joined with."""

    directory: list[EntryOut]
    colleagues: list[ColleagueOut]
    queues: list[QueueTargetOut]
