"""The referral directory over the API: entries, their changes, a search, a card's referral."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from dispatch.calls.schemas import LANGUAGE_PATTERN

# Uzbekistan's fourteen first-level divisions, ISO 3166-2:UZ (fixed by the standard).
REGIONS = frozenset(
    {
        "UZ-AN", "UZ-BU", "UZ-FA", "UZ-JI", "UZ-NG", "UZ-NW", "UZ-QA",
        "UZ-QR", "UZ-SA", "UZ-SI", "UZ-SU", "UZ-TK", "UZ-TO", "UZ-XO",
    }
)  # fmt: skip
REGION_PATTERN = r"^UZ-[A-Z]{2}$"
# A number as the operator dials it: a short national number (1146) or a full one.
PHONE_PATTERN = r"^\+?[0-9][0-9 ()\-]{2,30}$"
NOTE_MAX = 1000

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=PHONE_PATTERN)]
Language = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]
Region = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]


class ReferralKind(StrEnum):
    """What kind of help the entry gives."""

    LEGAL = "legal"
    SOCIAL = "social"
    PSYCHOLOGICAL = "psychological"
    SHELTER = "shelter"
    MEDICAL = "medical"
    CHILD_PROTECTION = "child_protection"
    OTHER = "other"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Names(_Input):
    """A text in Uzbek, Russian and English (Karakalpak where known)."""

    uz: Text200
    ru: Text200
    en: Text200
    kaa: Text200 | None = None


class Hours(_Input):
    """Opening hours as people say them, per language (e.g. "Du–Ju 9:00–18:00")."""

    uz: Text200
    ru: Text200
    en: Text200


def _check_regions(national: bool | None, regions: list[str] | None) -> None:
    unknown = sorted(set(regions or ()) - REGIONS)
    if unknown:
        raise ValueError(f"regions: unknown region codes {unknown} (ISO 3166-2:UZ, e.g. UZ-SA)")
    if national and regions:
        raise ValueError("regions: a national entry serves every region; list none")
    if national is False and regions is not None and not regions:
        raise ValueError("regions: name the regions served, or set national")


class ReferralCreate(_Input):
    """A new entry: national, or the regions it serves."""

    names: Names
    kind: ReferralKind
    national: bool = False
    regions: list[Region] = Field(default_factory=list, max_length=14)
    phones: list[Phone] = Field(default_factory=list, max_length=8)
    always_open: bool = Field(default=False, description="answers 24 hours, every day")
    hours: Hours | None = None
    languages: list[Language] = Field(min_length=1, max_length=8)
    address: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=4000)
    active: bool = True

    @model_validator(mode="after")
    def _served(self) -> ReferralCreate:
        _check_regions(self.national, self.regions)
        return self


class ReferralPatch(_Input):
    """A partial change: only the fields sent change."""

    names: Names | None = None
    kind: ReferralKind | None = None
    national: bool | None = None
    regions: list[Region] | None = Field(default=None, max_length=14)
    phones: list[Phone] | None = Field(default=None, max_length=8)
    always_open: bool | None = None
    hours: Hours | None = None
    languages: list[Language] | None = Field(default=None, min_length=1, max_length=8)
    address: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=4000)
    active: bool | None = None

    @model_validator(mode="after")
    def _served(self) -> ReferralPatch:
        _check_regions(None, self.regions)
        return self


class ReferralOut(BaseModel):
    """An entry as stored; ``match`` in a search: ``region`` (serves the region asked for) or
    ``national``."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str | None
    names: dict[str, str]
    kind: ReferralKind
    national: bool
    regions: list[str]
    phones: list[str]
    always_open: bool
    hours: dict[str, str] | None
    languages: list[str]
    address: str | None
    notes: str | None
    active: bool
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    match: str | None = None


class CardReferralCreate(_Input):
    """Record on the card that the caller was referred to an entry."""

    referral_id: uuid.UUID
    note: str | None = Field(default=None, max_length=NOTE_MAX)
