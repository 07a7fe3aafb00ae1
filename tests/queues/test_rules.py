"""The ACD's pure rules: state tables, queue choice, penalties and strategies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.queues import catalog, strategies
from dispatch.queues.models import Queue
from dispatch.queues.states import (
    REQUESTABLE,
    TRANSITIONS,
    IllegalStateChange,
    OperatorState,
    check_transition,
)
from dispatch.queues.strategies import Candidate, Strategy

S = OperatorState
T0 = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def test_the_tables_forbid_leaving_an_offer_or_a_call_by_request() -> None:
    assert REQUESTABLE[S.RESERVED] == frozenset()
    assert REQUESTABLE[S.ON_CALL] == frozenset()
    assert TRANSITIONS[S.ON_CALL] == {S.WRAP_UP}
    for state, allowed in REQUESTABLE.items():
        assert allowed <= TRANSITIONS[state]
        assert state not in allowed
    with pytest.raises(IllegalStateChange, match="accept or decline"):
        check_transition("op", S.RESERVED, S.ON_BREAK, requested=True)
    check_transition("op", S.RESERVED, S.ON_BREAK, requested=False)  # a no-answer
    with pytest.raises(IllegalStateChange, match="from signed_out: available, on_break"):
        check_transition("op", S.SIGNED_OUT, S.WRAP_UP, requested=False)


def _queues() -> list[Queue]:
    made = [Queue(**{**spec, "active": True}) for spec in catalog.DEFAULT_QUEUES]
    return sorted(made, key=lambda q: (q.match_rank, q.name))


@pytest.mark.parametrize(
    ("channel", "language", "queue"),
    [
        ("voice", "uz", "voice-uz"),
        ("voice", "ru", "voice-ru"),
        ("voice", "kaa", "voice-kaa"),
        ("voice", "en", "voice-other"),
        ("video", "sgn", "video-sign"),
        ("video", "rsl", "video-sign"),
        ("video", "uz", "video"),
        ("sms", "ru", "sms"),
        ("email", "en", "email"),
    ],
)
def test_a_call_chooses_its_queue_by_channel_and_language(
    channel: str, language: str, queue: str
) -> None:
    chosen = catalog.choose(_queues(), channel, language)
    assert chosen is not None
    assert chosen.name == queue


def test_a_language_no_queue_speaks_falls_back_to_the_channels_first_queue() -> None:
    queues = [q for q in _queues() if q.name != "voice-other"]
    chosen = catalog.choose(queues, "voice", "tg")
    assert chosen is not None
    assert chosen.name in {"voice-uz", "voice-ru", "voice-kaa"}
    assert catalog.choose([q for q in queues if q.channels != ["voice"]], "voice", "tg") is None


def test_penalties_are_the_worst_required_skill_and_widen_by_steps() -> None:
    skills = {"lang:uz": 1, "lang:ru": 0, "channel:voice": 2}
    assert strategies.penalty(skills, ["channel:voice", "lang:uz"]) == 2
    assert strategies.penalty(skills, ["channel:video"]) is None
    assert strategies.penalty(skills, strategies.required_skills(["lang:{call}"], "ru")) == 0
    assert strategies.penalty(skills, ["lang:{call}"]) == 0  # any language, for statistics
    assert strategies.penalty({}, ["lang:{call}"]) is None
    steps = [{"after_s": 20, "max_penalty": 5}, {"after_s": 0, "max_penalty": 0}]
    assert [strategies.max_penalty(steps, s) for s in (0, 19.9, 20)] == [0, 0, 5]


def test_each_strategy_orders_candidates_its_own_way() -> None:
    people = [
        Candidate("a", penalty=2, idle_since=T0, calls_taken=5, talk_seconds=50),
        Candidate(
            "b", penalty=0, idle_since=T0 + timedelta(seconds=5), calls_taken=1, talk_seconds=90
        ),
        Candidate(
            "c", penalty=1, idle_since=T0 + timedelta(seconds=9), calls_taken=3, talk_seconds=10
        ),
    ]

    def pick(strategy: Strategy, waited: float = 0, rr: str | None = None) -> str | None:
        steps = [{"after_s": 0, "max_penalty": 0}, {"after_s": 10, "max_penalty": 9}]
        chosen = strategies.choose(strategy, people, waited_s=waited, steps=steps, rr_last=rr)
        return chosen.username if chosen else None

    assert pick(Strategy.LONGEST_IDLE) == "a"
    assert pick(Strategy.FEWEST_CALLS) == "b"
    assert pick(Strategy.LEAST_TALK_TIME) == "c"
    assert [pick(Strategy.ROUND_ROBIN, rr=rr) for rr in (None, "a", "b", "c")] == [
        "a",
        "b",
        "c",
        "a",
    ]
    assert pick(Strategy.SKILLS) == "b"
    assert strategies.choose(Strategy.LONGEST_IDLE, [], waited_s=0, steps=[], rr_last=None) is None

    # A widening window holds a call from a free operator with the skills for MAX_HOLD_S at most.
    only_far = [people[0]]
    steps = [{"after_s": 0, "max_penalty": 0}, {"after_s": 60, "max_penalty": 9}]

    def far(waited: float) -> Candidate | None:
        return strategies.choose(
            Strategy.SKILLS, only_far, waited_s=waited, steps=steps, rr_last=None
        )

    assert strategies.MAX_HOLD_S <= 5
    assert far(strategies.MAX_HOLD_S - 0.1) is None
    assert far(strategies.MAX_HOLD_S) == people[0]
    assert strategies.admitted_after(steps, 2) == strategies.MAX_HOLD_S
    assert (
        strategies.admitted_after(
            [{"after_s": 0, "max_penalty": 0}, {"after_s": 2, "max_penalty": 3}], 2
        )
        == 2
    )
    assert strategies.admitted_after(steps, 0) == 0
