"""The surge policy (issue 22): when the centre is short of operators, live calls come before
callbacks of calls nobody classified.

Beyond capacity, most abandoned calls become callbacks; dialling them takes operators from the
live calls waiting, who abandon in turn (the simulator collapsed: 35 of 454 answered, 647 dials).
In surge the ACD ranks every callback without a card's priority (task priority 0) behind every
waiting call, and never dials one by an operator who could take a waiting call; callbacks of
classified cards keep their rank (a priority 1–2 card's callback, task priority 5–4, still
goes before new calls).

Whether the centre is in surge is one row (``queue_surge``):

- ``mode`` ``auto`` (the default): the ACD judges every ``DISPATCH_SURGE_RECHECK_S`` from
  staffing (``shortfall.staffing``: Erlang C for the last half hour, or callers waiting past
  the target with nobody free), in surge when short of ``DISPATCH_SURGE_SHORTFALL`` operators
  or more; ``DISPATCH_SURGE_POLICY=false`` never judges it in surge;
- ``on`` / ``off``: a supervisor switched it by hand (audited, with a reason), until switched
  back to ``auto``.

The row also holds the latest judgement (``active``, ``why`` as a code the consoles say in
their language, its figures, ``since``): a console in any process reads it, and the ACD writes
it only when it changes (``queues.surge`` on the bus).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.core.settings import Settings
from dispatch.errors import Invalid, said
from dispatch.queues import events, shortfall, summary
from dispatch.queues.models import SurgeState

ROW = 1
# In an automatic surge's figures: when it was last judged short (ISO).
SHORT_AT = "short_at"


class SurgeMode(StrEnum):
    """Who decides: the ACD from staffing, or a supervisor by hand."""

    AUTO = "auto"
    ON = "on"
    OFF = "off"


class Why(StrEnum):
    """Why the centre is or is not in surge (the consoles' texts: ``surge_why_<code>``)."""

    SWITCHED_ON = "switched_on"  # a supervisor switched it on
    SWITCHED_OFF = "switched_off"  # a supervisor switched it off
    SHORT_ERLANG = "short_erlang"  # Erlang C asks for more operators than are staffed
    SHORT_WAITING = "short_waiting"  # callers wait past the target and nobody is free
    STAFFED = "staffed"  # enough operators
    POLICY_OFF = "policy_off"  # DISPATCH_SURGE_POLICY=false
    NO_MODEL = "no_model"  # no service-level target to judge by


@dataclass(frozen=True)
class Judgement:
    """In surge or not, why, and the staffing figures it was judged from."""

    active: bool
    why: Why
    figures: dict[str, Any]


def judge(mode: SurgeMode, staffing: dict[str, Any] | None, settings: Settings) -> Judgement:
    """The judgement ``mode`` and ``staffing`` (``shortfall.staffing``; None when the mode
    does not need it) give under ``settings``."""
    if mode is SurgeMode.ON:
        return Judgement(True, Why.SWITCHED_ON, {})
    if mode is SurgeMode.OFF:
        return Judgement(False, Why.SWITCHED_OFF, {})
    if not settings.surge_policy:
        return Judgement(False, Why.POLICY_OFF, {})
    if staffing is None or not staffing.get("available"):
        return Judgement(False, Why.NO_MODEL, {})
    figures = {
        key: staffing[key]
        for key in ("needed", "staffed", "shortfall", "calls_per_hour", "waiting_past_target")
    }
    if staffing["shortfall"] < settings.surge_shortfall:
        return Judgement(False, Why.STAFFED, figures)
    basis = Why.SHORT_WAITING if staffing["basis"] == "waiting" else Why.SHORT_ERLANG
    return Judgement(True, basis, figures)


async def row(session: AsyncSession) -> SurgeState | None:
    """The surge row, None before the first judgement."""
    return await session.get(SurgeState, ROW)


async def mode_of(session: AsyncSession) -> SurgeMode:
    """The mode in force (``auto`` until a supervisor sets another)."""
    found = await row(session)
    return SurgeMode(found.mode) if found is not None else SurgeMode.AUTO


async def judged(
    session: AsyncSession, settings: Settings, *, mode: SurgeMode, now: datetime
) -> Judgement:
    """Judge now (reads staffing only when ``mode`` is ``auto`` and the policy is on)."""
    staffing = None
    if mode is SurgeMode.AUTO and settings.surge_policy:
        overall = await summary.summary(session, now=now, tz=settings.tz)
        staffing = await shortfall.staffing(session, overall, now=now, surge=True)
    return judge(mode, staffing, settings)


async def record(
    session: AsyncSession, judgement: Judgement, *, now: datetime, announce: bool = False
) -> SurgeState:
    """Store ``judgement`` on the row (made on the first call), locked, when it differs from the
    stored one (``judged_at``: when the judgement shown was made); ``surge.changed`` on the bus
    when it changed what the consoles show (in surge or not, why, the shortfall), or always
    with ``announce``."""
    found = await session.get(SurgeState, ROW, with_for_update={"key_share": True})
    if found is None:
        found = SurgeState(id=ROW, mode=SurgeMode.AUTO.value, since=now, active=False)
        session.add(found)
    elif not announce and (found.active, found.why, found.figures) == (
        judgement.active,
        judgement.why.value,
        judgement.figures,
    ):
        return found  # nothing new: nothing written (the ACD judges every few seconds)
    before = (found.active, found.why, (found.figures or {}).get("shortfall"))
    if found.active != judgement.active:
        found.since = now
    found.active, found.why, found.figures = (
        judgement.active,
        judgement.why.value,
        judgement.figures,
    )
    found.judged_at = now
    await session.flush()
    if announce or before != (found.active, found.why, judgement.figures.get("shortfall")):
        emit(session, events.SURGE, events.SurgeChanged(active=found.active, why=found.why))
    return found


async def rejudge(session: AsyncSession, settings: Settings, *, now: datetime) -> SurgeState:
    """The ACD's judgement under the mode in force (the row locked first: a supervisor's
    switch is never overwritten by a judgement made under the mode before it)."""
    found = await session.get(SurgeState, ROW, with_for_update={"key_share": True})
    mode = SurgeMode(found.mode) if found is not None else SurgeMode.AUTO
    judgement = await judged(session, settings, mode=mode, now=now)
    automatic = mode is SurgeMode.AUTO
    if automatic and judgement.active:
        figures = {**judgement.figures, SHORT_AT: now.isoformat()}
        judgement = Judgement(True, judgement.why, figures)
    elif automatic and found is not None and found.active and _held(found, settings, now):
        return found  # short a moment ago: stays in surge for DISPATCH_SURGE_HOLD_S
    return await record(session, judgement, now=now)


def _held(found: SurgeState, settings: Settings, now: datetime) -> bool:
    """Whether an automatic surge judged short within ``surge_hold_s`` goes on."""
    short_at = (found.figures or {}).get(SHORT_AT)
    if not isinstance(short_at, str):
        return False
    return (now - datetime.fromisoformat(short_at)).total_seconds() < settings.surge_hold_s


async def set_mode(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    mode: str,
    reason: str | None,
    *,
    now: datetime,
) -> SurgeState:
    """A supervisor sets the mode (``on``/``off`` by hand, or back to ``auto``); judged again
    at once, audited. Switching by hand needs a reason; an unknown mode changes nothing."""
    try:
        chosen = SurgeMode(mode)
    except ValueError:
        raise Invalid(f"mode: one of {', '.join(m.value for m in SurgeMode)}") from None
    reason = (reason or "").strip() or None
    if chosen is not SurgeMode.AUTO and reason is None:
        raise Invalid(
            "reason: say why the surge policy is switched by hand",
            said=said("surge_reason_needed"),
        )
    judgement = await judged(session, settings, mode=chosen, now=now)
    found = await record(session, judgement, now=now, announce=True)
    previous = found.mode
    found.mode, found.mode_reason = chosen.value, reason
    found.mode_set_by, found.mode_set_at = actor.username, now
    await audit.record(
        session,
        actor,
        "surge.mode_set",
        "surge",
        str(ROW),
        {"mode": chosen.value, "previous": previous, "reason": reason, "active": found.active},
        at=now,
    )
    return found


def described(found: SurgeState | None) -> dict[str, Any]:
    """The surge as the API and the consoles show it."""
    if found is None:
        return {"active": False, "mode": SurgeMode.AUTO.value, "why": Why.STAFFED.value,
                "figures": {}, "since": None, "judged_at": None, "mode_reason": None,
                "mode_set_by": None, "mode_set_at": None}  # fmt: skip
    return {
        "active": found.active,
        "mode": found.mode,
        "why": found.why,
        "figures": found.figures,
        "since": found.since.isoformat(),
        "judged_at": found.judged_at.isoformat(),
        "mode_reason": found.mode_reason,
        "mode_set_by": found.mode_set_by,
        "mode_set_at": found.mode_set_at.isoformat() if found.mode_set_at else None,
    }
