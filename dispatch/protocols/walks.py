"""Walking a protocol on a card (issue 24): start it, answer, give instructions, override the
priority it proposes; the walk is worked out here from the version's definition, what happened
is kept by ``cards.protocol_runs`` (written onto the card at most every few seconds and at route
and close)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.cards import protocol_runs
from dispatch.cards import store as cards
from dispatch.core.actor import Actor
from dispatch.errors import Invalid, said
from dispatch.protocols import engine, service
from dispatch.protocols.definition import LANGUAGES, Definition, Determinant, Node
from dispatch.protocols.models import ProtocolVersion
from dispatch.protocols.service import VersionStatus

if TYPE_CHECKING:
    from dispatch.cards.models import ProtocolRun


@dataclass(frozen=True, slots=True)
class WalkView:
    """A run with its version and where the walk stands."""

    run: ProtocolRun
    version: ProtocolVersion
    definition: Definition
    walk: engine.Walk


def _determinant(found: Determinant | None, language: str) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "code": found.code,
        "title": getattr(found.title, language),
        "priority": found.priority,
        "services": list(found.services),
        "risk": found.risk,
        "escalation_required": found.escalation_required,
    }


def _answers(run: ProtocolRun) -> dict[str, Any]:
    return {a["node"]: a["raw"] for a in run.answers}


def _view(run: ProtocolRun, version: ProtocolVersion) -> WalkView:
    definition = service.definition_of(version)
    given = {g["node"] for g in run.given}
    return WalkView(run, version, definition, engine.walk(definition, _answers(run), given))


def _shown(value: Any, node: Node, language: str) -> str:
    """The answer as the card carries it: yes/no, the choice's text, the number, the text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if node.answer is not None and node.answer.type == "choice":
        choice = next(c for c in node.answer.choices if c.code == value)
        return f"{choice.code}: {getattr(choice.text, language)}"[: engine.TEXT_MAX]
    if isinstance(value, float):
        shown = f"{value:g}"
        return f"{shown} {node.answer.unit}" if node.answer and node.answer.unit else shown
    return str(value)


async def start(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    code: str,
    *,
    language: str | None,
    now: datetime,
) -> WalkView:
    """Start (or carry on) protocol ``code`` on the card, in the caller's language when the
    protocol has it."""
    version = await service.usable(session, code)
    card = cards.to_card(await cards.load(session, card_id))
    chosen = language or (card.language if card.language in LANGUAGES else "uz")
    if chosen not in LANGUAGES:
        raise Invalid(f"protocols are written in {', '.join(LANGUAGES)}, not {chosen!r}")
    run = await protocol_runs.start(
        session,
        actor,
        card_id,
        code=code,
        version=version.version,
        version_id=version.id,
        approved=version.status == VersionStatus.APPROVED.value,
        language=chosen,
        now=now,
    )
    return await view(session, run)


async def view(session: AsyncSession, run: ProtocolRun) -> WalkView:
    """Where the run's walk stands."""
    version = await session.get(ProtocolVersion, run.protocol_version_id)
    assert version is not None  # versions are never deleted
    return _view(run, version)


async def step(
    session: AsyncSession,
    actor: Actor,
    run_id: uuid.UUID,
    *,
    node_id: str,
    value: Any = None,
    given: bool = False,
    now: datetime,
) -> WalkView:
    """Answer question ``node_id`` with ``value``, or mark instruction ``node_id`` as given.
    Only the node the walk stands at (or a question already passed, to correct it) is taken."""
    run = await protocol_runs.get(session, run_id, for_update=True)
    current = await view(session, run)
    try:
        node = current.definition.node(node_id)
    except StopIteration:
        raise Invalid(f"protocol {run.protocol_code} has no node {node_id!r}") from None
    reachable = set(current.walk.path)
    if node_id not in reachable:
        raise Invalid(
            f"{node_id} is not on the walk yet; the walk stands at {current.walk.current}",
            said=said("protocol_not_on_walk", node=node_id, current=current.walk.current or ""),
        )
    language = run.language
    text = getattr(node.text, language)
    answer = None
    given_now = None
    answers = _answers(run)
    given_nodes = {g["node"] for g in run.given}
    if given:
        if node.kind != "instruction":
            raise Invalid(f"{node_id} is not an instruction")
        given_now = {"node": node_id, "text": text}
        given_nodes.add(node_id)
    else:
        try:
            checked = engine.check_answer(node, value)
        except engine.BadAnswer as exc:
            raise Invalid(str(exc)) from exc
        answer = {
            "node": node_id,
            "question": text,
            "value": _shown(checked, node, language),
            "raw": checked,
        }
        answers[node_id] = checked
    after = engine.walk(current.definition, answers, given_nodes)
    await protocol_runs.record(
        session,
        actor,
        run,
        answer=answer,
        given=given_now,
        determinant=_determinant(after.determinant, language),
        now=now,
    )
    return _view(run, current.version)


async def override(
    session: AsyncSession,
    actor: Actor,
    run_id: uuid.UUID,
    *,
    priority: int | None,
    reason: str | None,
    now: datetime,
) -> WalkView:
    """The operator sets the card's priority other than the determinant proposes (a reason is
    required), or takes the override back (``priority`` None)."""
    if priority is not None and not (reason and reason.strip()):
        raise Invalid(
            "overriding the priority a protocol proposes needs a reason",
            said=said("protocol_override_reason"),
        )
    run = await protocol_runs.get(session, run_id, for_update=True)
    await protocol_runs.override(
        session, actor, run, priority=priority, reason=reason and reason.strip(), now=now
    )
    return await view(session, run)
