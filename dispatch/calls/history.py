"""A caller's earlier calls: the same number (or, for e-mail, the same address) shortly before.

The caller is matched by ``calls.caller_key`` (the number in one comparable form, indexed) or,
without a number, by ``calls.caller_address`` (indexed); a call without either has no history.
The cards of these calls are the cards capability's to add (``dispatch.cards.caller_history``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from dispatch.calls.lifecycle import CallStatus
from dispatch.calls.models import Call
from dispatch.calls.schemas import EarlierCall

HISTORY_WINDOW = timedelta(days=30)
# More than this many calls in the window is a pattern, not a history to read call by call.
HISTORY_LIMIT = 100

_COLUMNS = (
    Call.id,
    Call.created_at,
    Call.channel,
    Call.status,
    Call.answered_at,
    Call.ended_at,
    Call.talk_seconds,
    Call.operator,
)
_IN_WINDOW = (
    (Call.created_at >= bindparam("since"))
    & (Call.created_at <= bindparam("until"))
    & (Call.id != bindparam("this_call"))
)
_ORDER = (Call.created_at.desc(), Call.id.desc())
_NO_CALL = uuid.UUID(int=0)


def _earlier_by(column: InstrumentedAttribute[str | None]) -> Any:
    """The caller's calls in the window, matched on ``column``, newest first."""
    return (
        select(*_COLUMNS)
        .where((column == bindparam("caller")) & _IN_WINDOW)
        .order_by(*_ORDER)
        .limit(bindparam("most"))
    )


_BY_NUMBER = _earlier_by(Call.caller_key)
_BY_ADDRESS = _earlier_by(Call.caller_address)


def caller_of(call: Call) -> str | None:
    """Who the history is of: the number in its comparable form, else the e-mail address."""
    return call.caller_key or call.caller_address


async def earlier_calls(
    session: AsyncSession,
    call: Call,
    *,
    window: timedelta = HISTORY_WINDOW,
    limit: int = HISTORY_LIMIT,
) -> tuple[list[EarlierCall], bool]:
    """The caller's other calls made within ``window`` before ``call`` began, newest first,
    at most ``limit`` of them; True when there were more."""
    caller = caller_of(call)
    if caller is None:
        return [], False
    return await _calls(
        session,
        _BY_NUMBER if call.caller_key else _BY_ADDRESS,
        caller,
        since=call.created_at - window,
        until=call.created_at,
        excluding=call.id,
        limit=limit,
    )


async def calls_of_number(
    session: AsyncSession,
    number: str,
    *,
    since: datetime,
    until: datetime,
    limit: int = HISTORY_LIMIT,
) -> tuple[list[EarlierCall], bool]:
    """The calls from ``number`` (normalised, ``numbers.normalise_number``) made in
    [since, until], newest first, at most ``limit``; True when there were more."""
    return await _calls(
        session, _BY_NUMBER, number, since=since, until=until, excluding=None, limit=limit
    )


async def _calls(
    session: AsyncSession,
    statement: Any,
    caller: str,
    *,
    since: datetime,
    until: datetime,
    excluding: uuid.UUID | None,
    limit: int,
) -> tuple[list[EarlierCall], bool]:
    rows = (
        await session.execute(
            statement,
            {
                "caller": caller,
                "since": since,
                "until": until,
                "this_call": excluding or _NO_CALL,
                "most": limit + 1,
            },
        )
    ).all()
    found = [
        EarlierCall(
            id=row.id,
            created_at=row.created_at,
            channel=row.channel,
            status=CallStatus(row.status),
            answered_at=row.answered_at,
            ended_at=row.ended_at,
            talk_seconds=row.talk_seconds,
            operator=row.operator,
        )
        for row in rows[:limit]
    ]
    return found, len(rows) > limit
