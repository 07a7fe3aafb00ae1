"""Incident-type scripts over the API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ScriptStep(BaseModel):
    """One question (or instruction) of a script, in the languages it is written in."""

    id: str
    kind: str = Field(description="question: ask the caller; instruction: tell the caller")
    text: dict[str, str] = Field(description="by language: uz, ru (en where written)")
    field: str | None = Field(description="the card field the answer fills, if any")


class ScriptOut(BaseModel):
    """The call-taking script for an incident type."""

    incident_type: str
    status: str = Field(description="draft until the centre's methodologists approve it")
    general: bool = Field(description="true: the type has no own script; this is the general one")
    languages: list[str]
    steps: list[ScriptStep]
