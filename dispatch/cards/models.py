"""Call cards: the current version as a document, every earlier version kept."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cardschema.codes import CardStatus
from dispatch.core.database import Base, JSONDocument, UTCDateTime
from dispatch.core.statuses import StatusString


class CardRow(Base):
    """A card's newest version; ``document`` is the card as JSON (cardschema's shape)."""

    __tablename__ = "cards"
    __table_args__ = (Index("ix_cards_district_code_created_at", "district_code", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[CardStatus] = mapped_column(StatusString(CardStatus, 16), index=True)
    call_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("calls.id"), unique=True)
    incident_type: Mapped[str | None] = mapped_column(String(64), index=True)
    priority: Mapped[int | None] = mapped_column(Integer)
    operator_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    # Copied from the document with every version, for the incident suggestions' query.
    incident_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    district_code: Mapped[str | None] = mapped_column(String(32))


class CardVersion(Base):
    """One version of a card as it was, who made it, and what changed."""

    __tablename__ = "card_versions"
    __table_args__ = (UniqueConstraint("card_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cards.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by: Mapped[str] = mapped_column(String(64))
    change: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class CardNumberCounter(Base):
    """The last card number given out on a local (Tashkent) day."""

    __tablename__ = "card_number_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class ProtocolRun(Base):
    """A protocol walked on a card (issue 24): every answer and instruction given, with its time,
    kept here as the operator goes and written onto the card at most every few seconds and at
    route and close (``pending`` until then)."""

    __tablename__ = "protocol_runs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cards.id"), index=True)
    protocol_code: Mapped[str] = mapped_column(String(48))
    protocol_version: Mapped[int] = mapped_column(Integer)
    protocol_version_id: Mapped[uuid.UUID] = mapped_column()
    approved: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # [{node, question, value, at}], [{node, text, at}], the determinant met (or null).
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    given: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    determinant: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    override_priority: Mapped[int | None] = mapped_column(Integer)
    override_reason: Mapped[str | None] = mapped_column(String(500))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pending: Mapped[bool] = mapped_column(Boolean, index=True)
    flushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
