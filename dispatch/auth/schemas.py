"""Sign-in and accounts over the API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from dispatch.auth.roles import Role


class Token(BaseModel):
    """A bearer token for the ``Authorization`` header."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="Seconds until the token expires")
    role: Role
    username: str


class UserCreate(BaseModel):
    """A new account; machines (gateway, service) may have no password and use API keys."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{1,63}$")
    role: Role
    password: str | None = Field(default=None, min_length=8, max_length=200)
    full_name: str = Field(default="", max_length=200)
    service_code: str | None = Field(default=None, max_length=32)
    language: str = Field(default="uz", pattern=r"^(uz|ru|en|kaa)$")


class UserUpdate(BaseModel):
    """Enable or disable an account."""

    model_config = ConfigDict(extra="forbid")

    active: bool


class UserOut(BaseModel):
    """An account as the API shows it (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    full_name: str
    role: Role
    service_code: str | None
    language: str
    active: bool
    created_at: datetime


class ApiKeyCreate(BaseModel):
    """A label for a new key (which machine holds it)."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(default="", max_length=100)


class ApiKeyOut(BaseModel):
    """A new key; ``key`` is shown only in this answer."""

    id: uuid.UUID
    username: str
    label: str
    key: str
    created_at: datetime


class ApiKeyInfo(BaseModel):
    """A key as the admin sees it later: never the key itself."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    label: str
    created_at: datetime
    revoked_at: datetime | None


class SessionOut(BaseModel):
    """A sign-in whose token still works."""

    id: uuid.UUID
    username: str
    issued_at: datetime
    expires_at: datetime
    address: str | None
