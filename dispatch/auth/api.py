"""Sign-in and account administration."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import JSONResponse

from dispatch.auth import service
from dispatch.auth.schemas import (
    ApiKeyCreate,
    ApiKeyInfo,
    ApiKeyOut,
    SessionOut,
    Token,
    UserCreate,
    UserOut,
    UserUpdate,
)
from dispatch.auth.throttle import SignInThrottle
from dispatch.core.actor import client_address
from dispatch.core.logging import get_logger
from dispatch.deps import (
    Admin,
    AnyUser,
    BearerToken,
    ClockDep,
    NotAuthenticated,
    Session,
    SettingsDep,
)
from dispatch.errors import Conflict, TooManyRequests

router = APIRouter(prefix="/api/v1", tags=["auth"])
log = get_logger(__name__)


@router.post(
    "/auth/token",
    response_model=Token,
    responses={
        401: {"description": "wrong username or password (recorded in the audit)"},
        429: {"description": "too many failed sign-ins; try again after Retry-After seconds"},
    },
)
async def sign_in(
    request: Request,
    session: Session,
    settings: SettingsDep,
    clock: ClockDep,
    username: Annotated[str, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(min_length=1, max_length=200)],
) -> Token | JSONResponse:
    """Exchange username and password (form fields) for a bearer token.

    Failed attempts slow further ones down (``auth/throttle.py``): 429 with ``Retry-After``."""
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    address = client_address(request.client.host if request.client else None)
    wait = throttle.wait(username, address)
    if wait > 0:
        log.warning("auth.sign_in_throttled", address=address)
        seconds = math.ceil(wait)
        raise TooManyRequests(
            f"too many failed sign-ins; try again in {seconds} s", retry_after_s=seconds
        )
    try:
        user = await service.authenticate(session, username, password)
    except service.AuthenticationFailed as exc:
        throttle.failed(username, address)
        log.warning("auth.sign_in_failed", account=exc.account, reason=exc.reason)
        await service.record_failed_sign_in(
            session,
            exc,
            ip=address,
            request_id=getattr(request.state, "request_id", None),
            now=clock.now(),
        )
        # Answered, not raised: the request's transaction commits the audit entry.
        return JSONResponse(
            {"detail": str(exc), "code": NotAuthenticated.code},
            status_code=status.HTTP_401_UNAUTHORIZED,
            headers={"WWW-Authenticate": "Bearer"},
        )
    throttle.succeeded(username)
    # Wall time, not the (possibly scaled) dispatch clock: the token library checks it.
    issued = datetime.now(UTC)
    signed_in = await service.open_session(
        session, user, address=address, now=issued, ttl_minutes=settings.token_ttl_minutes
    )
    token = service.issue_token(
        user,
        secret=settings.secret_key.get_secret_value(),
        now=issued,
        ttl_minutes=settings.token_ttl_minutes,
        session_id=signed_in.id,
    )
    log.info("auth.sign_in", username=user.username, role=user.role)
    return Token(
        access_token=token,
        expires_in=settings.token_ttl_minutes * 60,
        role=user.role,  # type: ignore[arg-type]
        username=user.username,
    )


@router.post("/auth/sign-out", status_code=status.HTTP_204_NO_CONTENT)
async def sign_out(
    principal: AnyUser,
    token: BearerToken,
    request: Request,
    session: Session,
    settings: SettingsDep,
) -> None:
    """End this token's sign-in: the token stops working (other sign-ins go on)."""
    claims = (
        service.read_claims(token, secret=settings.secret_key.get_secret_value())
        if (token and not request.headers.get("x-api-key"))
        else None
    )
    if claims is None or claims.session_id is None:
        raise Conflict(
            "only a token from a sign-in can sign out; an API key is revoked by an admin "
            "(POST /api/v1/users/{username}/api-keys/{key_id}/revoke)"
        )
    await service.revoke_session(session, principal.actor, claims.session_id, now=_wall())
    request.app.state.credentials.forget_all()


@router.get("/auth/sessions", response_model=list[SessionOut])
async def list_sessions(
    session: Session,
    _: Admin,
    username: Annotated[str | None, Query(max_length=64)] = None,
) -> list[SessionOut]:
    """Sign-ins whose tokens still work, newest first (``username`` for one account's)."""
    rows = await service.list_sessions(session, username=username, now=_wall())
    return [
        SessionOut(
            id=row.id,
            username=name,
            issued_at=row.issued_at,
            expires_at=row.expires_at,
            address=row.address,
        )
        for row, name in rows
    ]


@router.post("/auth/sessions/{session_id}/revoke", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_session(
    session_id: uuid.UUID, request: Request, session: Session, admin: Admin
) -> None:
    """End one sign-in: its token stops working on every process within a second or two."""
    await service.revoke_session(session, admin.actor, session_id, now=_wall())
    request.app.state.credentials.forget_all()


def _wall() -> datetime:
    # Tokens live in wall time (their expiry is checked by the token library), not the
    # dispatch clock that a simulation may speed up.
    return datetime.now(UTC)


@router.get("/auth/me", response_model=UserOut)
async def who_am_i(principal: AnyUser) -> UserOut:
    """The signed-in account."""
    return UserOut.model_validate(principal.user)


@router.get("/users", response_model=list[UserOut])
async def list_users(session: Session, _: Admin) -> list[UserOut]:
    """Every account."""
    return [UserOut.model_validate(u) for u in await service.list_users(session)]


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
async def create_user(
    body: UserCreate, session: Session, admin: Admin, clock: ClockDep, settings: SettingsDep
) -> UserOut:
    """Add an account."""
    user = await service.create_user(
        session,
        admin.actor,
        username=body.username,
        role=body.role,
        password=body.password,
        full_name=body.full_name,
        service_code=body.service_code,
        language=body.language,
        now=clock.now(),
        scrypt_n=settings.password_scrypt_n,
    )
    return UserOut.model_validate(user)


@router.patch("/users/{username}", response_model=UserOut)
async def update_user(
    username: str,
    body: UserUpdate,
    request: Request,
    session: Session,
    admin: Admin,
    clock: ClockDep,
) -> UserOut:
    """Enable or disable an account (at once on this process; the others hear it)."""
    user = await service.set_active(
        session, admin.actor, username, active=body.active, now=clock.now()
    )
    request.app.state.credentials.forget_all()
    return UserOut.model_validate(user)


@router.post(
    "/users/{username}/api-keys", response_model=ApiKeyOut, status_code=status.HTTP_201_CREATED
)
async def create_api_key(
    username: str, body: ApiKeyCreate, session: Session, admin: Admin, clock: ClockDep
) -> ApiKeyOut:
    """Issue an API key to a machine account; the key is shown once."""
    row, key = await service.create_api_key(
        session, admin.actor, username, label=body.label, now=clock.now()
    )
    return ApiKeyOut(
        id=row.id, username=username, label=row.label, key=key, created_at=row.created_at
    )


@router.get("/users/{username}/api-keys", response_model=list[ApiKeyInfo])
async def list_api_keys(username: str, session: Session, _: Admin) -> list[ApiKeyInfo]:
    """A machine account's keys, revoked ones too (never the keys themselves)."""
    return [ApiKeyInfo.model_validate(k) for k in await service.list_api_keys(session, username)]


@router.post(
    "/users/{username}/api-keys/{key_id}/revoke",
    response_model=ApiKeyInfo,
)
async def revoke_api_key(
    username: str,
    key_id: uuid.UUID,
    request: Request,
    session: Session,
    admin: Admin,
    clock: ClockDep,
) -> ApiKeyInfo:
    """Revoke one key: it stops working within a second or two; the account and its other
    keys go on."""
    row = await service.revoke_api_key(session, admin.actor, username, key_id, now=clock.now())
    request.app.state.credentials.forget_all()
    return ApiKeyInfo.model_validate(row)
