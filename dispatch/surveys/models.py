"""Surveys sent to callers after their card was closed, and the numbers that opted out."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.core.database import Base, UTCDateTime
from dispatch.core.statuses import StatusString


class SurveyStatus(StrEnum):
    """Where a survey stands."""

    SCHEDULED = "scheduled"
    SENT = "sent"
    ANSWERED = "answered"
    OPTED_OUT = "opted_out"
    CANCELLED = "cancelled"


class Survey(Base):
    """One survey: scheduled at the card's close, sent by SMS, answered or not."""

    __tablename__ = "surveys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cards.id"), unique=True)
    card_number: Mapped[str] = mapped_column(String(32))
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"), index=True)
    number: Mapped[str] = mapped_column(String(32), index=True)  # normalised (+998...)
    channel: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(32))
    incident_type: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))  # uz, uz-Cyrl, ru, kaa, en
    status: Mapped[SurveyStatus] = mapped_column(StatusString(SurveyStatus, 16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    send_after: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    command_id: Mapped[uuid.UUID | None] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    reply_message_id: Mapped[str | None] = mapped_column(String(200))
    cancelled_reason: Mapped[str | None] = mapped_column(String(32))


class SurveyOptOut(Base):
    """A number that asked for no more surveys, for good."""

    __tablename__ = "survey_opt_outs"

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    survey_id: Mapped[uuid.UUID | None] = mapped_column()
    text: Mapped[str] = mapped_column(String(160))
