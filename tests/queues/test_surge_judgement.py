"""The surge policy's judgement (issue 22): the mode first, then the policy switch, the
staffing model and the threshold."""

from __future__ import annotations

from typing import Any

import pytest

from dispatch.core.settings import Settings
from dispatch.queues import surge
from dispatch.queues.surge import SurgeMode, Why


def staffing(**figures: Any) -> dict[str, Any]:
    base = {"available": True, "needed": 12, "staffed": 9, "shortfall": 3, "basis": "erlang_c",
            "calls_per_hour": 240.0, "waiting_past_target": 0}  # fmt: skip
    return {**base, **figures}


@pytest.mark.parametrize(
    ("mode", "figures", "changes", "expected"),
    [
        (SurgeMode.AUTO, staffing(), {}, (True, Why.SHORT_ERLANG)),
        (SurgeMode.AUTO, staffing(basis="waiting"), {}, (True, Why.SHORT_WAITING)),
        (SurgeMode.AUTO, staffing(shortfall=0), {}, (False, Why.STAFFED)),
        (SurgeMode.AUTO, staffing(shortfall=3), {"surge_shortfall": 4}, (False, Why.STAFFED)),
        (SurgeMode.AUTO, staffing(shortfall=4), {"surge_shortfall": 4}, (True, Why.SHORT_ERLANG)),
        (SurgeMode.AUTO, staffing(), {"surge_policy": False}, (False, Why.POLICY_OFF)),
        (SurgeMode.AUTO, {"available": False}, {}, (False, Why.NO_MODEL)),
        (SurgeMode.ON, None, {"surge_policy": False}, (True, Why.SWITCHED_ON)),
        (SurgeMode.OFF, staffing(shortfall=50), {}, (False, Why.SWITCHED_OFF)),
    ],
)
def test_the_judgement_follows_the_mode_the_policy_and_the_threshold(
    mode: SurgeMode,
    figures: dict[str, Any] | None,
    changes: dict[str, Any],
    expected: tuple[bool, Why],
) -> None:
    settings = Settings(**changes)
    judgement = surge.judge(mode, figures, settings)
    assert (judgement.active, judgement.why) == expected
