"""Calls over the API."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cardschema import Channel, LocationSource

PHONE_PATTERN = r"^\+?[0-9*#]{1,20}$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}$"


class CallStatus(StrEnum):
    """Where a call stands; the intake and queue issues add the full lifecycle."""

    WAITING = "waiting"


class Point(BaseModel):
    """A WGS84 position with its accuracy radius and where it came from."""

    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_m: float | None = Field(default=None, ge=0, le=1_000_000)
    source: LocationSource = LocationSource.NETWORK


class CallCreate(BaseModel):
    """A call the gateway reports; the number may be withheld (absent)."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    caller_number: str | None = Field(default=None, pattern=PHONE_PATTERN)
    language: str = Field(default="uz", pattern=LANGUAGE_PATTERN, description="ISO 639 code")
    location: Point | None = None
    text: str | None = Field(default=None, max_length=20_000, description="SMS or e-mail body")
    subject: str | None = Field(default=None, max_length=300, description="e-mail subject")


class CallOut(BaseModel):
    """A call as the API shows it."""

    id: uuid.UUID
    channel: Channel
    caller_number: str | None
    language: str
    location: Point | None
    text: str | None
    subject: str | None
    status: CallStatus
    queue: str
    created_at: datetime
