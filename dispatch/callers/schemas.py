"""Caller marks and a number's history over the API."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from dispatch.cards.schemas import HistoryCall

# A number as a person types it: digits with spaces, dashes, dots, brackets, a leading +.
TYPED_NUMBER = r"^\+?[0-9][0-9 ().\-/]{0,30}$"


class MarkKind(StrEnum):
    """What the mark tells the operator."""

    NUISANCE = "nuisance"
    SPECIAL_HANDLING = "special_handling"


class MarkCreate(BaseModel):
    """A new mark on a number."""

    model_config = ConfigDict(extra="forbid")

    number: str = Field(pattern=TYPED_NUMBER, description="e.g. +998901234567, 90 123-45-67")
    kind: MarkKind
    reason: str = Field(min_length=1, max_length=500)
    note: str | None = Field(default=None, max_length=2000)
    expires_at: AwareDatetime | None = Field(
        default=None, description="required for nuisance (at most 90 days ahead)"
    )


class MarkOut(BaseModel):
    """A mark as stored; ``active`` while neither revoked nor expired."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    kind: MarkKind
    reason: str
    note: str | None
    expires_at: datetime | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    revoked_by: str | None
    active: bool = False


class NumberHistoryOut(BaseModel):
    """A number's calls in a period, newest first, each with its card, and its marks."""

    number: str
    since: datetime
    until: datetime
    calls: list[HistoryCall]
    truncated: bool = Field(description="true when there were more calls than listed")
    marks: list[MarkOut]
