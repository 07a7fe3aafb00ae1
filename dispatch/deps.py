"""FastAPI dependencies shared by every router: runtime, session, who is calling, roles."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.auth import service as auth
from dispatch.auth.cache import Account, CredentialCache
from dispatch.auth.roles import Role
from dispatch.core.actor import Actor, client_address
from dispatch.core.clock import Clock
from dispatch.core.database import unit_of_work
from dispatch.core.logging import bind
from dispatch.core.runtime import Runtime
from dispatch.core.settings import Settings
from dispatch.errors import DomainError, PermissionDenied


class NotAuthenticated(DomainError):
    """No valid credentials came with the request."""

    status_code = 401
    code = "not_authenticated"


async def get_runtime(request: Request) -> Runtime:
    """The runtime built by the lifespan."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> Settings:
    """The server's settings."""
    return runtime.settings


async def get_clock(runtime: RuntimeDep) -> Clock:
    """The clock every timer reads."""
    return runtime.clock


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed before the response, events published after."""
    async with unit_of_work(runtime.sessions, runtime.bus) as session:
        yield session


# scope="function": commit happens before the response is sent, so a 2xx means "stored".
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
_api_key = APIKeyHeader(name="X-Api-Key", auto_error=False)


@dataclass(frozen=True)
class Principal:
    """The signed-in account and the actor its changes are recorded under."""

    user: Account
    actor: Actor

    @property
    def role(self) -> Role:
        """The account's role."""
        return Role(self.user.role)


async def get_principal(
    request: Request,
    session: Session,
    runtime: RuntimeDep,
    token: Annotated[str | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """The caller from a bearer token or an ``X-Api-Key``; 401 when neither is valid. The
    account is remembered for a moment (``auth/cache.py``), not read on every request."""
    credentials: CredentialCache = request.app.state.credentials
    try:
        if api_key:
            user = await _by_api_key(session, credentials, api_key)
        elif token:
            user = await _by_token(session, credentials, runtime, token)
        else:
            raise NotAuthenticated(
                "sign in first: send 'Authorization: Bearer <token>' from POST /api/v1/auth/token "
                "or a machine's 'X-Api-Key'"
            )
    except auth.AuthenticationFailed as exc:
        raise NotAuthenticated(str(exc)) from exc
    except DomainError as exc:
        if isinstance(exc, NotAuthenticated):
            raise
        raise NotAuthenticated("the token's account no longer exists; sign in again") from exc
    actor = Actor(
        username=user.username,
        role=user.role,
        ip=client_address(request.client.host if request.client else None),
        request_id=getattr(request.state, "request_id", None),
        service_code=user.service_code,
    )
    bind(user=user.username, role=user.role)
    return Principal(user=user, actor=actor)


async def _by_api_key(session: AsyncSession, cache: CredentialCache, key: str) -> Account:
    remembered = f"key:{auth.hash_api_key(key)}"  # the plain key is not kept
    account = cache.get(remembered)
    if account is None:
        account = Account.of(await auth.user_for_api_key(session, key))
        cache.put(remembered, account, token_expires=None)
    return account


async def _by_token(
    session: AsyncSession, cache: CredentialCache, runtime: Runtime, token: str
) -> Account:
    account = cache.get(token)
    if account is None:
        secret = runtime.settings.secret_key.get_secret_value()
        user, claims = await auth.user_for_token(session, token, secret=secret)
        if not user.active:
            raise auth.AuthenticationFailed("this account is disabled")
        account = Account.of(user)
        cache.put(token, account, token_expires=claims.expires)
    return account


class RequireRoles:
    """A dependency admitting only the given roles (403 with the roles that would do)."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(
        self, principal: Annotated[Principal, Depends(get_principal, scope="function")]
    ) -> Principal:
        if principal.role not in self.roles:
            allowed = ", ".join(sorted(self.roles))
            raise PermissionDenied(
                f"this needs the role {allowed}; you are signed in as {principal.role}"
            )
        return principal


def roles(*allowed: Role) -> object:
    """``Depends`` admitting ``allowed`` roles, for ``Annotated[Principal, roles(...)]``."""
    return Depends(RequireRoles(*allowed), scope="function")


AnyUser = Annotated[Principal, Depends(get_principal, scope="function")]
BearerToken = Annotated[str | None, Depends(_bearer)]
Admin = Annotated[Principal, roles(Role.ADMIN)]


def now(clock: Clock) -> datetime:
    """The clock's current instant (a small alias that reads well in routers)."""
    return clock.now()
