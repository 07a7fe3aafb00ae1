"""The persons, vehicles and attachment references a card may carry (revision 1.2), split from
``model.py``; ``cardschema.model`` re-exports every name."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

from cardschema import rules
from cardschema.errors import CardDataError


class PersonRole(enum.StrEnum):
    """How a person is involved in the incident (revision 1.2)."""

    VICTIM = "victim"
    SUSPECT = "suspect"
    WITNESS = "witness"
    CALLER = "caller"
    OTHER = "other"


class AgeBand(enum.StrEnum):
    """An age range, when the exact age is not known (revision 1.2)."""

    INFANT = "infant"
    CHILD = "child"
    ADOLESCENT = "adolescent"
    ADULT = "adult"
    ELDERLY = "elderly"


class Sex(enum.StrEnum):
    """A person's sex as reported or observed (revision 1.2)."""

    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


class VehicleRole(enum.StrEnum):
    """How a vehicle is involved in the incident (revision 1.2)."""

    INVOLVED = "involved"
    SUSPECT = "suspect"
    VICTIM = "victim"


class AttachmentSource(enum.StrEnum):
    """Who supplied an attachment (revision 1.2)."""

    CALLER = "caller"
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """A person involved in the incident (revision 1.2): an age or an age band, not both."""

    role: PersonRole
    name: str | None = None
    age: int | None = None
    age_band: AgeBand | None = None
    sex: Sex | None = None
    condition: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        rules.check_optional_text("name", self.name, rules.SHORT_TEXT_MAX)
        if self.age is not None:
            rules.check_int("age", self.age, 0, rules.AGE_MAX)
            if self.age_band is not None:
                raise CardDataError("age_band", "give the age or the age band, not both")
        rules.check_optional_text("condition", self.condition, rules.TEXT_MAX)
        rules.check_optional_text("description", self.description, rules.TEXT_MAX)


@dataclass(frozen=True, slots=True, kw_only=True)
class Vehicle:
    """A vehicle involved in the incident (revision 1.2)."""

    role: VehicleRole
    plate: str | None = None
    make: str | None = None
    model: str | None = None
    colour: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        rules.check_optional_text("plate", self.plate, rules.PLATE_MAX)
        for name in ("make", "model", "colour"):
            rules.check_optional_text(name, getattr(self, name), rules.SHORT_TEXT_MAX)
        rules.check_optional_text("description", self.description, rules.TEXT_MAX)


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """A reference to a file kept by the 112 system (revision 1.2); never the file itself."""

    id: uuid.UUID
    media_type: str
    size_bytes: int
    sha256: str
    source: AttachmentSource
    received_at: datetime
    file_name: str | None = None

    def __post_init__(self) -> None:
        rules.check_pattern("media_type", self.media_type, rules.MEDIA_TYPE_PATTERN, "image/jpeg")
        rules.check_int("size_bytes", self.size_bytes, 1, rules.BYTE_COUNT_MAX)
        rules.check_pattern("sha256", self.sha256, rules.SHA256_PATTERN, "64 hex digits")
        rules.check_timestamp("received_at", self.received_at)
        if self.file_name is not None:
            rules.check_text("file_name", self.file_name, rules.FILE_NAME_MAX)
            rules.check_pattern("file_name", self.file_name, rules.FILE_NAME_PATTERN, "photo.jpg")
