"""The simulated telephone system's answers to call control: a party asked onto a call answers,
is busy or does not answer in the scenario's shares; nothing else is ever refused."""

from __future__ import annotations

import random
from collections import Counter

from simulators.control import ControlScenario


def test_a_party_answers_is_busy_or_does_not_answer_in_the_scenarios_shares() -> None:
    scenario = ControlScenario(answers=0.6, busy=0.3)
    rng = random.Random(7)
    drawn = Counter(
        (scenario.outcome(rng, "conference", "add") or "ok").split(":")[0] for _ in range(3000)
    )
    assert set(drawn) == {"ok", "busy", "no_answer"}
    assert 0.55 < drawn["ok"] / 3000 < 0.65
    assert 0.25 < drawn["busy"] / 3000 < 0.35
    transfers = {scenario.outcome(rng, "transfer", None) for _ in range(200)}
    assert {None, "busy"} < transfers


def test_only_a_party_asked_on_can_refuse() -> None:
    scenario = ControlScenario(answers=0.0, busy=1.0)  # every party refuses
    rng = random.Random(1)
    assert scenario.outcome(rng, "conference", "add") == "busy"
    for command, action in [("conference", "remove"), ("conference", "leave"), ("monitor", None),
                            ("stop_monitor", None), ("hold", None), ("resume", None)]:  # fmt: skip
        assert scenario.outcome(rng, command, action) is None, (command, action)
