"""What the period reports read, as plain values (``analytics.sources`` makes them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dispatch.geo.index import GeoIndex


@dataclass(frozen=True)
class Placed:
    """A call or a card with where it happened (None: not placed) and when."""

    at: datetime
    region: str | None
    district: str | None
    incident_type: str | None


@dataclass(frozen=True)
class HourCount:
    """How many calls began in one hour of the local day (0-23) in one place (None: none)."""

    region: str | None
    district: str | None
    hour: int
    count: int


@dataclass(frozen=True)
class Area:
    """A district: its code, its region's, its name (Uzbek where known) and every name."""

    code: str
    region: str
    name: str
    names: dict[str, str]


@dataclass(frozen=True)
class CallFact:
    """A call as the period's call figures see it: when, how it went, where, who took it."""

    call_id: Any
    at: datetime
    status: str
    answered_at: datetime | None
    ended_at: datetime | None
    talk_s: float | None
    queue: str
    operator: str | None
    channel: str
    language: str
    card_id: Any
    incident_type: str | None
    region: str | None
    district: str | None


@dataclass(frozen=True)
class ServiceFact:
    """One service's part in one card: routed, acknowledged (first delivery), where it stands."""

    card_id: Any
    service: str
    routed_at: datetime
    acknowledged_at: datetime | None
    status: str
    status_at: datetime
    handed_off: bool
    incident_type: str | None


def place_of(
    index: GeoIndex, region: str | None, district: str | None, lat: Any, lon: Any
) -> tuple[str | None, str | None]:
    """Region and district: the card's, else the call's own point on the boundaries."""
    if district is None and lat is not None and lon is not None:
        found = index.resolve(lat, lon)
        return (
            found.region.code if found.region else None,
            found.district.code if found.district else None,
        )
    return region, district


@dataclass(frozen=True)
class QaScore:
    """An official evaluation of a call (its newest revision), as QA's reports count it."""

    call_id: Any
    call_at: datetime
    operator: str | None
    score: float
    level: str
    critical: bool
