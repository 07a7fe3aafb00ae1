"""Calls, their events, messages and AML locations over the API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cardschema import Channel, LocationSource
from dispatch.attachments.schemas import MAX_PER_MESSAGE, AttachmentIn, AttachmentReceipt
from dispatch.calls.lifecycle import CallEventType, CallStatus

PHONE_PATTERN = r"^\+?[0-9*#]{1,20}$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
IMEI_PATTERN = r"^[0-9]{14,16}$"
USERNAME_PATTERN = r"^[A-Za-z0-9_.@-]{1,64}$"
ID_PATTERN = r"^[\x21-\x7e]{1,100}$"  # printable ASCII, no spaces
URL_PATTERN = r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$"


class Point(BaseModel):
    """A WGS84 position with its accuracy radius and where it came from."""

    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_m: float | None = Field(default=None, ge=0, le=1_000_000)
    source: LocationSource = LocationSource.NETWORK


class CallCreate(BaseModel):
    """A call, or a message of an SMS or e-mail conversation, as the gateway reports it."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    caller_number: str | None = Field(default=None, pattern=PHONE_PATTERN)
    caller_address: str | None = Field(
        default=None, max_length=254, pattern=EMAIL_PATTERN, description="e-mail sender"
    )
    imei: str | None = Field(default=None, pattern=IMEI_PATTERN, description="handset, if known")
    language: str = Field(default="uz", pattern=LANGUAGE_PATTERN, description="ISO 639 code")
    location: Point | None = None
    text: str | None = Field(default=None, max_length=20_000, description="SMS or e-mail body")
    subject: str | None = Field(default=None, max_length=300, description="e-mail subject")
    conversation_id: str | None = Field(
        default=None,
        pattern=ID_PATTERN,
        description="the gateway's thread id (e-mail Message-ID root, SMS session)",
    )
    message_id: str | None = Field(
        default=None,
        pattern=ID_PATTERN,
        description="the gateway's id of this message; a repeat is not stored twice",
    )
    attachments: list[AttachmentIn] = Field(
        default_factory=list,
        max_length=MAX_PER_MESSAGE,
        description="MMS or e-mail files (SMS and e-mail only); each stored or refused alone",
    )


class AmlProposal(BaseModel):
    """A location the caller's phone sent (AML): proposed to the operator, never imposed."""

    aml_id: uuid.UUID
    transport: str
    lat: float | None
    lon: float | None
    radius_m: float | None
    method: str | None
    confidence: int | None
    positioned_at: datetime | None
    received_at: datetime
    age_seconds: float | None = Field(description="how old the position is now")


class CallOut(BaseModel):
    """A call as the API shows it."""

    id: uuid.UUID
    channel: Channel
    caller_number: str | None
    caller_address: str | None
    imei: str | None
    conversation_id: str | None
    language: str
    location: Point | None
    text: str | None
    subject: str | None
    status: CallStatus
    queue: str
    operator: str | None
    offered_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    talk_seconds: float | None
    media_url: str | None
    timeline_complete: bool = Field(
        description="false while an event between two reported ones has not arrived"
    )
    last_message_at: datetime | None
    created_at: datetime
    aml: AmlProposal | None = None
    attachments: list[AttachmentReceipt] = Field(
        default=[], description="in the answer to a gateway's message: what became of its files"
    )


class EventIn(BaseModel):
    """Something that happened to a call, as the gateway reports it."""

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(pattern=ID_PATTERN, description="unique per event; repeats are safe")
    type: CallEventType
    at: AwareDatetime
    operator: str | None = Field(default=None, pattern=USERNAME_PATTERN)
    media_url: str | None = Field(
        default=None, max_length=1000, pattern=URL_PATTERN, description="the recording"
    )
    command_id: uuid.UUID | None = Field(default=None, description="the command it answers")


class EventOut(BaseModel):
    """A stored event and the call's state once it was taken into account."""

    event_id: str
    call_id: uuid.UUID
    type: CallEventType
    at: datetime
    operator: str | None
    media_url: str | None
    command_id: uuid.UUID | None
    received_at: datetime
    call_status: CallStatus
    timeline_complete: bool


class MessageIn(BaseModel):
    """An operator's reply to the caller."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20_000)
    subject: str | None = Field(default=None, max_length=300, description="e-mail only")


class MessageOut(BaseModel):
    """One message of a conversation; ``delivery`` is the gateway command's status."""

    id: uuid.UUID
    call_id: uuid.UUID
    direction: str
    text: str
    subject: str | None
    at: datetime
    author: str
    command_id: uuid.UUID | None
    delivery: str | None


class AmlOut(BaseModel):
    """An accepted AML message; ``call_id`` is null until a call matches it."""

    id: uuid.UUID
    call_id: uuid.UUID | None
    lat: float | None
    lon: float | None
    radius_m: float | None
    positioned_at: datetime | None
    confidence: int | None
    method: str | None
    imsi: str | None
    imei: str | None
    mcc: str | None
    mnc: str | None
    number: str | None
    transport: str
    version: int | None
    authenticated: bool | None
    has_position: bool
    received_at: datetime


class AmlRefusedOut(BaseModel):
    """A refused AML message as it arrived, and why it was refused."""

    id: int
    received_at: datetime
    received_by: str
    transport: str
    content_type: str
    body: str
    sender: str | None
    field: str
    reason: str


class AmlRefusedPage(BaseModel):
    """Refused AML messages, newest first, with how many there are."""

    items: list[AmlRefusedOut]
    total: int


class EarlierCall(BaseModel):
    """One of a caller's earlier calls, as the caller history lists it."""

    id: uuid.UUID
    created_at: datetime
    channel: Channel
    status: CallStatus
    answered_at: datetime | None
    ended_at: datetime | None
    talk_seconds: float | None
    operator: str | None
