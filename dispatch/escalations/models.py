"""Escalations: an operator hands a non-standard call to the supervisors, with a reason."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.core.database import Base, JSONDocument, UTCDateTime
from dispatch.core.statuses import StatusString
from dispatch.escalations.schemas import EscalationStatus


class Escalation(Base):
    """One escalation of a call (and its card, when one is open) to the supervisors."""

    __tablename__ = "escalations"
    # An operator's latest (the console's ``my_escalations``): with the raiser's index alone the
    # planner could scan every escalation by time for one who raised none.
    __table_args__ = (Index("ix_escalations_raised_by_raised_at", "raised_by", "raised_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"), index=True)
    card_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cards.id"))
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    # A reason the system wrote (an unreachable caller) as {code, params}: the consoles say it
    # in the UI's language; None for a reason a person wrote.
    reason_said: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, nullable=True)
    status: Mapped[EscalationStatus] = mapped_column(StatusString(EscalationStatus, 16), index=True)
    raised_by: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Who took it and when (the supervisor console); when it was settled and how.
    taken_by: Mapped[str | None] = mapped_column(String(64))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(Text)
