"""The legs of calls: every party an operator or supervisor brought onto a call."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.control.lifecycle import LegKind, LegMode, LegStatus, TargetKind
from dispatch.core.database import Base, UTCDateTime
from dispatch.core.statuses import StatusString


class CallLeg(Base):
    """One party asked onto a call (a transfer's target, a conference's party, a supervisor
    monitoring), who asked, and how it went."""

    __tablename__ = "call_legs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"), index=True)
    kind: Mapped[LegKind] = mapped_column(StatusString(LegKind, 16))
    mode: Mapped[LegMode | None] = mapped_column(StatusString(LegMode, 16))
    target_kind: Mapped[TargetKind] = mapped_column(StatusString(TargetKind, 16))
    target: Mapped[str] = mapped_column(String(200))
    target_name: Mapped[str | None] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(32))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    command_id: Mapped[uuid.UUID | None] = mapped_column()
    status: Mapped[LegStatus] = mapped_column(StatusString(LegStatus, 16), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(500))
