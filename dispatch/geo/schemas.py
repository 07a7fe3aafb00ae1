"""Regions, districts and point resolution over the API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from dispatch.geo.index import Area, Resolution, ResolutionStatus


class PlaceOut(BaseModel):
    """A region or district as a card shows it, with its names in every language known."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    names: dict[str, str]

    @classmethod
    def of(cls, area: Area | None) -> PlaceOut | None:
        """The API form of ``area`` (None stays None)."""
        if area is None:
            return None
        return cls(code=area.code, name=area.name, names=dict(area.names))


class ResolutionOut(BaseModel):
    """Where a point is: ``inside`` a district, ``nearest`` to one, or ``unresolved``."""

    status: ResolutionStatus
    region: PlaceOut | None
    district: PlaceOut | None
    distance_m: float | None

    @classmethod
    def of(cls, resolution: Resolution) -> ResolutionOut:
        """The API form of ``resolution``."""
        return cls(
            status=resolution.status,
            region=PlaceOut.of(resolution.region),
            district=PlaceOut.of(resolution.district),
            distance_m=resolution.distance_m,
        )
