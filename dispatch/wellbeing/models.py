"""Traumatic calls of an operator, the breaks offered after them, and the debriefs flagged."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.core.database import Base, JSONDocument, UTCDateTime
from dispatch.core.statuses import StatusString
from dispatch.wellbeing.schemas import DebriefStatus, OfferStatus


class WellbeingCase(Base):
    """A traumatic call (a closed card meeting the rules) or an operator's own request, for
    one operator; a card makes at most one per operator."""

    __tablename__ = "wellbeing_cases"
    __table_args__ = (UniqueConstraint("card_id", "username"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    card_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cards.id"))
    card_number: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(8))  # card | self
    reasons: Mapped[list[str]] = mapped_column(JSONDocument)  # rules.REASONS
    note: Mapped[str | None] = mapped_column(String(500))  # the operator's own words
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class WellbeingOffer(Base):
    """A short break offered to the operator: offered, then accepted or declined."""

    __tablename__ = "wellbeing_offers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("wellbeing_cases.id"), unique=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[OfferStatus] = mapped_column(StatusString(OfferStatus, 16), index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    break_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WellbeingDebrief(Base):
    """A debrief with a psychologist, flagged for a case: open, then held or cancelled."""

    __tablename__ = "wellbeing_debriefs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("wellbeing_cases.id"), unique=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[DebriefStatus] = mapped_column(StatusString(DebriefStatus, 16), index=True)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
