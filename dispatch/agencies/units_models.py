"""Service units as rows: each belongs to one emergency service and covers districts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.core.database import Base, JSONDocument, UTCDateTime


class Unit(Base):
    """A unit of a service (a station, a brigade, a duty desk) that cards are routed to.

    ``sample`` marks the starting table shipped with the product, to be replaced by the
    centre's real units; routing prefers a real unit over a sample one. ``name`` is what the
    card and outside systems read; ``names`` the name in each UI language it is known in
    (uz, ru, en), which the consoles show, ``name`` standing in for a language missing there.
    """

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    names: Mapped[dict[str, str]] = mapped_column(
        JSONDocument, default=dict, server_default=text("'{}'")
    )
    active: Mapped[bool] = mapped_column(default=True)
    sample: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UnitCoverage(Base):
    """A unit covers a district; coverage of a district dropped by a boundary reload goes too."""

    __tablename__ = "unit_coverage"

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    district_code: Mapped[str] = mapped_column(
        ForeignKey("districts.code", ondelete="CASCADE"), primary_key=True, index=True
    )
