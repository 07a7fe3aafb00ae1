"""The second set's first half (issue 25): burns, seizure, stroke, poisoning and overdose,
drowning, electric shock and allergic reaction walked the typical ways. Validity, languages,
scripts, incident types and reachability are checked for every seed in test_seeds.py."""

from __future__ import annotations

import pytest

from dispatch.protocols.definition import AnswerValue
from tests.protocols.checked_walks import finish, found, walk
from tests.protocols.seed_walks import CODES, load, timer_on

SECOND_SET_A = {
    "burns": "BU",
    "seizure": "SZ",
    "stroke": "ST",
    "poisoning_overdose": "PO",
    "drowning": "DR",
    "electric_shock": "ES",
    "allergic_reaction": "AL",
}


@pytest.mark.parametrize(("code", "prefix"), sorted(SECOND_SET_A.items()))
def test_the_seven_are_seeded_with_their_own_determinant_codes(code: str, prefix: str) -> None:
    assert code in CODES
    definition = load(code)
    codes = [determinant.code for determinant in definition.determinants]
    assert codes
    assert all(c.startswith(f"{prefix}-") for c in codes)
    # most severe first: a priority never rises further down the list
    priorities = [determinant.priority for determinant in definition.determinants]
    assert priorities == sorted(priorities)


# ------------------------------------------------------------------ burns


def test_a_heat_burn_is_cooled_20_minutes_under_a_stopwatch_then_covered() -> None:
    definition = load("burns")
    state = finish(
        definition,
        {
            "breathing": True,
            "cause": "heat",
            "safe": True,
            "airway": False,
            "size": "medium",
            "child": False,
        },
    )
    assert state.finished
    assert found(state) == ("BU-5", 2, ("103",))
    assert state.path.index("cool") < state.path.index("cover")
    assert timer_on(definition, state, "cool").kind == "stopwatch"
    assert "at least 20 minutes" in definition.node("cool").text.en
    assert "No ice" in definition.node("cool").text.en
    assert "chemical_rinse" not in state.path
    assert "get_safe" not in state.path


@pytest.mark.parametrize(
    ("answers", "code", "step"),
    [
        ({"breathing": False}, "BU-1", "end_cpr"),
        ({"breathing": True, "cause": "electrical"}, "BU-4", "end_electric"),
        (
            {
                "breathing": True,
                "cause": "heat",
                "safe": False,
                "airway": True,
                "size": "small",
                "child": False,
            },
            "BU-2",
            "airway_watch",
        ),
        (
            {
                "breathing": True,
                "cause": "heat",
                "safe": True,
                "airway": False,
                "size": "large",
                "child": True,
            },
            "BU-3",
            "cover",
        ),
    ],
)
def test_the_most_urgent_burns_get_priority_1(
    answers: dict[str, AnswerValue], code: str, step: str
) -> None:
    definition = load("burns")
    state = finish(definition, answers)
    assert state.finished
    assert found(state)[:2] == (code, 1)
    assert step in state.path


def test_a_chemical_burn_is_rinsed_not_just_cooled_and_the_caller_protected_first() -> None:
    definition = load("burns")
    state = finish(
        definition,
        {
            "breathing": True,
            "cause": "chemical",
            "safe": False,
            "airway": False,
            "size": "small",
            "child": False,
        },
    )
    assert state.path.index("get_safe") < state.path.index("chemical_rinse")
    assert "cool" not in state.path
    assert "gloves" in definition.node("chemical_rinse").text.en
    assert found(state) == ("BU-6", 2, ("103",))
    small = finish(
        definition,
        {
            "breathing": True,
            "cause": "heat",
            "safe": True,
            "airway": False,
            "size": "small",
            "child": False,
        },
    )
    assert found(small)[:2] == ("BU-7", 3)


# ------------------------------------------------------------------ seizure


def test_a_seizure_going_on_for_7_minutes_is_priority_1_before_it_stops() -> None:
    definition = load("seizure")
    during = walk(definition, {"still_seizing": True, "minutes": 7, "epilepsy": True})
    assert during.current == "protect"
    assert found(during)[:2] == ("SZ-2", 1)
    assert definition.node("protect").timer is not None
    assert "put nothing in their mouth" in definition.node("protect").text.en
    assert "Do not hold them down" in definition.node("protect").text.en
    after = finish(
        definition,
        {
            "still_seizing": True,
            "minutes": 7,
            "epilepsy": True,
            "stopped": False,
            "breathing_after": True,
        },
    )
    assert after.path.index("long_seizure") < after.path.index("recovery")
    assert found(after)[:2] == ("SZ-2", 1)


def test_no_normal_breathing_after_a_seizure_goes_to_cpr() -> None:
    definition = load("seizure")
    state = finish(
        definition,
        {"still_seizing": False, "minutes": 2, "epilepsy": False, "breathing_after": False},
    )
    assert state.path[-1] == "end_cpr"
    assert "protect" not in state.path
    assert found(state) == ("SZ-1", 1, ("103",))


@pytest.mark.parametrize(("epilepsy", "code", "priority"), [(True, "SZ-4", 3), (False, "SZ-3", 2)])
def test_a_short_seizure_that_stopped_ends_in_the_recovery_position(
    epilepsy: bool, code: str, priority: int
) -> None:
    definition = load("seizure")
    state = finish(
        definition,
        {
            "still_seizing": True,
            "minutes": 2,
            "epilepsy": epilepsy,
            "stopped": True,
            "breathing_after": True,
        },
    )
    assert state.path[-3:] == ("recovery", "monitor", "end_watch")
    assert "long_seizure" not in state.path
    assert found(state)[:2] == (code, priority)


# ------------------------------------------------------------------ stroke


def test_one_fast_sign_is_st_1_priority_1_with_the_onset_asked_and_a_stopwatch() -> None:
    definition = load("stroke")
    early = walk(definition, {"awake": True, "face": False, "arms": True})
    assert early.current == "speech"
    assert found(early) == ("ST-1", 1, ("103",))
    state = finish(
        definition,
        {
            "awake": True,
            "face": False,
            "arms": True,
            "speech": False,
            "other_signs": False,
            "onset_known": True,
            "onset_min": 40,
        },
    )
    assert state.finished
    assert found(state) == ("ST-1", 1, ("103",))
    assert state.path.index("onset_min") < state.path.index("note_time")
    assert state.counted["onset_min"] == 40.0
    assert timer_on(definition, state, "note_time").kind == "stopwatch"
    assert "no aspirin" in definition.node("care").text.en
    assert state.path[-3:] == ("care", "monitor", "end_watch")


def test_an_unknown_onset_still_runs_the_stopwatch() -> None:
    definition = load("stroke")
    state = finish(
        definition,
        {
            "awake": True,
            "face": True,
            "arms": False,
            "speech": True,
            "other_signs": False,
            "onset_known": False,
        },
    )
    assert "onset_min" not in state.path
    assert timer_on(definition, state, "note_time").kind == "stopwatch"


@pytest.mark.parametrize(
    ("answers", "code", "priority"),
    [
        ({"awake": False, "breathing": False}, "ST-2", 1),
        ({"awake": False, "breathing": True, "onset_known": False}, "ST-3", 1),
        (
            {
                "awake": True,
                "face": False,
                "arms": False,
                "speech": False,
                "other_signs": True,
                "onset_known": False,
            },
            "ST-4",
            2,
        ),
        (
            {
                "awake": True,
                "face": False,
                "arms": False,
                "speech": False,
                "other_signs": False,
                "onset_known": False,
            },
            "ST-5",
            3,
        ),
    ],
)
def test_without_a_fast_sign_the_priority_follows_the_other_findings(
    answers: dict[str, AnswerValue], code: str, priority: int
) -> None:
    definition = load("stroke")
    state = finish(definition, answers)
    assert state.finished
    assert found(state)[:2] == (code, priority)
    if code == "ST-3":
        assert state.path.index("recovery") < state.path.index("note_time")
        assert "care" not in state.path


# ------------------------------------------------------------------ poisoning and overdose
