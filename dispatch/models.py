"""Every table, imported in one place so migrations and metadata see them all."""

from dispatch.agencies.models import Service
from dispatch.audit.models import AuditEntry
from dispatch.auth.models import ApiKey, User
from dispatch.core.database import Base

__all__ = ["ApiKey", "AuditEntry", "Base", "Service", "User"]
