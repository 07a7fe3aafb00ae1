"""The outbox: one row per (service, card version) to deliver, and its delivery state; the
rendered payload of each owed card version; each routed service's progress with a card."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from cardschema.codes import ServiceStatus
from dispatch.core.database import Base, JSONDocument, UTCDateTime
from dispatch.core.statuses import StatusString


class DeliveryStatus(StrEnum):
    """Where a delivery stands (its lifecycle: ``feeds.states``)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"


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
        # The rows the Redis mirror still owes (``feeds.streams``): without it, "not yet
        # streamed" read the whole outbox, every delivery ever made, at every pass.
        Index(
            "ix_feed_outbox_unstreamed",
            "id",
            sqlite_where=text("streamed_at IS NULL"),
            postgresql_where=text("streamed_at IS NULL"),
        ),
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
    status: Mapped[DeliveryStatus] = mapped_column(StatusString(DeliveryStatus, 16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    via: Mapped[str | None] = mapped_column(String(16))
    streamed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FeedPayload(Base):
    """A card version as the services receive it, rendered once when the version is first owed
    (the XML card) or first asked for (EIDO), and shared by every transport and service."""

    __tablename__ = "feed_payloads"

    card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cards.id"), primary_key=True)
    card_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    xml: Mapped[str] = mapped_column(Text)
    eido: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ServiceProgress(Base):
    """Where one routed service stands with one card, kept in the card's own transaction; the
    follow-up list reads it by (status, routed time) instead of parsing every card."""

    __tablename__ = "feed_service_status"
    __table_args__ = (Index("ix_feed_service_status_status_routed_at", "status", "routed_at"),)

    card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cards.id"), primary_key=True)
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"), primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    status: Mapped[ServiceStatus] = mapped_column(StatusString(ServiceStatus, 24))
    routed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the service's status last changed (its history's last entry): "refused since".
    status_at: Mapped[datetime] = mapped_column(UTCDateTime())
    handed_off: Mapped[bool] = mapped_column(Boolean)
    # The deadline inputs, as on the card's current version.
    incident_type: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[int | None] = mapped_column(Integer)
