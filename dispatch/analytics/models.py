"""Analytics' own tables: where and what each call and card was, kept for the period reports.

``analytics_places`` has one row per call (with its card, if any) and one per card without a
call: the call's start, its place (the card's location, else the call's own point on the
boundaries), queue, channel, language and operator; the card's creation, its own place and its
incident type. The database marks what changed (``analytics_place_marks``, written by triggers
on ``calls`` and ``cards`` in the same transaction as the change, migration 0020);
``analytics.sources.bring_places_up_to_date`` recomputes the marked rows before a report reads
them, and ``python -m dispatch analytics rebuild`` recomputes every row.

``analytics_roster`` holds the shift rosters (who is expected when, on which queues and
skills), ``analytics_surge_days`` the days a supervisor marked as surges (left out of the
forecast like the public holidays).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.core.database import Base, JSONDocument, UTCDateTime

MarkId = BigInteger().with_variant(Integer, "sqlite")
# A place code as a card may carry it (cardschema's CODE_PATTERN: at most 64 characters).
CODE = 64


class CallPlace(Base):
    """Where and what one call (``id`` its id) or one card without a call (``id`` its id) was."""

    __tablename__ = "analytics_places"
    __table_args__ = (
        Index("ix_analytics_places_district_start", "district_code", "started_at"),
        Index("ix_analytics_places_region_start", "region_code", "started_at"),
        Index("ix_analytics_places_start", "started_at"),
        # The calls with a point outside every boundary, counted apart in a region's report.
        Index("ix_analytics_places_unplaced", "located", "district_code", "started_at"),
        Index("ix_analytics_places_card_district", "card_district", "card_at"),
        Index("ix_analytics_places_card_region", "card_region", "card_at"),
        Index("ix_analytics_places_card_at", "card_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    call_id: Mapped[uuid.UUID | None] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    region_code: Mapped[str | None] = mapped_column(String(CODE))
    district_code: Mapped[str | None] = mapped_column(String(CODE))
    located: Mapped[bool] = mapped_column(Boolean, default=False)
    queue: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(8))
    language: Mapped[str | None] = mapped_column(String(3))
    operator: Mapped[str | None] = mapped_column(String(64))
    card_id: Mapped[uuid.UUID | None] = mapped_column()
    card_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    card_region: Mapped[str | None] = mapped_column(String(CODE))
    card_district: Mapped[str | None] = mapped_column(String(CODE))
    incident_type: Mapped[str | None] = mapped_column(String(64))


class PlaceMark(Base):
    """A call or card changed since its row was computed (written by the database's triggers)."""

    __tablename__ = "analytics_place_marks"

    id: Mapped[int] = mapped_column(MarkId, primary_key=True, autoincrement=True)
    subject: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(4))


class RosterEntry(Base):
    """One operator's planned shift: who, from when to when, on which queues or skills."""

    __tablename__ = "analytics_roster"
    __table_args__ = (
        Index("ix_analytics_roster_start", "starts_at"),
        Index("ix_analytics_roster_operator_start", "username", "starts_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    queues: Mapped[list[str]] = mapped_column(JSONDocument)
    skills: Mapped[list[str]] = mapped_column(JSONDocument)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))


class SurgeDay(Base):
    """A local day marked as a surge (an earthquake, a storm): the forecast leaves it out."""

    __tablename__ = "analytics_surge_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    note: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
