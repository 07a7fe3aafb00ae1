"""Emergency services (101, 102, 103, 104, 1146, ...) as rows: a new one needs no code."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.core.database import Base, JSONDocument, UTCDateTime


class Service(Base):
    """An emergency service that receives call cards, known by its short number."""

    __tablename__ = "services"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    names: Mapped[dict[str, str]] = mapped_column(JSONDocument)
    active: Mapped[bool] = mapped_column(default=True)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    # HMAC-SHA256 key for the X-Signature of webhook deliveries (shared with the service).
    webhook_secret: Mapped[str | None] = mapped_column(String(128))
    # Cards per webhook request: 1, one XML card per POST (the original contract); more, a
    # JSON batch of up to this many, in order (``feeds/delivery.py``), for a surge.
    webhook_batch: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def has_webhook_secret(self) -> bool:
        """Whether webhook deliveries are signed."""
        return bool(self.webhook_secret)
