"""The second set's first half (issue 25): burns, seizure, stroke, poisoning and overdose,
drowning, electric shock and allergic reaction walked the typical ways. Validity, languages,
scripts, incident types and reachability are checked for every seed in test_seeds.py."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from dispatch.protocols import engine
from dispatch.protocols.definition import AnswerValue, Definition
from dispatch.protocols.engine import Walk, check_answer
from tests.protocols import test_seeds
from tests.protocols.test_seeds import CODES, load, timer_on

SECOND_SET_A = {
    "burns": "BU",
    "seizure": "SZ",
    "stroke": "ST",
    "poisoning_overdose": "PO",
    "drowning": "DR",
    "electric_shock": "ES",
    "allergic_reaction": "AL",
}


def checked(definition: Definition, answers: Mapping[str, object]) -> dict[str, AnswerValue]:
    """The answers as the API stores them: each checked against its question."""
    return {node: check_answer(definition.node(node), value) for node, value in answers.items()}


def walk(definition: Definition, answers: Mapping[str, object]) -> Walk:
    return engine.walk(definition, checked(definition, answers))


def finish(definition: Definition, answers: Mapping[str, object]) -> Walk:
    return test_seeds.finish(definition, checked(definition, answers))


def found(state: Walk) -> tuple[str, int, tuple[str, ...]]:
    assert state.determinant is not None, f"no determinant for {dict(state.counted)}"
    return state.determinant.code, state.determinant.priority, state.determinant.services


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


def test_an_opioid_overdose_not_breathing_gets_cpr_first_then_naloxone() -> None:
    definition = load("poisoning_overdose")
    state = finish(
        definition,
        {"awake": False, "breathing": False, "opioid": True, "naloxone_at_hand": True},
    )
    assert state.finished
    assert found(state) == ("PO-1", 1, ("103",))
    assert state.path.index("cpr") < state.path.index("naloxone_give")
    assert state.path.index("naloxone_give") < state.path.index("keep_going")
    assert timer_on(definition, state, "cpr").rate_per_min == 110
    assert "what" not in state.path  # no questions while CPR goes on
    without = finish(
        definition, {"awake": False, "breathing": False, "opioid": True, "naloxone_at_hand": False}
    )
    assert "naloxone_give" not in without.path
    assert without.path[-2:] == ("keep_going", "end_crew")


def test_an_awake_person_who_swallowed_something_is_not_made_to_vomit() -> None:
    definition = load("poisoning_overdose")
    state = finish(
        definition,
        {
            "awake": True,
            "what": "paracetamol",
            "how_much": "20 tablets",
            "when_min": 30,
            "route": "swallowed",
            "intent": False,
        },
    )
    assert state.finished
    assert found(state) == ("PO-5", 2, ("103",))
    assert "no_vomiting" in state.path
    assert "Do not make them vomit" in definition.node("no_vomiting").text.en
    assert state.counted["what"] == "paracetamol"
    assert {"cpr", "opioid", "fresh_air", "rinse"}.isdisjoint(state.path)
    assert state.path[-1] == "end_watch"


def test_an_overdose_on_purpose_is_high_risk_adds_1146_and_needs_escalation() -> None:
    definition = load("poisoning_overdose")
    state = finish(
        definition,
        {
            "awake": True,
            "what": "pills",
            "how_much": "a packet",
            "when_min": 10,
            "route": "swallowed",
            "intent": True,
        },
    )
    assert state.determinant is not None
    assert found(state) == ("PO-2", 1, ("103", "1146"))
    assert state.determinant.risk == "high"
    assert state.determinant.escalation_required
    assert state.path[-1] == "end_screen"
    # unresponsive but breathing, on purpose: still the escalation, after the recovery position
    unresponsive = finish(
        definition,
        {
            "awake": False,
            "breathing": True,
            "opioid": False,
            "what": "pills",
            "how_much": "?",
            "when_min": 60,
            "route": "swallowed",
            "intent": True,
        },
    )
    assert unresponsive.path.index("recovery") < unresponsive.path.index("what")
    assert found(unresponsive)[0] == "PO-2"


def test_fumes_bring_fresh_air_only_where_safe_and_add_fire_and_rescue() -> None:
    definition = load("poisoning_overdose")
    state = finish(
        definition,
        {
            "awake": True,
            "what": "fumes",
            "how_much": "?",
            "when_min": 5,
            "route": "inhaled",
            "intent": False,
        },
    )
    assert "fresh_air" in state.path
    assert found(state) == ("PO-4", 2, ("103", "101"))


# ------------------------------------------------------------------ drowning


def test_a_person_still_in_the_water_is_reached_from_the_bank() -> None:
    definition = load("drowning")
    state = walk(definition, {"in_water": True})
    assert state.current == "reach_safely"
    assert found(state) == ("DR-2", 1, ("101", "103"))
    assert "Do not go into the water yourself" in definition.node("reach_safely").text.en
    gone_under = finish(definition, {"in_water": True, "out_now": False})
    assert gone_under.path[-1] == "end_rescue"
    assert found(gone_under)[0] == "DR-2"


def test_drowning_not_breathing_gets_5_rescue_breaths_then_30_2_with_the_metronome() -> None:
    definition = load("drowning")
    state = finish(
        definition,
        {
            "in_water": True,
            "out_now": True,
            "awake": False,
            "breathing": False,
            "can_breathe_for": True,
        },
    )
    assert state.finished
    assert found(state) == ("DR-1", 1, ("101", "103"))
    assert state.path.index("reach_safely") < state.path.index("rescue_breaths")
    assert state.path.index("rescue_breaths") < state.path.index("cpr_30_2")
    assert "Give 5 breaths" in definition.node("rescue_breaths").text.en
    assert definition.node("rescue_breaths").timer is None
    metronome = timer_on(definition, state, "cpr_30_2")
    assert (metronome.kind, metronome.rate_per_min, metronome.handover_every_s) == (
        "metronome",
        110,
        120,
    )
    assert "30 hard, fast pushes" in definition.node("cpr_30_2").text.en


def test_drowning_without_breaths_gets_compressions_only_and_awake_gets_seen() -> None:
    definition = load("drowning")
    state = finish(
        definition,
        {"in_water": False, "awake": False, "breathing": False, "can_breathe_for": False},
    )
    assert "rescue_breaths" not in state.path
    assert timer_on(definition, state, "compressions_only").rate_per_min == 110
    awake = finish(definition, {"in_water": False, "awake": True})
    assert awake.path[-2:] == ("awake_care", "end_watch")
    assert found(awake)[:2] == ("DR-4", 2)
    breathing = finish(definition, {"in_water": False, "awake": False, "breathing": True})
    assert "recovery" in breathing.path
    assert found(breathing)[:2] == ("DR-3", 1)


# ------------------------------------------------------------------ electric shock


def test_household_current_is_switched_off_before_anyone_touches_the_person() -> None:
    definition = load("electric_shock")
    state = finish(
        definition,
        {"source": "household", "still_contact": True, "power_off": True, "awake": True},
    )
    assert state.path.index("switch_off") < state.path.index("awake")
    assert "Do not touch them" in definition.node("switch_off").text.en
    assert found(state) == ("ES-6", 2, ("103",))
    stuck = finish(definition, {"source": "household", "still_contact": True, "power_off": False})
    assert stuck.path[-1] == "end_wait_power"
    assert "awake" not in stuck.path
    assert found(stuck) == ("ES-3", 1, ("101", "103"))


def test_a_power_line_keeps_everyone_away_then_cpr_with_fire_and_rescue_sent() -> None:
    definition = load("electric_shock")
    early = walk(definition, {"source": "high_voltage"})
    assert early.current == "stay_away"
    assert found(early) == ("ES-4", 1, ("101", "103"))
    assert "10 metres" in definition.node("stay_away").text.en
    state = finish(
        definition,
        {"source": "high_voltage", "power_off": True, "awake": False, "breathing": False},
    )
    assert state.path.index("stay_away") < state.path.index("power_off")
    assert state.path.index("power_off") < state.path.index("cpr")
    assert timer_on(definition, state, "cpr").rate_per_min == 110
    assert found(state) == ("ES-1", 1, ("101", "103"))


def test_a_lightning_strike_can_be_touched_at_once() -> None:
    definition = load("electric_shock")
    state = finish(definition, {"source": "lightning", "awake": False, "breathing": False})
    assert {"stay_away", "switch_off", "power_off"}.isdisjoint(state.path)
    assert state.path.index("lightning_safe") < state.path.index("cpr")
    assert found(state) == ("ES-2", 1, ("103",))
    breathing = finish(definition, {"source": "lightning", "awake": False, "breathing": True})
    assert "recovery" in breathing.path
    assert found(breathing)[:2] == ("ES-5", 1)


# ------------------------------------------------------------------ allergic reaction


def test_anaphylaxis_with_a_prescribed_pen_uses_it_at_once_then_the_position() -> None:
    definition = load("allergic_reaction")
    early = walk(definition, {"awake": True, "breathing_problem": True})
    assert found(early) == ("AL-3", 1, ("103",))
    state = finish(
        definition,
        {
            "awake": True,
            "breathing_problem": True,
            "faint": False,
            "skin": True,
            "trigger": "sting",
            "autoinjector": True,
        },
    )
    assert state.finished
    assert state.path.index("remove_trigger") < state.path.index("use_pen")
    assert state.path.index("use_pen") < state.path.index("position")
    assert timer_on(definition, state, "use_pen").kind == "stopwatch"
    assert "outer thigh" in definition.node("use_pen").text.en
    assert "after 5 minutes" in definition.node("use_pen").text.en
    assert "Do not let them stand up or walk" in definition.node("position").text.en
    assert found(state)[:2] == ("AL-3", 1)
    no_pen = finish(
        definition,
        {
            "awake": True,
            "breathing_problem": False,
            "faint": True,
            "skin": False,
            "trigger": "food",
            "autoinjector": False,
        },
    )
    assert "use_pen" not in no_pen.path
    assert "position" in no_pen.path


def test_a_rash_alone_is_watched_without_the_pen_question() -> None:
    definition = load("allergic_reaction")
    state = finish(
        definition,
        {
            "awake": True,
            "breathing_problem": False,
            "faint": False,
            "skin": True,
            "trigger": "medicine",
        },
    )
    assert state.path[-2:] == ("mild_watch", "end_watch")
    assert "autoinjector" not in state.path
    assert found(state) == ("AL-4", 2, ("103",))


def test_unresponsive_after_an_allergy_gets_the_recovery_position_or_cpr() -> None:
    definition = load("allergic_reaction")
    breathing = finish(definition, {"awake": False, "breathing": True, "autoinjector": True})
    assert breathing.path.index("recovery") < breathing.path.index("use_pen")
    assert "position" not in breathing.path  # stays on their side
    assert found(breathing)[:2] == ("AL-2", 1)
    arrest = finish(definition, {"awake": False, "breathing": False})
    assert timer_on(definition, arrest, "cpr").rate_per_min == 110
    assert arrest.path[-2:] == ("keep_going", "end_crew")
    assert found(arrest)[:2] == ("AL-1", 1)
