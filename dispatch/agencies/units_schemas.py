"""Service units over the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from dispatch.agencies.schemas import SERVICE_CODE_PATTERN

# Same alphabet as a code on the call card (cardschema's Code), so a unit fits on the card.
UNIT_CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_.:-]{0,63}$"
DistrictCode = Annotated[str, Field(min_length=1, max_length=32)]
MAX_DISTRICTS = 500
UnitName = Annotated[str, Field(min_length=1, max_length=200)]


class UnitNames(BaseModel):
    """The unit's name in the UI languages it is known in (a missing one shows ``name``)."""

    model_config = ConfigDict(extra="forbid")

    uz: UnitName | None = None
    ru: UnitName | None = None
    en: UnitName | None = None

    def given(self) -> dict[str, str]:
        """The names given, by language."""
        return {language: name for language, name in self.model_dump().items() if name}


class UnitCreate(BaseModel):
    """A new unit of a service and the districts it covers."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=UNIT_CODE_PATTERN, description="e.g. UZ-SA-103-urgut")
    service_code: str = Field(pattern=SERVICE_CODE_PATTERN, description="e.g. 103")
    name: str = Field(
        min_length=1, max_length=200, description="the name the card and outside systems read"
    )
    names: UnitNames | None = Field(
        default=None, description="its name in Uzbek (Latin), Russian and English"
    )
    districts: list[DistrictCode] = Field(
        default_factory=list, max_length=MAX_DISTRICTS, description="district codes it covers"
    )


class UnitUpdate(BaseModel):
    """A partial change: rename, retire (``active: false``) or confirm (``sample: false``).

    ``names`` replaces the names in the UI languages; a new ``name`` without ``names`` drops
    them (they named what the unit was called before)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    names: UnitNames | None = None
    active: bool | None = None
    sample: bool | None = None


class CoverageIn(BaseModel):
    """The complete list of districts a unit covers (replaces the one it had)."""

    model_config = ConfigDict(extra="forbid")

    districts: list[DistrictCode] = Field(max_length=MAX_DISTRICTS)


class UnitOut(BaseModel):
    """A unit as the API shows it, with the codes of the districts it covers."""

    code: str
    service_code: str
    name: str
    names: dict[str, str] = Field(
        description="by language (uz, ru, en): the name the consoles show; ``name`` where none"
    )
    active: bool
    sample: bool
    districts: list[str]
    created_at: datetime
    updated_at: datetime
