"""The durable outbox of commands to the telephony, SMS and e-mail gateways."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.calls.models import SerialId
from dispatch.core.database import Base, JSONDocument, UTCDateTime
from dispatch.core.statuses import StatusString


class CommandStatus(StrEnum):
    """Where a command stands."""

    PENDING = "pending"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"
    SUPERSEDED = "superseded"  # a later command undoes it before it was carried out (resume)
    EXPIRED = "expired"  # the call ended before it was carried out: never sent again


class GatewayCommand(Base):
    """A command for the gateway; ``id`` is the order in which gateways receive them."""

    __tablename__ = "gateway_commands"

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    command_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    command: Mapped[str] = mapped_column(String(16))
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"), index=True)
    operator: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    status: Mapped[CommandStatus] = mapped_column(StatusString(CommandStatus, 16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
