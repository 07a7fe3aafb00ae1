"""Every table, imported in one place so migrations and metadata see them all."""

from dispatch.agencies.models import Service
from dispatch.audit.models import AuditEntry
from dispatch.auth.models import ApiKey, User
from dispatch.calls.models import Call
from dispatch.cards.models import CardNumberCounter, CardRow, CardVersion
from dispatch.core.database import Base
from dispatch.feeds.models import Delivery

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Base",
    "Call",
    "CardNumberCounter",
    "CardRow",
    "CardVersion",
    "Delivery",
    "Service",
    "User",
]
