"""Wellbeing over the API: an operator's own cases, the break offered, the debriefs, reports."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Source(StrEnum):
    """What opened a case: a closed card that met the rules, or the operator's own request."""

    CARD = "card"
    SELF = "self"


class OfferStatus(StrEnum):
    """Where a break offer stands."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class DebriefStatus(StrEnum):
    """Where a debrief stands."""

    OPEN = "open"
    HELD = "held"
    CANCELLED = "cancelled"


class OfferOut(BaseModel):
    """A short break offered after a case (``break_until``: when an accepted one ends)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    case_id: uuid.UUID
    status: OfferStatus
    minutes: int
    offered_at: datetime
    answered_at: datetime | None
    break_until: datetime | None


class DebriefOut(BaseModel):
    """A debrief flagged for the psychologist: whose, why, and where it stands. ``note`` (the
    psychologist's) and ``request_note`` (the operator's own words) only for those who hold
    debriefs."""

    id: uuid.UUID
    case_id: uuid.UUID
    username: str
    name: str
    source: Source
    reasons: list[str]
    status: DebriefStatus
    flagged_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    note: str | None = None
    request_note: str | None = None


class CaseOut(BaseModel):
    """One of my cases: the card (mine to read) or my request, the offer and the debrief."""

    id: uuid.UUID
    source: Source
    reasons: list[str]
    card_id: uuid.UUID | None
    card_number: str | None
    note: str | None
    created_at: datetime
    offer: OfferOut | None = Field(description="null when a break was already on offer")
    debrief: DebriefOut | None


class RequestIn(BaseModel):
    """I ask for a break and a debrief after a hard call (the card, when I name it)."""

    model_config = ConfigDict(extra="forbid")

    card_id: uuid.UUID | None = None
    note: str | None = Field(default=None, min_length=1, max_length=500)


class HoldIn(BaseModel):
    """The debrief was held; what to keep of it."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000)


class CancelIn(BaseModel):
    """The debrief will not be held (the operator declined it, or it was held elsewhere)."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, min_length=1, max_length=2000)


class Figures(BaseModel):
    """Counts of the cases opened in a period and what became of them (whenever it did)."""

    traumatic_calls: int = 0
    self_requests: int = 0
    breaks_offered: int = 0
    breaks_accepted: int = 0
    breaks_declined: int = 0
    debriefs_flagged: int = 0
    debriefs_held: int = 0
    debriefs_cancelled: int = 0
    mean_minutes_to_debrief: float | None = Field(
        default=None, description="from the flag to the debrief held, over those held"
    )


class DayFigures(Figures):
    """The figures of the cases opened on one local day."""

    day: date


class ReportCase(BaseModel):
    """One case as supervisors and trainers read it (audited: it names the card)."""

    created_at: datetime
    username: str
    name: str
    source: Source
    reasons: list[str]
    card_number: str | None
    offer: OfferStatus | None
    debrief: DebriefStatus | None
    minutes_to_debrief: float | None


class WellbeingReport(BaseModel):
    """The cases opened in the local days ``date_from``..``date_to``; ``cases`` (with the
    operators' names) only for supervisors and trainers, null for anyone else."""

    date_from: date
    date_to: date
    total: Figures
    days: list[DayFigures]
    cases: list[ReportCase] | None
