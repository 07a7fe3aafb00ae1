"""Commands to the gateways: a durable outbox, delivered at least once, in order.

A command is written in the caller's transaction (:func:`enqueue_command`) and published on the
bus (``gateway.command``) after the commit; every connected gateway receives it over
``/ws/gateway``. Its status moves ``pending`` → ``sent`` → ``acknowledged`` or ``failed``
(``COMMAND_TRANSITIONS``). A gateway that connects gets every command not yet acknowledged or
failed again, oldest first, so it must treat ``command_id`` as the key to drop repeats.

Call control (issue 26) adds two ends that are never re-sent: ``superseded`` (a later command
undid it before the gateway answered: a ``hold`` once its ``resume`` is queued, a monitor once
the supervisor changed its mode or stopped) and ``expired`` (the call ended first). A gateway
that carried one out anyway may still acknowledge it or report its failure.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, func, insert, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from dispatch.audit import service as audit
from dispatch.calls import events
from dispatch.calls.gateway.models import CommandStatus as CommandStatus  # beside its table
from dispatch.calls.gateway.models import GatewayCommand
from dispatch.calls.models import Call
from dispatch.core.actor import SYSTEM, Actor
from dispatch.core.bus import emit
from dispatch.core.database import plain_connection
from dispatch.errors import Conflict, Invalid, NotFound


class CommandType(StrEnum):
    """What the server asks a gateway to do."""

    OFFER = "offer"  # ring operator X's set with the call
    CONNECT = "connect"  # bridge the call to operator X's set
    TRANSFER = "transfer"  # move the call to operator X or to payload["to"]
    ORIGINATE = "originate"  # dial a callback to payload["number"] from operator X's set
    HANGUP = "hangup"  # end the call
    SEND_TEXT = "send_text"  # send payload["text"] to the caller by SMS or e-mail
    # Call control at the position (issue 26; the contract in the README).
    HOLD = "hold"  # put the caller of operator X's call on hold
    RESUME = "resume"  # take the caller off hold
    CONFERENCE = "conference"  # payload["action"]: add a party (payload["to"]), remove, leave
    MONITOR = "monitor"  # supervisor X listens, whispers or barges in (payload["mode"])
    STOP_MONITOR = "stop_monitor"  # supervisor X leaves the call they monitor


# A gateway may acknowledge a command that reached it through another server process before
# this one marked it sent, hence pending → acknowledged.
# A superseded or expired command is not sent again, but a gateway that had it may still
# answer it: what it reports happened is recorded.
_ANSWERED = frozenset({CommandStatus.ACKNOWLEDGED, CommandStatus.FAILED})
_OPEN_NEXT = _ANSWERED | {CommandStatus.SENT, CommandStatus.SUPERSEDED, CommandStatus.EXPIRED}
COMMAND_TRANSITIONS: Mapping[CommandStatus, frozenset[CommandStatus]] = {
    CommandStatus.PENDING: _OPEN_NEXT,
    CommandStatus.SENT: _OPEN_NEXT,
    CommandStatus.SUPERSEDED: _ANSWERED,
    CommandStatus.EXPIRED: _ANSWERED,
    CommandStatus.ACKNOWLEDGED: frozenset(),
    CommandStatus.FAILED: frozenset(),
}
OPEN = (CommandStatus.PENDING.value, CommandStatus.SENT.value)
NEEDS_OPERATOR = frozenset(
    {
        CommandType.OFFER,
        CommandType.CONNECT,
        CommandType.ORIGINATE,
        CommandType.HOLD,
        CommandType.RESUME,
        CommandType.MONITOR,
        CommandType.STOP_MONITOR,
    }
)
# The commands of call control: a call's open ones expire when it ends.
CALL_CONTROL = frozenset(
    {
        CommandType.HOLD,
        CommandType.RESUME,
        CommandType.TRANSFER,
        CommandType.CONFERENCE,
        CommandType.MONITOR,
        CommandType.STOP_MONITOR,
    }
)
CONFERENCE_ACTIONS = ("add", "remove", "leave")
MONITOR_MODES = ("listen", "whisper", "barge")
_NEW_COMMAND = insert(cast(Table, GatewayCommand.__table__))
_CALLER_NUMBER = select(Call.caller_number).where(
    Call.id == bindparam("call_id", type_=Call.__table__.c.id.type)
)


async def enqueue_command(
    session: AsyncSession,
    command: CommandType | str,
    call_id: uuid.UUID,
    operator: str | None = None,
    payload: Mapping[str, Any] | None = None,
    *,
    now: datetime,
    actor: Actor = SYSTEM,
) -> QueuedCommand:
    """Queue a command for the gateways in the caller's transaction; sent after its commit."""
    try:
        kind = CommandType(command)
    except ValueError as exc:
        known = ", ".join(CommandType)
        raise Invalid(f"command {command!r} is not known; known: {known}") from exc
    body = dict(payload or {})
    try:
        json.dumps(body)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"the payload of a {kind} command must be plain JSON: {exc}") from exc
    if kind in NEEDS_OPERATOR and not operator:
        raise Invalid(f"a {kind} command needs the operator whose set it uses")
    if kind is CommandType.TRANSFER and not (operator or body.get("to")):
        raise Invalid("a transfer command needs the operator or payload['to'] to transfer to")
    if kind is CommandType.SEND_TEXT and not (isinstance(body.get("text"), str) and body["text"]):
        raise Invalid("a send_text command needs payload['text']")
    if kind is CommandType.CONFERENCE and body.get("action") not in CONFERENCE_ACTIONS:
        raise Invalid(f"a conference command needs payload['action'], one of {CONFERENCE_ACTIONS}")
    if kind is CommandType.MONITOR and body.get("mode") not in MONITOR_MODES:
        raise Invalid(f"a monitor command needs payload['mode'], one of {MONITOR_MODES}")
    if session.new or session.dirty or session.deleted:
        await session.flush()  # the call, or what the command refers to, is written first
    connection = await plain_connection(session)
    # A call this transaction has read already (an accept's, locked) is not read again, unless
    # its number was expired meanwhile (a savepoint's rollback): reading it would be a lazy load.
    found: Any = session.identity_map.get(identity_key(Call, call_id))
    if found is None or "caller_number" in inspect(found).unloaded:
        found = (await connection.execute(_CALLER_NUMBER, {"call_id": call_id})).first()
    if found is None:
        raise NotFound(f"no call with id {call_id}")
    if kind is CommandType.ORIGINATE and not body.get("number"):
        if not found.caller_number:
            raise Invalid("an originate command needs payload['number']; the caller's is withheld")
        body["number"] = found.caller_number
    row = QueuedCommand(
        command_id=uuid.uuid4(),
        command=kind.value,
        call_id=call_id,
        operator=operator,
        payload=body,
        created_at=now,
    )
    # One prebuilt insert on the transaction's connection (the ACD's tick and every accept
    # make a command: the ORM's unit of work for it was a sixth of a tick).
    await connection.execute(
        _NEW_COMMAND,
        {
            "command_id": row.command_id,
            "command": row.command,
            "call_id": call_id,
            "operator": operator,
            "payload": body,
            "status": CommandStatus.PENDING.value,
            "attempts": 0,
            "created_at": now,
            "created_by": actor.username,
        },
    )
    await audit.record(
        session,
        actor,
        "gateway.command",
        "call",
        str(call_id),
        {"command": kind.value, "command_id": str(row.command_id), "operator": operator},
        at=now,
    )
    emit(session, events.COMMAND, command_document(row))
    return row


class CommandFollow(Protocol):
    """What follows a gateway's answer to a command in its transaction (call control's legs:
    ``dispatch.flows.control.command_answered``, kept on ``app.state.command_answered``)."""

    async def __call__(
        self,
        session: AsyncSession,
        actor: Actor,
        command: GatewayCommand,
        *,
        acknowledged: bool,
        reason: str | None,
        now: datetime,
    ) -> None:
        """Bring what depends on the command in line with the gateway's answer."""
        ...


@dataclass(frozen=True, slots=True)
class QueuedCommand:
    """A command just queued, as its caller and the gateways see it."""

    command_id: uuid.UUID
    command: str
    call_id: uuid.UUID
    operator: str | None
    payload: dict[str, Any]
    created_at: datetime


def command_document(row: GatewayCommand | QueuedCommand) -> events.Command:
    """The command as the gateway receives it over the websocket."""
    return events.Command(
        type="command",
        command_id=str(row.command_id),
        command=row.command,
        call_id=str(row.call_id),
        operator=row.operator,
        payload=row.payload,
        created_at=row.created_at.isoformat(),
    )


async def get_command(session: AsyncSession, command_id: uuid.UUID) -> GatewayCommand:
    """The command with ``command_id``; NotFound otherwise."""
    row = await session.scalar(
        select(GatewayCommand).where(GatewayCommand.command_id == command_id)
    )
    if row is None:
        raise NotFound(f"no gateway command with id {command_id}")
    return row


async def check_command_of_call(
    session: AsyncSession, command_id: uuid.UUID, call_id: uuid.UUID
) -> None:
    """Refuse (422) a ``command_id`` that names no command of the call."""
    row = await session.scalar(
        select(GatewayCommand).where(GatewayCommand.command_id == command_id)
    )
    if row is None:
        raise Invalid(f"command_id: no gateway command with id {command_id}")
    if row.call_id != call_id:
        raise Invalid(f"command_id: command {command_id} was for call {row.call_id}, not this one")


async def unacknowledged(session: AsyncSession) -> list[GatewayCommand]:
    """Every command still pending or sent, oldest first: what a connecting gateway gets."""
    rows = await session.scalars(
        select(GatewayCommand).where(GatewayCommand.status.in_(OPEN)).order_by(GatewayCommand.id)
    )
    return list(rows.all())


async def unsent(session: AsyncSession, *, made_before: datetime) -> list[GatewayCommand]:
    """The commands no connection has sent yet, made before ``made_before``, oldest first:
    those whose event another server process published while Redis was away."""
    rows = await session.scalars(
        select(GatewayCommand)
        .where(
            GatewayCommand.status == CommandStatus.PENDING.value,
            GatewayCommand.created_at < made_before,
        )
        .order_by(GatewayCommand.id)
    )
    return list(rows.all())


async def mark_sent(
    session: AsyncSession, actor: Actor, command_ids: Sequence[uuid.UUID], *, now: datetime
) -> None:
    """Record that the commands went out to a gateway (again): one statement for all.

    Not audited entry by entry: the row keeps when it was first sent and how often, as the
    feeds' outbox does for deliveries; the command's creation and the gateway's answer are.
    """
    if not command_ids:
        return
    await session.execute(
        update(GatewayCommand)
        .where(
            GatewayCommand.command_id.in_(list(command_ids)),
            GatewayCommand.status.in_(
                [s.value for s, nxt in COMMAND_TRANSITIONS.items() if CommandStatus.SENT in nxt]
            ),
        )
        .values(
            status=CommandStatus.SENT.value,
            attempts=GatewayCommand.attempts + 1,
            sent_at=func.coalesce(GatewayCommand.sent_at, now),
        )
        .execution_options(synchronize_session="fetch")
    )


async def acknowledge(
    session: AsyncSession, actor: Actor, command_id: uuid.UUID, *, now: datetime
) -> GatewayCommand:
    """The gateway carried out the command; a repeated acknowledgement changes nothing."""
    row = await _locked(session, command_id)
    if row.status == CommandStatus.ACKNOWLEDGED:
        return row
    _check_transition(row, CommandStatus.ACKNOWLEDGED)
    row.status = CommandStatus.ACKNOWLEDGED
    row.acknowledged_at = now
    await audit.record(
        session,
        actor,
        "gateway.command.ack",
        "call",
        str(row.call_id),
        {"command_id": str(command_id)},
        at=now,
    )
    emit(session, events.COMMAND_ACKNOWLEDGED, _status_payload(row))
    return row


async def fail(
    session: AsyncSession, actor: Actor, command_id: uuid.UUID, reason: str, *, now: datetime
) -> GatewayCommand:
    """The gateway could not carry out the command (it is not sent again)."""
    row = await _locked(session, command_id)
    _check_transition(row, CommandStatus.FAILED)
    row.status = CommandStatus.FAILED
    row.failed_at = now
    row.error = reason[:2000]
    await audit.record(
        session,
        actor,
        "gateway.command.fail",
        "call",
        str(row.call_id),
        {"command_id": str(command_id), "reason": row.error},
        at=now,
    )
    emit(
        session,
        events.COMMAND_FAILED,
        events.CommandFailed(**_status_payload(row), reason=row.error),
    )
    return row


async def withdraw(
    session: AsyncSession,
    actor: Actor,
    call_id: uuid.UUID,
    kinds: Sequence[CommandType],
    status: CommandStatus,
    *,
    now: datetime,
    operator: str | None = None,
) -> list[uuid.UUID]:
    """Mark the call's open commands of ``kinds`` (of ``operator``'s set when named)
    ``superseded`` or ``expired``: no gateway is sent them again. The ids marked."""
    ids = await open_commands(session, call_id, kinds, operator=operator)
    return await _withdraw(session, actor, call_id, ids, status, now=now)


async def open_commands(
    session: AsyncSession,
    call_id: uuid.UUID,
    kinds: Sequence[CommandType],
    *,
    operator: str | None = None,
) -> list[uuid.UUID]:
    """The ids of the call's commands of ``kinds`` still pending or sent (of ``operator``'s
    set when named)."""
    query = select(GatewayCommand.command_id).where(
        GatewayCommand.call_id == call_id,
        GatewayCommand.command.in_([kind.value for kind in kinds]),
        GatewayCommand.status.in_(OPEN),
    )
    if operator is not None:
        query = query.where(GatewayCommand.operator == operator)
    return list((await session.scalars(query)).all())


async def withdraw_one(
    session: AsyncSession,
    actor: Actor,
    call_id: uuid.UUID,
    command_id: uuid.UUID,
    status: CommandStatus,
    *,
    now: datetime,
) -> list[uuid.UUID]:
    """``withdraw`` for one command (when still open); the ids marked."""
    found = await session.scalar(
        select(GatewayCommand.command_id).where(
            GatewayCommand.command_id == command_id, GatewayCommand.status.in_(OPEN)
        )
    )
    return await _withdraw(session, actor, call_id, [found] if found else [], status, now=now)


async def _withdraw(
    session: AsyncSession,
    actor: Actor,
    call_id: uuid.UUID,
    ids: list[uuid.UUID],
    status: CommandStatus,
    *,
    now: datetime,
) -> list[uuid.UUID]:
    if status not in (CommandStatus.SUPERSEDED, CommandStatus.EXPIRED):
        raise ValueError(f"{status} does not withdraw a command")
    if not ids:
        return []
    movable = [s.value for s, nexts in COMMAND_TRANSITIONS.items() if status in nexts]
    await session.execute(
        update(GatewayCommand)
        .where(GatewayCommand.command_id.in_(ids), GatewayCommand.status.in_(movable))
        .values(status=status.value)
        .execution_options(synchronize_session="fetch")
    )
    await audit.record(
        session,
        actor,
        f"gateway.command.{status.value}",
        "call",
        str(call_id),
        {"command_ids": [str(command_id) for command_id in ids]},
        at=now,
    )
    return ids


async def statuses(session: AsyncSession, command_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The status of each command named (for showing whether a reply went out)."""
    if not command_ids:
        return {}
    rows = await session.execute(
        select(GatewayCommand.command_id, GatewayCommand.status).where(
            GatewayCommand.command_id.in_(command_ids)
        )
    )
    return {row.command_id: row.status for row in rows}


async def list_commands(
    session: AsyncSession,
    *,
    status: CommandStatus | None = None,
    call_id: uuid.UUID | None = None,
    limit: int = 100,
) -> list[GatewayCommand]:
    """Commands, newest first, optionally of one status or call."""
    query = select(GatewayCommand)
    if status is not None:
        query = query.where(GatewayCommand.status == status.value)
    if call_id is not None:
        query = query.where(GatewayCommand.call_id == call_id)
    rows = await session.scalars(query.order_by(GatewayCommand.id.desc()).limit(limit))
    return list(rows.all())


async def _locked(session: AsyncSession, command_id: uuid.UUID) -> GatewayCommand:
    row = await session.scalar(
        select(GatewayCommand)
        .where(GatewayCommand.command_id == command_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound(f"no gateway command with id {command_id}")
    return row


def _check_transition(row: GatewayCommand, new: CommandStatus) -> None:
    current = CommandStatus(row.status)
    if new not in COMMAND_TRANSITIONS[current]:
        raise Conflict(f"command {row.command_id} is {current}; it cannot become {new}")


def _status_payload(row: GatewayCommand) -> events.CommandSettled:
    return events.CommandSettled(
        command_id=str(row.command_id),
        command=row.command,
        call_id=str(row.call_id),
        status=row.status,
    )
