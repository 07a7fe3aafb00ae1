"""Regions and districts with their boundaries, and the history of boundary loads.

Geometries are GeoJSON text (WGS84 lon/lat): ``geometry`` is the full polygon that points are
resolved against, ``simplified`` a lighter one for drawing on a map. Codes never change for
the same source data, so cards and unit coverage keep pointing at the right district.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.core.database import Base, JSONDocument, UTCDateTime
from dispatch.geo.loader import display_name


class Region(Base):
    """One of Uzbekistan's 14 regions, coded by ISO 3166-2 (e.g. ``UZ-SA``)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    names: Mapped[dict[str, str]] = mapped_column(JSONDocument)
    geometry: Mapped[str] = mapped_column(Text)
    simplified: Mapped[str] = mapped_column(Text)
    bbox: Mapped[list[float]] = mapped_column(JSONDocument)
    source: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def name(self) -> str:
        """Uzbek name where known, else English."""
        return display_name(self.names)


class District(Base):
    """A district (tuman) or city of district rank, in one region (e.g. ``UZ-SA-urgut``)."""

    __tablename__ = "districts"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    names: Mapped[dict[str, str]] = mapped_column(JSONDocument)
    geometry: Mapped[str] = mapped_column(Text)
    simplified: Mapped[str] = mapped_column(Text)
    bbox: Mapped[list[float]] = mapped_column(JSONDocument)
    source: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def name(self) -> str:
        """Uzbek name where known, else English."""
        return display_name(self.names)


class GeoLoad(Base):
    """One load of the boundary files; the newest one's digest names the data in force."""

    __tablename__ = "geo_loads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    loaded_by: Mapped[str] = mapped_column(String(64))
    source_dir: Mapped[str] = mapped_column(String(500))
    digest: Mapped[str] = mapped_column(String(64))
    regions: Mapped[int] = mapped_column(Integer)
    districts: Mapped[int] = mapped_column(Integer)
