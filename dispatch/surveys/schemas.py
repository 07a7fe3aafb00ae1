"""The survey report's shape."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class Figures(BaseModel):
    """Sent, answered, opted out; the response rate (answered / sent) and the mean score."""

    sent: int = 0
    answered: int = 0
    opted_out: int = 0
    response_rate: float | None = None
    mean_score: float | None = None
    distribution: dict[str, int] = {}


class GroupFigures(Figures):
    """The figures of one channel, outcome or region (``key``; ``none`` when not known)."""

    key: str


class Comment(BaseModel):
    """One answer's comment, with what it was about (never the caller's number)."""

    answered_at: datetime
    card_number: str
    score: int
    comment: str
    channel: str
    outcome: str
    region: str | None
    language: str


class SurveyReport(BaseModel):
    """The surveys sent in the local days ``date_from``..``date_to`` and their answers."""

    date_from: date
    date_to: date
    total: Figures
    channels: list[GroupFigures]
    outcomes: list[GroupFigures]
    regions: list[GroupFigures]
    comments: list[Comment]
