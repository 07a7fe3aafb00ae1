"""The transfer directory: whom a caller can be transferred to or joined with, per region and
service, and the number the gateway dials (``directory.yaml``, or the file named by
``DISPATCH_TRANSFER_DIRECTORY``). Read once per file and kept; a broken file is refused with the
entry and field at fault, so a deployment finds its mistake at start-up, not during a call.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dispatch.errors import Invalid, NotFound

DEFAULT = Path(__file__).with_name("directory.yaml")
NUMBER_PATTERN = r"^\+?[0-9*#]{2,31}$"


class EntryKind(StrEnum):
    """What stands behind an entry."""

    SERVICE_DESK = "service_desk"  # an emergency service's duty desk
    SPECIALIST = "specialist"  # a psychologist, a doctor
    INTERPRETER = "interpreter"


class Names(BaseModel):
    """An entry's name in the consoles' languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: str = Field(min_length=1, max_length=200)
    ru: str = Field(min_length=1, max_length=200)
    uz: str = Field(min_length=1, max_length=200)


class Entry(BaseModel):
    """One transfer target."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    kind: EntryKind
    name: Names
    number: str = Field(pattern=NUMBER_PATTERN, description="what the gateway dials")
    region: str | None = Field(default=None, pattern=r"^UZ-[A-Z]{2}$", description="None: all")
    service: str | None = Field(default=None, pattern=r"^[0-9]{3,4}$")
    specialty: str | None = Field(default=None, pattern=r"^[a-z_]{2,32}$")
    languages: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Entry:
        if self.kind is EntryKind.SERVICE_DESK and self.service is None:
            raise ValueError("a service_desk entry needs its service")
        if self.kind is EntryKind.INTERPRETER and not self.languages:
            raise ValueError("an interpreter entry needs the languages spoken")
        return self

    def name_in(self, language: str) -> str:
        """The name in ``language`` (en, ru, uz), English otherwise."""
        return str(getattr(self.name, language, None) or self.name.en)


class Directory(BaseModel):
    """Every entry, each id once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entries: tuple[Entry, ...]

    @model_validator(mode="after")
    def _ids_once(self) -> Directory:
        seen: set[str] = set()
        for entry in self.entries:
            if entry.id in seen:
                raise ValueError(f"the id {entry.id} is used twice")
            seen.add(entry.id)
        return self

    def get(self, entry_id: str) -> Entry:
        """The entry ``entry_id``; NotFound otherwise."""
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise NotFound(f"the transfer directory has no entry {entry_id!r}")

    def find(
        self,
        *,
        region: str | None = None,
        service: str | None = None,
        kind: EntryKind | None = None,
        language: str | None = None,
    ) -> list[Entry]:
        """The entries for a call in ``region`` (the region's own first, then the national
        ones), of ``service``, ``kind`` or speaking ``language`` when given."""
        found = [
            entry
            for entry in self.entries
            if (entry.region is None or region is None or entry.region == region)
            and (service is None or entry.service == service)
            and (kind is None or entry.kind is kind)
            and (language is None or language in entry.languages)
        ]
        return sorted(found, key=lambda entry: (entry.region is None, entry.kind, entry.id))


@functools.cache
def load(path: Path = DEFAULT) -> Directory:
    """The directory in ``path`` (kept once read); Invalid naming the fault."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Directory.model_validate(document)
    except OSError as exc:
        raise Invalid(f"the transfer directory {path} cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise Invalid(f"the transfer directory {path} is not YAML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise Invalid(f"the transfer directory {path}: {where}: {first['msg']}") from exc


def of(path: Path | None) -> Directory:
    """The directory the settings name (``DISPATCH_TRANSFER_DIRECTORY``), else the shipped one."""
    return load(path or DEFAULT)
