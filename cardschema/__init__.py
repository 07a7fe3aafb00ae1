"""The XML contract of the 112 electronic call card (namespace urn:uz:112:call-card:1).

Standalone: imports only the standard library and lxml, so a service that receives cards can
use it on its own.

    card = cardschema.parse(xml_bytes)      # hardened parse + XSD validation -> Card
    xml_bytes = cardschema.build(card)      # Card -> validated UTF-8 XML
    cardschema.validate(xml_bytes)          # raises a CardSchemaError subclass if refused
"""

from cardschema.call_control import (
    CallControlKind,
    CallControlMode,
    CallControlOutcome,
    CallControlRecord,
    CallControlTargetKind,
)
from cardschema.codes import (
    ALLOWED_STATUS_TRANSITIONS,
    AUTOMATIC_LOCATION_SOURCES,
    CallbackOutcome,
    CallerCondition,
    CardStatus,
    Channel,
    LinkKind,
    LocationSource,
    Outcome,
    ServiceStatus,
    can_transition,
)
from cardschema.convert import card_from_dict, card_to_dict
from cardschema.errors import (
    CardDataError,
    CardInvalid,
    CardSchemaError,
    CardTooLarge,
    MalformedXML,
    Problem,
    UnsafeXML,
)
from cardschema.model import (
    ADDRESS_PARTS,
    CallbackAttempt,
    Caller,
    Card,
    Handoff,
    Incident,
    Link,
    Location,
    Note,
    Place,
    ProposedLocation,
    RoutedService,
    StatusChange,
    StructuredAddress,
    Unit,
    incident_problems,
)
from cardschema.parties import (
    AgeBand,
    Attachment,
    AttachmentSource,
    Person,
    PersonRole,
    Sex,
    Vehicle,
    VehicleRole,
)
from cardschema.protocols import (
    ProtocolAnswer,
    ProtocolDeterminant,
    ProtocolInstruction,
    ProtocolRecord,
    ProtocolRisk,
)
from cardschema.reader import parse
from cardschema.validation import MAX_CARD_BYTES, NAMESPACE, SCHEMA_VERSION, validate, xsd_path
from cardschema.writer import build

__all__ = [
    "ADDRESS_PARTS",
    "ALLOWED_STATUS_TRANSITIONS",
    "AUTOMATIC_LOCATION_SOURCES",
    "MAX_CARD_BYTES",
    "NAMESPACE",
    "SCHEMA_VERSION",
    "AgeBand",
    "Attachment",
    "AttachmentSource",
    "CallControlKind",
    "CallControlMode",
    "CallControlOutcome",
    "CallControlRecord",
    "CallControlTargetKind",
    "CallbackAttempt",
    "CallbackOutcome",
    "Caller",
    "CallerCondition",
    "Card",
    "CardDataError",
    "CardInvalid",
    "CardSchemaError",
    "CardStatus",
    "CardTooLarge",
    "Channel",
    "Handoff",
    "Incident",
    "Link",
    "LinkKind",
    "Location",
    "LocationSource",
    "MalformedXML",
    "Note",
    "Outcome",
    "Person",
    "PersonRole",
    "Place",
    "Problem",
    "ProposedLocation",
    "ProtocolAnswer",
    "ProtocolDeterminant",
    "ProtocolInstruction",
    "ProtocolRecord",
    "ProtocolRisk",
    "RoutedService",
    "ServiceStatus",
    "Sex",
    "StatusChange",
    "StructuredAddress",
    "Unit",
    "UnsafeXML",
    "Vehicle",
    "VehicleRole",
    "build",
    "can_transition",
    "card_from_dict",
    "card_to_dict",
    "incident_problems",
    "parse",
    "validate",
    "xsd_path",
]
