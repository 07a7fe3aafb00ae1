"""The referral directory's table: one row per place a caller can be referred to."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.core.database import Base, JSONDocument, UTCDateTime


class Referral(Base):
    """A state body's or NGO's help line or office, with where it serves and in which languages.

    ``regions`` (ISO 3166-2 codes) is empty when ``national``; lists are small JSON documents
    because the directory is read whole and ranked in Python (hundreds of rows, not millions).
    """

    __tablename__ = "referrals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # A stable code for the seeded entries (seeding adds only codes not stored yet).
    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    names: Mapped[dict[str, str]] = mapped_column(JSONDocument)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    national: Mapped[bool] = mapped_column(Boolean)
    regions: Mapped[list[str]] = mapped_column(JSONDocument)
    phones: Mapped[list[str]] = mapped_column(JSONDocument)
    always_open: Mapped[bool] = mapped_column(Boolean)
    hours: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    languages: Mapped[list[str]] = mapped_column(JSONDocument)
    address: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64))
