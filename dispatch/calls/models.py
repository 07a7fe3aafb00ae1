"""Calls as the gateways report them, their events, text messages and AML locations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.calls.lifecycle import CallStatus
from dispatch.core.database import Base, JSONDocument, UTCDateTime
from dispatch.core.statuses import StatusString

# Autoincrement keys: BIGINT on PostgreSQL, SQLite's INTEGER rowid.
SerialId = BigInteger().with_variant(Integer, "sqlite")


class Call(Base):
    """One contact with 112: a voice or video call, or an SMS or e-mail conversation.

    The timeline columns (``status`` to ``timeline_complete``) are derived from the call's
    events (see ``lifecycle.replay``) and rewritten whenever an event arrives.
    """

    __tablename__ = "calls"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    channel: Mapped[str] = mapped_column(String(8))
    caller_number: Mapped[str | None] = mapped_column(String(32), index=True)
    caller_key: Mapped[str | None] = mapped_column(String(32), index=True)
    caller_address: Mapped[str | None] = mapped_column(String(254), index=True)
    imei: Mapped[str | None] = mapped_column(String(16), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(200), index=True)
    language: Mapped[str] = mapped_column(String(3))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[float | None] = mapped_column(Float)
    location_source: Mapped[str | None] = mapped_column(String(8))
    text: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[CallStatus] = mapped_column(
        StatusString(CallStatus, 16), default=CallStatus.WAITING
    )
    queue: Mapped[str] = mapped_column(String(64), default="default")
    operator: Mapped[str | None] = mapped_column(String(64))
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    talk_seconds: Mapped[float | None] = mapped_column(Float)
    media_url: Mapped[str | None] = mapped_column(String(1000))
    timeline_complete: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_by: Mapped[str] = mapped_column(String(64))


class CallEvent(Base):
    """One event a gateway reported; ``result`` is the answer given, repeated for a retry."""

    __tablename__ = "call_events"

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(100), unique=True)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"), index=True)
    type: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    operator: Mapped[str | None] = mapped_column(String(64))
    media_url: Mapped[str | None] = mapped_column(String(1000))
    command_id: Mapped[uuid.UUID | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_by: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class CallMessage(Base):
    """One SMS or e-mail of a conversation: from the caller (``in``) or an operator (``out``)."""

    __tablename__ = "call_messages"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    text: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    author: Mapped[str] = mapped_column(String(254))
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    command_id: Mapped[uuid.UUID | None] = mapped_column()


class AmlMessage(Base):
    """An accepted AML message and the call it was matched to (none yet: ``call_id`` null)."""

    __tablename__ = "aml_messages"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    received_by: Mapped[str] = mapped_column(String(64))
    transport: Mapped[str] = mapped_column(String(8))
    version: Mapped[int | None] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(64))
    number_key: Mapped[str | None] = mapped_column(String(32), index=True)
    imei: Mapped[str | None] = mapped_column(String(16))
    imei_key: Mapped[str | None] = mapped_column(String(14), index=True)
    imsi: Mapped[str | None] = mapped_column(String(15))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[float | None] = mapped_column(Float)
    positioned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confidence: Mapped[int | None] = mapped_column(Integer)
    method: Mapped[str | None] = mapped_column(String(8))
    mcc: Mapped[str | None] = mapped_column(String(3))
    mnc: Mapped[str | None] = mapped_column(String(3))
    authenticated: Mapped[bool | None] = mapped_column(Boolean)
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    call_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("calls.id"), index=True)
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AmlRefused(Base):
    """An AML message that was refused, kept as received for inspection."""

    __tablename__ = "aml_refused"

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    received_by: Mapped[str] = mapped_column(String(64))
    transport: Mapped[str] = mapped_column(String(8))
    content_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    sender: Mapped[str | None] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
