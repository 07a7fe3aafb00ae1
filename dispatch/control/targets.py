"""Whom a call can reach: the targets a request names, resolved (a colleague, a queue, a
directory entry, a number), and what the console's transfer dialog offers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.auth import service as auth
from dispatch.control import schemas
from dispatch.control.directory import Directory, EntryKind
from dispatch.control.lifecycle import TargetKind
from dispatch.errors import Invalid, NotFound
from dispatch.queues import catalog
from dispatch.queues import service as queues
from dispatch.queues.states import PSYCHOLOGICAL_SUPPORT, OperatorState


@dataclass(frozen=True, slots=True)
class Target:
    """Whom a leg reaches, resolved: the colleague's username or the number the gateway dials."""

    kind: TargetKind
    target: str
    name: str | None = None
    number: str | None = None

    @property
    def colleague(self) -> str | None:
        """The colleague's username when the target is one."""
        return self.target if self.kind is TargetKind.OPERATOR else None


async def targets(
    session: AsyncSession,
    found: Directory,
    *,
    region: str | None,
    service: str | None,
    kind: EntryKind | None,
    language: str | None,
    names: str,
) -> schemas.TargetsOut:
    """What a call can be transferred to or joined with: directory entries (``region``'s own
    first), the colleagues signed in (available ones can be asked), the active queues."""
    entries = [
        schemas.EntryOut(
            id=entry.id,
            kind=entry.kind,
            name=entry.name_in(names),
            number=entry.number,
            region=entry.region,
            service=entry.service,
            specialty=entry.specialty,
            languages=list(entry.languages),
        )
        for entry in found.find(region=region, service=service, kind=kind, language=language)
    ]
    full_names = {user.username: user.full_name for user in await auth.list_users(session)}
    colleagues = [
        schemas.ColleagueOut(
            username=row.username,
            full_name=full_names.get(row.username) or row.username,
            state=str(row.state),
            available=row.state == OperatorState.AVAILABLE,
            psychologist=PSYCHOLOGICAL_SUPPORT in (row.skills or {}),
            skills=sorted(row.skills or {}),
        )
        for row in await queues.list_operators(session)
        if row.state != OperatorState.SIGNED_OUT
    ]
    queue_rows = await catalog.list_queues(session, active_only=True)
    return schemas.TargetsOut(
        directory=entries,
        colleagues=colleagues,
        queues=[schemas.QueueTargetOut(name=q.name, title=q.title) for q in queue_rows],
    )


async def resolve_target(
    session: AsyncSession,
    directory: Directory,
    *,
    operator: str | None = None,
    queue: str | None = None,
    entry: str | None = None,
    number: str | None = None,
) -> Target:
    """The target named by exactly one of its four ways (422 otherwise, or when unknown)."""
    given = [value for value in (operator, queue, entry, number) if value]
    if len(given) != 1:
        raise Invalid("target: name exactly one of operator, queue, directory or number")
    if operator:
        try:
            user = await auth.get_user(session, operator)
        except NotFound as exc:
            raise Invalid(f"target.operator: there is no colleague called {operator!r}") from exc
        return Target(TargetKind.OPERATOR, operator, user.full_name or operator)
    if queue:
        return Target(TargetKind.QUEUE, queue, queue)
    if entry:
        try:
            found = directory.get(entry)
        except NotFound as exc:
            raise Invalid(f"target.directory: {exc.message}") from exc
        return Target(TargetKind.DIRECTORY, found.id, found.name.en, found.number)
    assert number is not None
    return Target(TargetKind.NUMBER, number, None, number)
