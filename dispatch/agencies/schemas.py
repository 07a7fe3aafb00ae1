"""Emergency services over the API."""

from __future__ import annotations

from datetime import datetime

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

SERVICE_CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_.-]{0,31}$"
BATCH_MAX = 100
BATCH_HELP = (
    "Cards per webhook request: 1 (the default) POSTs one XML card per request; more POSTs a "
    'JSON batch {"items": [...]} of up to this many, in order (README, "webhook push")'
)


class ServiceNames(BaseModel):
    """The service's name in Uzbek (Latin), Russian and English."""

    model_config = ConfigDict(extra="forbid")

    uz: str = Field(min_length=1, max_length=200)
    ru: str = Field(min_length=1, max_length=200)
    en: str = Field(min_length=1, max_length=200)


class ServiceCreate(BaseModel):
    """A new emergency service."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=SERVICE_CODE_PATTERN, description="Short number, e.g. 105")
    names: ServiceNames
    webhook_url: AnyHttpUrl | None = None
    webhook_secret: str | None = Field(
        default=None, min_length=16, max_length=128, description="HMAC key for X-Signature"
    )
    webhook_batch: int = Field(default=1, ge=1, le=BATCH_MAX, description=BATCH_HELP)


class ServiceUpdate(BaseModel):
    """A partial change to a service; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    names: ServiceNames | None = None
    webhook_url: AnyHttpUrl | None = None
    webhook_secret: str | None = Field(default=None, min_length=16, max_length=128)
    webhook_batch: int | None = Field(default=None, ge=1, le=BATCH_MAX, description=BATCH_HELP)
    active: bool | None = None


class ServiceOut(BaseModel):
    """An emergency service as the API shows it (never the webhook secret itself)."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    names: dict[str, str]
    active: bool
    webhook_url: str | None
    has_webhook_secret: bool
    webhook_batch: int
    created_at: datetime
    updated_at: datetime
