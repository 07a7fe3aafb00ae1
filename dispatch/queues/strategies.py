"""Who gets the next call (pure): skills and penalties, and the strategies of a queue.

As in Asterisk's app_queue and FreeSWITCH's mod_callcenter:

- ``longest-idle``: the operator idle longest (since sign-in or the end of the last wrap-up);
- ``fewest-calls``: fewest calls taken since sign-in, then longest idle;
- ``least-talk-time``: least talk time since sign-in, then longest idle;
- ``round-robin``: in turn by username, after the last one this queue offered a call to;
- ``skills``: lowest penalty, then longest idle, among operators whose penalty is within the
  queue's window, which may widen with the caller's wait (``penalty_steps``; the default
  window admits every penalty at once).

Required skills are mandatory for every strategy; penalties only order who is offered first
(``skills``). A window never holds a call longer than ``MAX_HOLD_S`` beside a free operator who
has the skills: after that wait every penalty qualifies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

CALL_LANGUAGE = "lang:{call}"
MAX_PENALTY = 9
# The longest a penalty window keeps a call from a free operator who has the skills.
MAX_HOLD_S = 5.0


class Strategy(StrEnum):
    """How a queue picks among the operators who could take a call."""

    LONGEST_IDLE = "longest-idle"
    FEWEST_CALLS = "fewest-calls"
    LEAST_TALK_TIME = "least-talk-time"
    ROUND_ROBIN = "round-robin"
    SKILLS = "skills"


@dataclass(frozen=True)
class Candidate:
    """An available operator who has the skills a call needs, and what strategies compare."""

    username: str
    penalty: int
    idle_since: datetime
    calls_taken: int
    talk_seconds: float


def required_skills(skills: Sequence[str], language: str | None) -> list[str]:
    """The queue's skill keys for a call in ``language`` (``lang:{call}`` made concrete)."""
    if language is None:
        return list(skills)
    return [f"lang:{language}" if skill == CALL_LANGUAGE else skill for skill in skills]


def penalty(operator_skills: Mapping[str, int], required: Sequence[str]) -> int | None:
    """The operator's penalty for a call (their worst required skill); None when one is missing."""
    # ``lang:{call}`` left in ``required`` (no particular call: statistics) is met by any language.
    worst = 0
    for skill in required:
        if skill == CALL_LANGUAGE:
            languages = [p for key, p in operator_skills.items() if key.startswith("lang:")]
            if not languages:
                return None
            worst = max(worst, min(languages))
        elif skill in operator_skills:
            worst = max(worst, operator_skills[skill])
        else:
            return None
    return worst


def max_penalty(steps: Sequence[Mapping[str, int]], waited_s: float) -> int:
    """The widest penalty the steps admit after ``waited_s`` seconds of waiting."""
    allowed = 0
    for step in sorted(steps, key=lambda s: s["after_s"]):
        if waited_s >= step["after_s"]:
            allowed = step["max_penalty"]
    return allowed


def window(steps: Sequence[Mapping[str, int]], waited_s: float) -> int:
    """The widest penalty the skills strategy admits now: the steps' window, every penalty
    once the call has waited ``MAX_HOLD_S``."""
    return MAX_PENALTY if waited_s >= MAX_HOLD_S else max_penalty(steps, waited_s)


def admitted_after(steps: Sequence[Mapping[str, int]], penalty: int) -> float:
    """The wait (seconds) after which the skills strategy admits ``penalty``."""
    for after_s in sorted({float(step["after_s"]) for step in steps}):
        if after_s >= MAX_HOLD_S:
            break
        if max_penalty(steps, after_s) >= penalty:
            return after_s
    return MAX_HOLD_S


def choose(
    strategy: Strategy,
    candidates: Sequence[Candidate],
    *,
    waited_s: float,
    steps: Sequence[Mapping[str, int]],
    rr_last: str | None,
) -> Candidate | None:
    """The operator the strategy offers the call to, or None when nobody qualifies yet."""
    if strategy is Strategy.SKILLS:
        widest = window(steps, waited_s)
        within = [c for c in candidates if c.penalty <= widest]
        return min(within, key=lambda c: (c.penalty, c.idle_since, c.username), default=None)
    if not candidates:
        return None
    if strategy is Strategy.FEWEST_CALLS:
        return min(candidates, key=lambda c: (c.calls_taken, c.idle_since, c.username))
    if strategy is Strategy.LEAST_TALK_TIME:
        return min(candidates, key=lambda c: (c.talk_seconds, c.idle_since, c.username))
    if strategy is Strategy.ROUND_ROBIN:
        ordered = sorted(candidates, key=lambda c: c.username)
        after = [c for c in ordered if rr_last is not None and c.username > rr_last]
        return (after or ordered)[0]
    return min(candidates, key=lambda c: (c.idle_since, c.username))
