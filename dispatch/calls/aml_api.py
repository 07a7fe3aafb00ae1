"""AML over HTTP: the SMS and HTTPS gateways post what phones send; supervisors see refusals.

A refused message answers 422 with ``detail`` naming the attribute at fault (``field`` holds
it alone) and is kept: the refusal is a stored fact, so the request still commits.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse

from dispatch.auth.roles import Role
from dispatch.calls import aml, aml_service
from dispatch.calls.schemas import AmlOut, AmlRefusedOut, AmlRefusedPage
from dispatch.core.edge import BIGINT_MAX
from dispatch.core.http import read_limited_body
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles
from dispatch.errors import UnsupportedMediaType

router = APIRouter(prefix="/api/v1/aml", tags=["aml"])

Gateway = Annotated[Principal, roles(Role.GATEWAY)]
Inspector = Annotated[Principal, roles(Role.SUPERVISOR, Role.ADMIN)]
MAX_AML_BYTES = 8_192
SMS_TYPES = ("text/plain", "application/octet-stream")
FORM_TYPE = "application/x-www-form-urlencoded"
SENDER_PATTERN = r"^\+?[0-9 ()\-.]{1,32}$"
Sender = Annotated[
    str | None,
    Query(pattern=SENDER_PATTERN, description="the number the SMS came from (its MSISDN)"),
]


@router.post(
    "/sms",
    status_code=status.HTTP_201_CREATED,
    response_model=AmlOut,
    openapi_extra={
        "requestBody": {
            "content": {
                "text/plain": {"schema": {"type": "string", "example": 'A"ML=1;lt=+41.31;...'}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
async def post_sms(
    request: Request,
    session: Session,
    gateway: Gateway,
    clock: ClockDep,
    settings: SettingsDep,
    sender: Sender = None,
) -> Response:
    """An AML SMS: its text (``text/plain``; hex of a data SMS also) or raw data SMS bytes."""
    content_type = _content_type(request)
    if content_type not in SMS_TYPES:
        raise UnsupportedMediaType(f"send the SMS as text/plain, not {content_type}")
    body = await _read_body(request)
    binary = content_type == "application/octet-stream"
    try:
        parsed = aml.parse_sms_body(body, binary=binary)
    except aml.AmlError as exc:
        shown = body.hex() if binary else body.decode("utf-8", errors="replace")
        return await _refused(session, gateway, exc, "sms", content_type, shown, sender, clock)
    return await _accepted(session, gateway, parsed, sender, clock, settings)


@router.post(
    "/https",
    status_code=status.HTTP_201_CREATED,
    response_model=AmlOut,
    openapi_extra={
        "requestBody": {"content": {FORM_TYPE: {"schema": {"type": "string"}}}},
    },
)
async def post_https(
    request: Request, session: Session, gateway: Gateway, clock: ClockDep, settings: SettingsDep
) -> Response:
    """An HTTPS AML form as the phone posted it (``application/x-www-form-urlencoded``)."""
    content_type = _content_type(request)
    if content_type != FORM_TYPE:
        raise UnsupportedMediaType(f"send the AML form as {FORM_TYPE}, not {content_type}")
    raw = await _read_body(request)
    key = settings.aml_hmac_key
    try:
        parsed = aml.parse_https(
            _utf8(raw), hmac_key=key.get_secret_value().encode() if key is not None else None
        )
    except aml.AmlError as exc:
        shown = raw.decode("utf-8", errors="replace")
        return await _refused(session, gateway, exc, "https", content_type, shown, None, clock)
    return await _accepted(session, gateway, parsed, None, clock, settings)


@router.get("/refused", response_model=AmlRefusedPage)
async def list_refused(
    session: Session,
    _: Inspector,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=BIGINT_MAX)] = 0,
) -> AmlRefusedPage:
    """Refused AML messages as they arrived, newest first, with the reason."""
    rows, total = await aml_service.list_refused(session, limit=limit, offset=offset)
    items = [AmlRefusedOut.model_validate(row, from_attributes=True) for row in rows]
    return AmlRefusedPage(items=items, total=total)


async def _accepted(
    session: Session,
    gateway: Principal,
    parsed: aml.ParsedAml,
    sender: str | None,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    row = await aml_service.receive(
        session,
        gateway.actor,
        parsed,
        sender=sender,
        now=clock.now(),
        window=timedelta(minutes=settings.aml_match_window_minutes),
    )
    return JSONResponse(
        aml_service.aml_out(row).model_dump(mode="json"), status_code=status.HTTP_201_CREATED
    )


async def _refused(
    session: Session,
    gateway: Principal,
    error: aml.AmlError,
    transport: str,
    content_type: str,
    body: str,
    sender: str | None,
    clock: ClockDep,
) -> Response:
    row = await aml_service.refuse(
        session,
        gateway.actor,
        error,
        transport=transport,
        content_type=content_type,
        body=body,
        sender=sender,
        now=clock.now(),
    )
    return JSONResponse(
        {
            "detail": f"the AML message was refused: {error}",
            "code": "aml_refused",
            "field": error.field,
            "refused_id": row.id,
        },
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise aml.AmlError("body", "the form is not UTF-8") from exc


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() or "none"


async def _read_body(request: Request) -> bytes:
    return await read_limited_body(request, MAX_AML_BYTES)
