"""Accounts, passwords, bearer tokens and machine API keys."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.auth import events
from dispatch.auth.models import ApiKey, SignInSession, User
from dispatch.auth.roles import Role
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.core.database import once_per_snapshot
from dispatch.errors import Conflict, Invalid, NotFound

TOKEN_ALGORITHM = "HS256"  # noqa: S105 - an algorithm name
_SCRYPT_R = 8
_SCRYPT_P = 1


class AuthenticationFailed(Exception):
    """Credentials were missing, wrong, expired or belong to a disabled account.

    ``account`` is the existing account the attempt named (None when none exists: what was
    typed is then not repeated anywhere) and ``reason`` why it failed, for the audit."""

    def __init__(self, message: str, *, account: str | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.account = account
        self.reason = reason


def hash_password(password: str, *, n: int = 2**14) -> str:
    """A salted scrypt hash with its parameters, as ``scrypt$n$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=_SCRYPT_R, p=_SCRYPT_P, maxmem=2**27
    )
    return f"scrypt${n}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the stored hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), maxmem=2**27
    )
    return hmac.compare_digest(candidate.hex(), digest)


def hash_api_key(key: str) -> str:
    """SHA-256 of a key; keys are random and long, so a fast hash is enough."""
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(
    user: User,
    *,
    secret: str,
    now: datetime,
    ttl_minutes: int,
    session_id: uuid.UUID | None = None,
) -> str:
    """A signed bearer token for ``user`` valid for ``ttl_minutes``; ``session_id`` (the
    sign-in's, ``jti``) lets that one token be revoked."""
    claims: dict[str, object] = {
        "sub": user.username,
        "role": user.role,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=ttl_minutes)).timestamp()),
    }
    if session_id is not None:
        claims["jti"] = str(session_id)
    return jwt.encode(claims, secret, algorithm=TOKEN_ALGORITHM)


@dataclass(frozen=True)
class Claims:
    """What a valid token says: whose it is, until when, and its sign-in session (tokens
    issued before sessions existed have none: they last until they expire)."""

    username: str
    expires: float
    session_id: uuid.UUID | None


def read_claims(token: str, *, secret: str) -> Claims:
    """What a valid token says; raises AuthenticationFailed otherwise."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[TOKEN_ALGORITHM], options={"require": ["exp", "sub"]}
        )
        session_id = uuid.UUID(str(claims["jti"])) if "jti" in claims else None
    except jwt.ExpiredSignatureError as exc:
        raise AuthenticationFailed("the token has expired; sign in again") from exc
    except (jwt.PyJWTError, ValueError) as exc:
        raise AuthenticationFailed("the token is not valid; sign in again") from exc
    return Claims(str(claims["sub"]), float(claims["exp"]), session_id)


async def user_for_token(session: AsyncSession, token: str, *, secret: str) -> tuple[User, Claims]:
    """The account a valid, unrevoked token speaks for (disabled or not: the caller decides);
    AuthenticationFailed otherwise."""
    claims = read_claims(token, secret=secret)
    if claims.session_id is None:
        return await get_user(session, claims.username), claims
    # The account and its sign-in in one round trip (every request whose token is not cached).
    found = (
        await session.execute(
            select(User, SignInSession)
            .outerjoin(
                SignInSession,
                and_(SignInSession.id == claims.session_id, SignInSession.user_id == User.id),
            )
            .where(User.username == claims.username)
        )
    ).first()
    if found is None:
        raise NotFound(f"no user called {claims.username!r}")
    user, signed_in = found
    if signed_in is None:  # no such sign-in, or another account's
        raise AuthenticationFailed("the token is not valid; sign in again")
    if signed_in.revoked_at is not None:
        raise AuthenticationFailed("this token was revoked (signed out); sign in again")
    return user, claims


async def open_session(
    session: AsyncSession, user: User, *, address: str | None, now: datetime, ttl_minutes: int
) -> SignInSession:
    """Record a sign-in; its id goes into the token."""
    row = SignInSession(
        id=uuid.uuid4(),
        user_id=user.id,
        issued_at=now,
        expires_at=now + timedelta(minutes=ttl_minutes),
        address=address,
    )
    session.add(row)
    await session.flush()
    return row


async def list_sessions(
    session: AsyncSession, *, username: str | None, now: datetime
) -> list[tuple[SignInSession, str]]:
    """Sign-ins whose tokens still work (not revoked, not expired), newest first, with the
    account's name."""
    query = (
        select(SignInSession, User.username)
        .join(User, User.id == SignInSession.user_id)
        .where(SignInSession.revoked_at.is_(None), SignInSession.expires_at > now)
        .order_by(SignInSession.issued_at.desc())
    )
    if username is not None:
        query = query.where(User.username == username)
    return [(row, name) for row, name in (await session.execute(query)).all()]


async def revoke_session(
    session: AsyncSession, actor: Actor, session_id: uuid.UUID, *, now: datetime
) -> SignInSession:
    """End one sign-in: its token stops working on every process within ``cache.TTL_S``."""
    row = await session.get(SignInSession, session_id)
    if row is None:
        raise NotFound(f"no sign-in session {session_id}")
    if row.revoked_at is not None:
        raise Conflict(f"sign-in session {session_id} was already revoked")
    owner = await session.scalar(select(User.username).where(User.id == row.user_id))
    row.revoked_at = now
    row.revoked_by = actor.username
    await audit.record(
        session,
        actor,
        "auth.session_revoked",
        "user",
        owner or "",
        {"session": str(row.id)},
        at=now,
    )
    emit(session, events.CHANGED, events.SessionRevoked(username=owner, session=str(row.id)))
    return row


async def list_api_keys(session: AsyncSession, username: str) -> list[ApiKey]:
    """A machine account's keys (revoked ones too), oldest first."""
    user = await get_user(session, username)
    rows = await session.scalars(
        select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.created_at)
    )
    return list(rows.all())


async def revoke_api_key(
    session: AsyncSession, actor: Actor, username: str, key_id: uuid.UUID, *, now: datetime
) -> ApiKey:
    """Revoke one key of ``username``: it stops working on every process within
    ``cache.TTL_S``; the account and its other keys keep working."""
    user = await get_user(session, username)
    row = await session.get(ApiKey, key_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"{username} has no API key {key_id}")
    if row.revoked_at is not None:
        raise Conflict(f"API key {key_id} was already revoked")
    row.revoked_at = now
    await audit.record(
        session, actor, "api_key.revoke", "user", username, {"key_id": str(key_id)}, at=now
    )
    emit(session, events.CHANGED, events.KeyRevoked(username=username, key=str(key_id)))
    return row


async def get_user(session: AsyncSession, username: str) -> User:
    """The account called ``username``; NotFound otherwise (asked once per snapshot)."""
    user = await once_per_snapshot(
        session,
        ("auth.get_user", username),
        lambda: session.scalar(select(User).where(User.username == username)),
    )
    if user is None:
        raise NotFound(f"no user called {username!r}")
    return user


# username → role, per database: an account's role never changes and accounts are never
# deleted, so the answer holds for the life of the process.
_roles: dict[tuple[str, str], str] = {}


async def role_of(session: AsyncSession, username: str) -> str:
    """The role of the account called ``username`` (any state); NotFound otherwise."""
    key = (str(session.get_bind().engine.url), username)
    role = _roles.get(key)
    if role is None:
        found = await session.scalar(select(User.role).where(User.username == username))
        if found is None:
            raise NotFound(f"no user called {username!r}")
        role = _roles[key] = found
    return role


async def authenticate(session: AsyncSession, username: str, password: str) -> User:
    """The active account whose password matches; AuthenticationFailed otherwise.

    The hash runs in a worker thread (scrypt releases the interpreter): a flood of sign-ins
    does not stall every console and feed on the event loop."""
    user = await session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or user.password_hash is None:
        # Same answer and similar cost whether the user exists or not.
        await asyncio.to_thread(_verify_dummy, password)
        reason = "no such account" if user is None else "account disabled or without password"
        account = None if user is None else user.username
        raise AuthenticationFailed("wrong username or password", account=account, reason=reason)
    if not await asyncio.to_thread(verify_password, password, user.password_hash):
        raise AuthenticationFailed(
            "wrong username or password", account=user.username, reason="wrong password"
        )
    return user


def _verify_dummy(password: str) -> None:
    verify_password(password, _dummy_hash())


async def record_failed_sign_in(
    session: AsyncSession,
    failure: AuthenticationFailed,
    *,
    ip: str | None,
    request_id: str | None,
    now: datetime,
) -> None:
    """The audit's entry of a refused sign-in: the account when it exists, where from and why;
    never the password, nor a name that is no account (it may be a password typed there)."""
    actor = Actor(
        username=failure.account or "unknown",
        role="anonymous",
        ip=ip,
        request_id=request_id,
    )
    await audit.record(
        session,
        actor,
        "auth.sign_in_failed",
        "user",
        failure.account or "",
        {"reason": failure.reason},
        at=now,
    )


async def user_for_api_key(session: AsyncSession, key: str) -> User:
    """The active account owning an unrevoked key; AuthenticationFailed otherwise."""
    row = await session.execute(
        select(User)
        .join(ApiKey, ApiKey.user_id == User.id)
        .where(ApiKey.key_hash == hash_api_key(key), ApiKey.revoked_at.is_(None))
    )
    user = row.scalar_one_or_none()
    if user is None or not user.active:
        raise AuthenticationFailed("the API key is not valid or has been revoked")
    return user


async def list_users(session: AsyncSession) -> list[User]:
    """Every account, by username."""
    return list((await session.scalars(select(User).order_by(User.username))).all())


async def create_user(
    session: AsyncSession,
    actor: Actor,
    *,
    username: str,
    role: Role,
    password: str | None,
    full_name: str = "",
    service_code: str | None = None,
    language: str = "uz",
    now: datetime,
    scrypt_n: int = 2**14,
) -> User:
    """Add an account; service accounts name their service, people need a password."""
    if await session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"a user called {username!r} already exists")
    if role is Role.SERVICE and not service_code:
        raise Invalid("a service account needs service_code, the service it speaks for")
    if role is not Role.SERVICE and service_code:
        raise Invalid("only service accounts have a service_code")
    if password is None and role not in (Role.GATEWAY, Role.SERVICE):
        raise Invalid("people sign in with a password; give one")
    user = User(
        username=username,
        role=role.value,
        full_name=full_name,
        password_hash=(
            await asyncio.to_thread(hash_password, password, n=scrypt_n) if password else None
        ),
        service_code=service_code,
        language=language,
        active=True,
        created_at=now,
    )
    session.add(user)
    await session.flush()
    await audit.record(
        session,
        actor,
        "user.create",
        "user",
        username,
        {"role": role.value, "service_code": service_code},
        at=now,
    )
    return user


async def set_active(
    session: AsyncSession, actor: Actor, username: str, *, active: bool, now: datetime
) -> User:
    """Enable or disable an account; a disabled account's tokens and keys stop working."""
    user = await get_user(session, username)
    if user.username == actor.username and not active:
        raise Conflict("you cannot disable your own account")
    user.active = active
    await audit.record(
        session, actor, "user.enable" if active else "user.disable", "user", username, at=now
    )
    emit(session, events.CHANGED, events.AccountActive(username=username, active=active))
    return user


async def create_api_key(
    session: AsyncSession,
    actor: Actor,
    username: str,
    *,
    label: str,
    now: datetime,
    key: str | None = None,
) -> tuple[ApiKey, str]:
    """A new key for a machine account; returns the row and the key, shown only now."""
    user = await get_user(session, username)
    if user.role not in (Role.GATEWAY, Role.SERVICE):
        raise Invalid("API keys are for machine accounts (roles gateway and service)")
    plain = key or "d112_" + secrets.token_urlsafe(32)
    row = ApiKey(user_id=user.id, key_hash=hash_api_key(plain), label=label, created_at=now)
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor,
        "api_key.create",
        "user",
        username,
        {"key_id": str(row.id), "label": label},
        at=now,
    )
    return row, plain


@functools.cache
def _dummy_hash() -> str:
    return hash_password("not-a-password")
