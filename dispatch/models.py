"""Every table, imported in one place so migrations and metadata see them all."""

from dispatch.agencies.models import Service
from dispatch.agencies.units_models import Unit, UnitCoverage
from dispatch.analytics.models import CallPlace, PlaceMark, RosterEntry, SurgeDay
from dispatch.attachments.models import Attachment
from dispatch.audit.models import AuditEntry, AuditSeal
from dispatch.auth.models import ApiKey, SignInSession, User
from dispatch.callbacks.models import CallbackAttempt, CallbackJoin, CallbackTask
from dispatch.callers.models import CallerMark
from dispatch.calls.gateway.models import GatewayCommand
from dispatch.calls.models import AmlMessage, AmlRefused, Call, CallEvent, CallMessage
from dispatch.cards.models import CardNumberCounter, CardRow, CardVersion, ProtocolRun
from dispatch.control.models import CallLeg
from dispatch.core.database import Base
from dispatch.core.idempotency import IdempotentAnswer
from dispatch.escalations.models import Escalation
from dispatch.feeds.models import Delivery
from dispatch.geo.models import District, GeoLoad, Region
from dispatch.protocols.models import ProtocolVersion
from dispatch.qa.models import (
    Calibration,
    Evaluation,
    EvaluationRevision,
    Plan,
    PlanCall,
    Scorecard,
    TrainingTopic,
)
from dispatch.queues.models import Offer, Operator, Queue, QueueEntry, QueueLogEntry, QueueStat
from dispatch.referrals.models import Referral
from dispatch.surveys.models import Survey, SurveyOptOut
from dispatch.training.models import (
    Acknowledgement,
    Competency,
    Programme,
    Regulation,
    Trainee,
    TrainingSchedule,
    TrainingSession,
)
from dispatch.wellbeing.models import WellbeingCase, WellbeingDebrief, WellbeingOffer

__all__ = [
    "Acknowledgement",
    "AmlMessage",
    "AmlRefused",
    "ApiKey",
    "Attachment",
    "AuditEntry",
    "AuditSeal",
    "Base",
    "Calibration",
    "Call",
    "CallEvent",
    "CallLeg",
    "CallMessage",
    "CallPlace",
    "CallbackAttempt",
    "CallbackJoin",
    "CallbackTask",
    "CallerMark",
    "CardNumberCounter",
    "CardRow",
    "CardVersion",
    "Competency",
    "Delivery",
    "District",
    "Escalation",
    "Evaluation",
    "EvaluationRevision",
    "GatewayCommand",
    "GeoLoad",
    "IdempotentAnswer",
    "Offer",
    "Operator",
    "PlaceMark",
    "Plan",
    "PlanCall",
    "Programme",
    "ProtocolRun",
    "ProtocolVersion",
    "Queue",
    "QueueEntry",
    "QueueLogEntry",
    "QueueStat",
    "Referral",
    "Region",
    "Regulation",
    "RosterEntry",
    "Scorecard",
    "Service",
    "SignInSession",
    "SurgeDay",
    "Survey",
    "SurveyOptOut",
    "Trainee",
    "TrainingSchedule",
    "TrainingSession",
    "TrainingTopic",
    "Unit",
    "UnitCoverage",
    "User",
    "WellbeingCase",
    "WellbeingDebrief",
    "WellbeingOffer",
]
