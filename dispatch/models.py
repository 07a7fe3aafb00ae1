"""Every table, imported in one place so migrations and metadata see them all."""

from dispatch.agencies.models import Service
from dispatch.agencies.units_models import Unit, UnitCoverage
from dispatch.audit.models import AuditEntry
from dispatch.auth.models import ApiKey, User
from dispatch.calls.gateway.models import GatewayCommand
from dispatch.calls.models import AmlMessage, AmlRefused, Call, CallEvent, CallMessage
from dispatch.cards.models import CardNumberCounter, CardRow, CardVersion
from dispatch.consoles.models import Escalation
from dispatch.core.database import Base
from dispatch.feeds.models import Delivery
from dispatch.geo.models import District, GeoLoad, Region
from dispatch.queues.models import Offer, Operator, Queue, QueueEntry, QueueLogEntry, QueueStat

__all__ = [
    "AmlMessage",
    "AmlRefused",
    "ApiKey",
    "AuditEntry",
    "Base",
    "Call",
    "CallEvent",
    "CallMessage",
    "CardNumberCounter",
    "CardRow",
    "CardVersion",
    "Delivery",
    "District",
    "Escalation",
    "GatewayCommand",
    "GeoLoad",
    "Offer",
    "Operator",
    "Queue",
    "QueueEntry",
    "QueueLogEntry",
    "QueueStat",
    "Region",
    "Service",
    "Unit",
    "UnitCoverage",
    "User",
]
