"""Call control over HTTP: the operator's hold, transfer, conference and leave; the supervisor's
listen-in, whisper and barge-in; the transfer directory. Every refusal is 409 with its reason
code (``detail_code``), or 422 for a request that names nothing usable."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from dispatch.auth.roles import Role
from dispatch.control import directory, legs, service, targets
from dispatch.control.directory import EntryKind
from dispatch.control.schemas import (
    CommandQueued,
    ConferenceIn,
    LeaveIn,
    LegOut,
    MonitorIn,
    TargetIn,
    TargetsOut,
    TransferIn,
)
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles
from dispatch.flows import calls as flows

router = APIRouter(prefix="/api/v1", tags=["call control"])

CallTaker = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR)]
Supervisor = Annotated[Principal, roles(Role.SUPERVISOR)]
LegReader = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR, Role.QA)]


def _directory(settings: SettingsDep) -> directory.Directory:
    return directory.of(settings.transfer_directory)


async def _target(session: Session, settings: SettingsDep, body: TargetIn) -> targets.Target:
    return await targets.resolve_target(
        session,
        _directory(settings),
        operator=body.operator,
        queue=body.queue,
        entry=body.directory,
        number=body.number,
    )


@router.post("/calls/{call_id}/hold", response_model=CommandQueued, status_code=202)
async def hold(
    call_id: uuid.UUID, session: Session, who: CallTaker, clock: ClockDep
) -> CommandQueued:
    """Put the caller on hold (the call is ``held`` once the gateway reports it)."""
    queued = await service.hold(session, who.actor, call_id, now=clock.now())
    return CommandQueued(command_id=queued.command_id, command=queued.command, call_id=call_id)


@router.post("/calls/{call_id}/resume", response_model=CommandQueued, status_code=202)
async def resume(
    call_id: uuid.UUID, session: Session, who: CallTaker, clock: ClockDep
) -> CommandQueued:
    """Take the caller off hold (a hold not yet carried out is withdrawn)."""
    queued = await service.resume(session, who.actor, call_id, now=clock.now())
    return CommandQueued(command_id=queued.command_id, command=queued.command, call_id=call_id)


@router.post("/calls/{call_id}/transfer", response_model=LegOut, status_code=201)
async def transfer(
    call_id: uuid.UUID,
    body: TransferIn,
    session: Session,
    who: CallTaker,
    clock: ClockDep,
    settings: SettingsDep,
) -> LegOut:
    """Transfer the caller, blind or attended, to a colleague, a queue, a directory entry or a
    number."""
    target = await _target(session, settings, body.target)
    leg = await service.transfer(
        session, who.actor, call_id, target, body.mode, follow=flows.follow_call, now=clock.now()
    )
    return LegOut.model_validate(leg)


@router.post("/calls/{call_id}/conference", response_model=LegOut, status_code=201)
async def conference(
    call_id: uuid.UUID,
    body: ConferenceIn,
    session: Session,
    who: CallTaker,
    clock: ClockDep,
    settings: SettingsDep,
) -> LegOut:
    """Add a party to the call: a three-way conference once it answers."""
    target = await _target(session, settings, body.target)
    leg = await service.conference(session, who.actor, call_id, target, now=clock.now())
    return LegOut.model_validate(leg)


@router.post("/calls/{call_id}/leave", response_model=LegOut)
async def leave(
    call_id: uuid.UUID, body: LeaveIn, session: Session, who: CallTaker, clock: ClockDep
) -> LegOut:
    """Leave the call to the party on it: a colleague takes the call and its card."""
    leg = await service.leave(
        session, who.actor, call_id, body.leg_id, follow=flows.follow_call, now=clock.now()
    )
    return LegOut.model_validate(leg)


@router.get("/calls/{call_id}/legs", response_model=list[LegOut])
async def list_legs(call_id: uuid.UUID, session: Session, _: LegReader) -> list[LegOut]:
    """Every party asked onto the call, oldest first."""
    return [LegOut.model_validate(leg) for leg in await legs.of_call(session, call_id)]


@router.delete("/calls/{call_id}/legs/{leg_id}", response_model=LegOut)
async def remove_leg(
    call_id: uuid.UUID, leg_id: uuid.UUID, session: Session, who: CallTaker, clock: ClockDep
) -> LegOut:
    """Take a party off the call, or stop asking it (the caller stays with the operator)."""
    leg = await service.remove(session, who.actor, call_id, leg_id, now=clock.now())
    return LegOut.model_validate(leg)


@router.post("/calls/{call_id}/monitor", response_model=LegOut, status_code=201)
async def monitor(
    call_id: uuid.UUID, body: MonitorIn, session: Session, who: Supervisor, clock: ClockDep
) -> LegOut:
    """Listen in, whisper to the operator, or barge in (again with another mode: change it)."""
    leg = await service.monitor(session, who.actor, call_id, body.mode, now=clock.now())
    return LegOut.model_validate(leg)


@router.delete("/calls/{call_id}/monitor", response_model=LegOut)
async def stop_monitor(
    call_id: uuid.UUID, session: Session, who: Supervisor, clock: ClockDep
) -> LegOut:
    """Leave the call you monitor."""
    leg = await service.stop_monitor(session, who.actor, call_id, now=clock.now())
    return LegOut.model_validate(leg)


@router.get("/transfer-targets", response_model=TargetsOut)
async def transfer_targets(
    session: Session,
    _: CallTaker,
    settings: SettingsDep,
    region: Annotated[str | None, Query(pattern=r"^UZ-[A-Z]{2}$")] = None,
    service_code: Annotated[str | None, Query(alias="service", pattern=r"^[0-9]{3,4}$")] = None,
    kind: EntryKind | None = None,
    language: Annotated[str | None, Query(pattern=r"^[a-z]{2,3}$")] = None,
    names: Literal["uz", "ru", "en"] = "en",
) -> TargetsOut:
    """The directory entries for a call in ``region`` (its own, then the national ones), the
    colleagues signed in, and the queues."""
    return await targets.targets(
        session,
        _directory(settings),
        region=region,
        service=service_code,
        kind=kind,
        language=language,
        names=names,
    )
