"""Callbacks as the simulated gateway draws them: outcome per attempt, dial times, payloads."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from simulators.callbacks import RING_S, CallbackScenario, Dial, parse_answer


def test_the_answer_probability_follows_the_attempt() -> None:
    scenario = CallbackScenario(answer=(0.2, 0.5, 0.9))
    assert [scenario.answers(n) for n in (1, 2, 3, 4)] == [0.2, 0.5, 0.9, 0.9]
    assert CallbackScenario(answer=(0.4,)).answers(3) == 0.4
    assert CallbackScenario(answer=()).answers(1) == 0.0


def test_outcomes_and_times_are_drawn_from_the_scenario() -> None:
    rng = random.Random(5)
    scenario = CallbackScenario(answer=(0.3, 1.0), busy=0.5, voicemail=0.5)
    first = [scenario.draw(rng, 1) for _ in range(4000)]
    counts = Counter(outcome for outcome, _ in first)
    assert abs(counts["reached"] / 4000 - 0.3) < 0.03
    assert counts["no_answer"] == 0  # busy and voicemail share every unanswered dial
    assert abs(counts["busy"] - counts["voicemail"]) < 0.1 * 4000
    for outcome, seconds in first:
        if outcome == "reached":
            assert seconds >= 15.0  # ringing, then at least 10 s of talk
        else:
            low, high = RING_S[outcome]
            assert low <= seconds <= high
    assert {scenario.draw(rng, 2)[0] for _ in range(50)} == {"reached"}
    never = CallbackScenario(answer=(0.0,), busy=0.0, voicemail=0.0)
    assert {never.draw(rng, 1)[0] for _ in range(50)} == {"no_answer"}


def test_a_seed_reproduces_the_draws() -> None:
    scenario = CallbackScenario()
    one, two = random.Random(9), random.Random(9)
    assert [scenario.draw(one, 1) for _ in range(20)] == [scenario.draw(two, 1) for _ in range(20)]


def test_answer_probabilities_from_the_command_line() -> None:
    assert parse_answer("0.5") == (0.5,)
    assert parse_answer("0.5,0.6, 0.7") == (0.5, 0.6, 0.7)
    for bad in ("", "1.5", "-0.1", "0.5,x"):
        with pytest.raises(ValueError, match=r"."):
            parse_answer(bad)


def test_a_dial_from_an_originate_payload() -> None:
    payload = {
        "callback_id": "cb-1",
        "attempt_id": "at-1",
        "attempt": 2,
        "number": "+998901234567",
        "language": "ru",
        "card_id": None,
    }
    dial = Dial.of("call-1", payload, "busy", 4.0)
    assert dial == Dial("cb-1", "at-1", 2, "call-1", "+998901234567", "ru", None, "busy", 4.0)
    assert Dial.of("call-1", {**payload, "card_id": "card-9"}, "reached", 30.0).card_id == "card-9"
