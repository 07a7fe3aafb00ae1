"""Analytics' own tables: where and what each call and card was, kept for the period reports.

``analytics_places`` has one row per call (with its card, if any) and one per card without a
call: the call's start, its place (the card's location, else the call's own point on the
boundaries), queue, channel, language and operator; the card's creation, its own place and its
incident type. The database marks what changed (``analytics_place_marks``, written by triggers
on ``calls`` and ``cards`` in the same transaction as the change, migration 0020);
``analytics.places`` recomputes the marked rows (in the background, and before a report reads
them), and ``python -m dispatch analytics rebuild`` recomputes every row.

``analytics_place_days`` counts those rows per UTC day and place, by UTC hour (migration 0030):
calls by where they were placed and their incident type, cards by the place on them and their
type; it is recomputed from ``analytics_places`` for every day a drain touched, so the
territorial report of a year reads days × districts × types, not calls.

``analytics_roster`` holds the shift rosters (who is expected when, on which queues and
skills), ``analytics_surge_days`` the days a supervisor marked as surges (left out of the
forecast like the public holidays).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Column, Date, Index, Integer, String, Table
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


HOURS = 24
HOUR_COLUMNS = tuple(f"h{hour:02d}" for hour in range(HOURS))
# How a call was placed (``analytics_place_days.placed``): by its card's district, by its own
# point, with a point outside every district, or not at all (a card's row has none).
BY_CARD, BY_POINT, OUTSIDE, NOWHERE = "card", "point", "outside", "none"

PLACE_DAYS = Table(
    "analytics_place_days",
    Base.metadata,
    Column("id", MarkId, primary_key=True, autoincrement=True),
    # "call": calls by when they began and where they were placed; "card": cards by their
    # creation and the place on them.
    Column("kind", String(4), nullable=False),
    Column("day", Date, nullable=False),
    Column("region_code", String(CODE)),
    Column("district_code", String(CODE)),
    Column("incident_type", String(64)),
    Column("placed", String(8)),
    Column("total", Integer, nullable=False),
    *[Column(name, Integer, nullable=False) for name in HOUR_COLUMNS],
    Index("ix_analytics_place_days_day", "kind", "day"),
    Index("ix_analytics_place_days_region", "kind", "region_code", "day"),
    Index("ix_analytics_place_days_district", "kind", "district_code", "day"),
)


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
