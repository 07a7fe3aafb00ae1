"""The regulations library's input and output shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dispatch.auth.roles import Role
from dispatch.training.schemas import Texts

CODE = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
NAME = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.]{0,63}$")]


class Kind(StrEnum):
    """What kind of act it is."""

    LAW = "law"
    ORDER = "order"
    INSTRUCTION = "instruction"


class Affects(BaseModel):
    """What a supervisor revises: protocols (codes), call-taking scripts and routing (incident
    types; ``general`` for the general script)."""

    model_config = ConfigDict(extra="forbid")

    protocols: list[NAME] = Field(default_factory=list, max_length=100)
    scripts: list[NAME] = Field(default_factory=list, max_length=100)
    routing: list[NAME] = Field(default_factory=list, max_length=100)


class RegulationIn(BaseModel):
    """A regulation's version as published: a new ``code`` is version 1, a known one its next."""

    model_config = ConfigDict(extra="forbid")

    code: CODE
    kind: Kind
    number: str | None = Field(default=None, min_length=1, max_length=64)
    title: Texts
    summary: Texts
    issued_on: date
    in_force_from: date
    in_force_to: date | None = None
    attachment_id: uuid.UUID | None = None
    url: str | None = Field(default=None, pattern=r"^https://[^\s]+$", max_length=2000)
    roles: list[Role] = Field(min_length=1, max_length=10)
    affects: Affects = Field(default_factory=Affects)
    acknowledge_within_days: int = Field(default=7, ge=1, le=90)

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.in_force_to is not None and self.in_force_to < self.in_force_from:
            raise ValueError("in_force_to: before in_force_from")
        if self.in_force_from < self.issued_on:
            raise ValueError("in_force_from: before issued_on")
        return self


class Person(BaseModel):
    """Someone a regulation concerns."""

    username: str
    name: str | None
    role: str
    acknowledged_at: datetime | None


class RegulationOut(BaseModel):
    """A version with where it stands: in force, superseded, and who read it."""

    id: uuid.UUID
    code: str
    version: int
    kind: Kind
    number: str | None
    title: dict[str, str]
    summary: dict[str, str]
    issued_on: date
    in_force_from: date
    in_force_to: date | None
    attachment_id: uuid.UUID | None
    url: str | None
    roles: list[str]
    affects: Affects
    acknowledge_within_days: int
    acknowledge_by: datetime
    published_at: datetime
    published_by: str
    superseded: bool
    concerned: int
    acknowledged: int
    pending: list[Person] = Field(default_factory=list)
    done: list[Person] = Field(default_factory=list)


class Mine(BaseModel):
    """A version that concerns me, whether I read it, and whether it is overdue."""

    regulation: RegulationOut
    acknowledged_at: datetime | None
    overdue: bool
