"""The services' feeds over the API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cardschema import ServiceStatus
from dispatch.core.edge import BIGINT_MAX
from dispatch.feeds.outbox import DeliveryStatus


class FeedItem(BaseModel):
    """One card version on a service's feed."""

    cursor: int
    card_id: uuid.UUID
    version: int
    redelivery: bool
    xml: str


class FeedPage(BaseModel):
    """Items after the cursor asked for; pass ``next_cursor`` as ``after`` next time."""

    items: list[FeedItem]
    next_cursor: int


class AckRequest(BaseModel):
    """Acknowledge everything up to and including ``cursor``."""

    model_config = ConfigDict(extra="forbid")

    cursor: int = Field(ge=1, le=BIGINT_MAX)


class AckResult(BaseModel):
    """How many deliveries the acknowledgement covered."""

    acknowledged: int
    cursor: int


class StatusReport(BaseModel):
    """A service reports where it stands with a card."""

    model_config = ConfigDict(extra="forbid")

    status: ServiceStatus
    at: AwareDatetime
    note: str | None = Field(default=None, min_length=1, max_length=1000)


class DeliveryOut(BaseModel):
    """One outbox row as supervisors see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    service_code: str
    card_id: uuid.UUID
    card_version: int
    redelivery: bool
    reason: str
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None
    via: str | None


class ServiceFeedSummary(BaseModel):
    """Per service: deliveries in each state and the oldest one not yet acknowledged."""

    service: str
    pending: int
    delivered: int
    acknowledged: int
    failed: int
    oldest_open_at: datetime | None


class FollowUpOut(BaseModel):
    """A card stalled at a service."""

    card_id: uuid.UUID
    number: str
    service: str
    service_status: ServiceStatus
    reason: str
    since: datetime
    deadline: datetime | None
    incident_type: str | None
    priority: int | None
