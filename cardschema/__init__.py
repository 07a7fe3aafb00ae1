"""The XML contract of the 112 electronic call card (namespace urn:uz:112:call-card:1).

Standalone: imports only the standard library and lxml, so a service that receives cards can
use it on its own.

    card = cardschema.parse(xml_bytes)      # hardened parse + XSD validation -> Card
    xml_bytes = cardschema.build(card)      # Card -> validated UTF-8 XML
    cardschema.validate(xml_bytes)          # raises a CardSchemaError subclass if refused
"""

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
    ALLOWED_STATUS_TRANSITIONS,
    AUTOMATIC_LOCATION_SOURCES,
    CallbackAttempt,
    CallbackOutcome,
    Caller,
    Card,
    CardStatus,
    Channel,
    Handoff,
    Incident,
    Link,
    LinkKind,
    Location,
    LocationSource,
    Note,
    Outcome,
    Place,
    ProposedLocation,
    RoutedService,
    ServiceStatus,
    StatusChange,
    Unit,
    can_transition,
    incident_problems,
)
from cardschema.reader import parse
from cardschema.validation import MAX_CARD_BYTES, NAMESPACE, SCHEMA_VERSION, validate, xsd_path
from cardschema.writer import build

__all__ = [
    "ALLOWED_STATUS_TRANSITIONS",
    "AUTOMATIC_LOCATION_SOURCES",
    "MAX_CARD_BYTES",
    "NAMESPACE",
    "SCHEMA_VERSION",
    "CallbackAttempt",
    "CallbackOutcome",
    "Caller",
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
    "Place",
    "Problem",
    "ProposedLocation",
    "RoutedService",
    "ServiceStatus",
    "StatusChange",
    "Unit",
    "UnsafeXML",
    "build",
    "can_transition",
    "card_from_dict",
    "card_to_dict",
    "incident_problems",
    "parse",
    "validate",
    "xsd_path",
]
