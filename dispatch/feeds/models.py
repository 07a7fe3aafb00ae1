"""The outbox: one row per (service, card version) to deliver, and its delivery state."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.core.database import Base, UTCDateTime


class Delivery(Base):
    """A card version owed to a service. ``id`` is the service's feed cursor (ordered)."""

    __tablename__ = "feed_outbox"
    __table_args__ = (
        # Idempotent on (service, card, version): one first delivery; re-sends are extra rows
        # marked ``redelivery``.
        Index(
            "uq_feed_outbox_first",
            "service_code",
            "card_id",
            "card_version",
            unique=True,
            sqlite_where=text("redelivery = 0"),
            postgresql_where=text("redelivery = false"),
        ),
        Index("ix_feed_outbox_service_status", "service_code", "status", "id"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"))
    card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cards.id"), index=True)
    card_version: Mapped[int] = mapped_column(Integer)
    redelivery: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    via: Mapped[str | None] = mapped_column(String(16))
    streamed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
