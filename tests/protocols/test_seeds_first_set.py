"""The first set of seeded protocols (issue 24) walks the way the guidance it names says:
cardiac arrest, choking, severe bleeding, childbirth and the suicide-risk screen."""

from __future__ import annotations

import pytest

from dispatch.protocols.definition import (
    AnswerValue,
)
from dispatch.protocols.engine import Walk, walk
from tests.protocols.seed_walks import (
    finish,
    load,
    timer_on,
)


def test_adult_not_breathing_gets_hands_only_cpr_at_110_a_minute() -> None:
    definition = load("cardiac_arrest")
    state = finish(
        definition,
        {
            "awake": False,
            "breathing": False,
            "age_band": "adult",
            "others_present": False,
            "trained": False,
        },
    )
    assert state.finished
    assert state.determinant is not None
    assert (state.determinant.code, state.determinant.priority) == ("CA-1", 1)
    assert state.determinant.services == ("103",)
    metronome = timer_on(definition, state, "adult_hands_only")
    assert (metronome.kind, metronome.rate_per_min, metronome.handover_every_s) == (
        "metronome",
        110,
        120,
    )
    assert "adult_30_2" not in state.path
    # alone: nobody is sent for a defibrillator, the only rescuer keeps pushing
    assert "send_for_aed" not in state.path
    assert "aed_use" not in state.path
    assert state.path[-2:] == ("keep_going", "end_crew")


def test_the_determinant_is_known_as_soon_as_the_entry_questions_are_answered() -> None:
    definition = load("cardiac_arrest")
    state = walk(definition, {"awake": False, "breathing": False})
    assert state.current == "age_band"
    assert state.determinant is not None
    assert state.determinant.code == "CA-1"


def test_a_trained_adult_rescuer_gives_30_2_and_uses_the_aed_someone_fetched() -> None:
    definition = load("cardiac_arrest")
    state = finish(
        definition,
        {
            "awake": False,
            "breathing": False,
            "age_band": "adult",
            "others_present": True,
            "aed_nearby": True,
            "trained": True,
        },
    )
    assert {"send_for_aed", "adult_30_2", "aed_use"} <= set(state.path)
    assert "adult_hands_only" not in state.path
    assert timer_on(definition, state, "adult_30_2").rate_per_min == 110


def test_a_child_gets_five_rescue_breaths_then_15_2() -> None:
    definition = load("cardiac_arrest")
    state = finish(
        definition,
        {
            "awake": False,
            "breathing": False,
            "age_band": "child",
            "others_present": False,
            "child_can_breathe_for": True,
        },
    )
    assert state.path.index("child_rescue_breaths") < state.path.index("child_15_2")
    assert "5" in definition.node("child_rescue_breaths").text.en
    assert "15 pushes, then 2 breaths" in definition.node("child_15_2").text.en
    assert timer_on(definition, state, "child_15_2").rate_per_min == 110


def test_an_infant_gets_two_finger_compressions_and_breaths_over_mouth_and_nose() -> None:
    definition = load("cardiac_arrest")
    with_breaths = finish(
        definition,
        {
            "awake": False,
            "breathing": False,
            "age_band": "infant",
            "others_present": False,
            "infant_can_breathe_for": True,
        },
    )
    assert {"infant_rescue_breaths", "infant_15_2"} <= set(with_breaths.path)
    assert "mouth and nose" in definition.node("infant_rescue_breaths").text.en
    assert "two fingers" in definition.node("infant_15_2").text.en
    assert timer_on(definition, with_breaths, "infant_15_2").handover_every_s == 120
    without = finish(
        definition,
        {
            "awake": False,
            "breathing": False,
            "age_band": "infant",
            "others_present": False,
            "infant_can_breathe_for": False,
        },
    )
    assert "infant_compressions_only" in without.path
    assert "infant_rescue_breaths" not in without.path
    assert without.determinant is not None
    assert without.determinant.code == "CA-1"


@pytest.mark.parametrize(
    ("answers", "code", "instruction"),
    [
        ({"awake": False, "breathing": True}, "CA-2", "recovery_position"),
        ({"awake": True}, "CA-3", "awake_watch"),
    ],
)
def test_no_cpr_for_someone_awake_or_breathing_normally(
    answers: dict[str, AnswerValue], code: str, instruction: str
) -> None:
    definition = load("cardiac_arrest")
    state = finish(definition, answers)
    assert state.finished
    assert state.determinant is not None
    assert state.determinant.code == code
    assert instruction in state.path
    assert not any(definition.node(node_id).timer for node_id in state.path)


# ------------------------------------------------------------------ choking


def test_a_choking_infant_gets_back_blows_and_chest_thrusts_never_abdominal() -> None:
    definition = load("choking")
    blocked = walk(definition, {"age_band": "infant", "responsive": True, "effective_cough": False})
    assert blocked.current == "infant_back_blows"
    assert blocked.determinant is not None
    assert (blocked.determinant.code, blocked.determinant.priority) == ("CH-4", 1)
    cleared = finish(
        definition,
        {"age_band": "infant", "responsive": True, "effective_cough": False, "cleared": True},
    )
    assert {"infant_back_blows", "infant_chest_thrusts", "after_relief"} <= set(cleared.path)
    assert "abdominal_thrusts" not in cleared.path
    assert cleared.determinant is not None
    assert cleared.determinant.code == "CH-2"


def test_an_adult_who_stops_responding_gets_cpr_with_the_metronome() -> None:
    definition = load("choking")
    state = finish(
        definition,
        {
            "age_band": "adult",
            "responsive": True,
            "effective_cough": False,
            "cleared": False,
            "outcome": "unresponsive",
        },
    )
    assert state.path.index("abdominal_thrusts") < state.path.index("cpr_adult")
    assert timer_on(definition, state, "cpr_adult").rate_per_min == 110
    assert state.determinant is not None
    assert (state.determinant.code, state.determinant.priority) == ("CH-1", 1)


def test_an_effective_cough_is_only_encouraged() -> None:
    definition = load("choking")
    state = finish(
        definition,
        {"age_band": "child", "responsive": True, "effective_cough": True},
        stop_at="cough_outcome",
    )
    assert state.current == "cough_outcome"
    assert "back_blows" not in state.path
    assert state.determinant is not None
    assert state.determinant.code == "CH-5"
    worse = walk(definition, {**state.counted, "cough_outcome": "worse"}, {"encourage_cough"})
    assert worse.current == "back_blows"
    assert worse.determinant is not None
    assert worse.determinant.code == "CH-4"


# ------------------------------------------------------------------ severe bleeding


def test_a_limb_bleeding_pressure_does_not_stop_gets_a_tourniquet() -> None:
    definition = load("severe_bleeding")
    state = finish(
        definition,
        {
            "breathing": True,
            "where": "limb",
            "spurting": True,
            "embedded": False,
            "controlled": False,
            "tourniquet_available": True,
        },
    )
    assert state.path.index("direct_pressure") < state.path.index("tourniquet_apply")
    assert "shock_position" in state.path
    assert state.determinant is not None
    assert (state.determinant.code, state.determinant.priority) == ("BL-2", 1)


def test_no_tourniquet_off_the_limbs_nor_when_pressure_works() -> None:
    definition = load("severe_bleeding")
    torso = finish(
        definition,
        {
            "breathing": True,
            "where": "torso",
            "spurting": True,
            "embedded": False,
            "controlled": False,
        },
    )
    assert "tourniquet_available" not in torso.path
    assert "press_harder" in torso.path
    controlled = finish(
        definition,
        {
            "breathing": True,
            "where": "limb",
            "spurting": False,
            "embedded": False,
            "controlled": True,
        },
    )
    assert "tourniquet_available" not in controlled.path
    assert controlled.determinant is not None
    assert (controlled.determinant.code, controlled.determinant.priority) == ("BL-4", 2)


def test_an_embedded_object_stays_in_with_pressure_around_it() -> None:
    definition = load("severe_bleeding")
    state = finish(
        definition,
        {
            "breathing": True,
            "where": "limb",
            "spurting": False,
            "embedded": True,
            "controlled": True,
        },
    )
    assert "embedded_pressure" in state.path
    assert "direct_pressure" not in state.path
    assert state.determinant is not None
    assert state.determinant.code == "BL-3"


def test_not_breathing_hands_over_to_cpr() -> None:
    definition = load("severe_bleeding")
    state = walk(definition, {"breathing": False})
    assert state.finished
    assert state.path == ("breathing", "end_cpr")
    assert state.determinant is not None
    assert state.determinant.code == "BL-1"


# ------------------------------------------------------------------ childbirth


def test_labour_counts_contractions_and_times_their_interval() -> None:
    definition = load("childbirth")
    base: dict[str, AnswerValue] = {
        "weeks_known": True,
        "weeks": 39.0,
        "bleeding_now": False,
        "head_visible": False,
        "waters": False,
    }
    state = finish(definition, {**base, "interval_min": 8.0, "urge_to_push": False})
    assert timer_on(definition, state, "count_contractions").kind == "counter"
    assert timer_on(definition, state, "time_interval").kind == "stopwatch"
    assert "early_labour" in state.path
    assert "prepare_delivery" not in state.path
    assert state.determinant is not None
    assert (state.determinant.code, state.determinant.priority) == ("CB-6", 3)
    active = finish(definition, {**base, "interval_min": 4.0, "urge_to_push": False})
    assert active.determinant is not None
    assert active.determinant.code == "CB-5"
    close = walk(
        definition, {**base, "interval_min": 2.0, "urge_to_push": False}, frozenset(state.path)
    )
    assert close.current == "prepare_delivery"
    assert close.determinant is not None
    assert (close.determinant.code, close.determinant.priority) == ("CB-3", 1)
    preterm = walk(definition, {**base, "weeks": 32.0})
    assert preterm.determinant is not None
    assert preterm.determinant.code == "CB-4"


def test_a_birth_keeps_the_baby_warm_leaves_the_cord_and_meets_bleeding() -> None:
    definition = load("childbirth")
    born: dict[str, AnswerValue] = {
        "weeks_known": False,
        "bleeding_now": False,
        "head_visible": True,
        "baby_breathing": True,
        "bleeding_after": False,
    }
    state = finish(definition, born)
    assert state.path[-4:] == ("skin_to_skin", "cord_placenta", "bleeding_after", "end_born")
    assert "Do not pull or cut the cord" in definition.node("cord_placenta").text.en
    assert state.determinant is not None
    assert state.determinant.code == "CB-3"
    bleeding = finish(definition, {**born, "bleeding_after": True})
    assert "rub_uterus" in bleeding.path
    assert bleeding.determinant is not None
    assert (bleeding.determinant.code, bleeding.determinant.priority) == ("CB-2", 1)


def test_a_newborn_who_does_not_breathe_gets_3_to_1_resuscitation() -> None:
    definition = load("childbirth")
    born: dict[str, AnswerValue] = {
        "weeks_known": False,
        "bleeding_now": False,
        "head_visible": True,
        "baby_breathing": False,
    }
    rubbing = finish(definition, born, stop_at="baby_breathing_after")
    assert rubbing.determinant is not None
    assert rubbing.determinant.code == "CB-1"
    breathes = finish(definition, {**born, "baby_breathing_after": True, "bleeding_after": False})
    assert "newborn_cpr" not in breathes.path
    assert breathes.determinant is not None
    assert breathes.determinant.code == "CB-3"
    not_breathing = finish(definition, {**born, "baby_breathing_after": False})
    metronome = timer_on(definition, not_breathing, "newborn_cpr")
    assert (metronome.kind, metronome.rate_per_min) == ("metronome", 120)
    assert not_breathing.determinant is not None
    assert not_breathing.determinant.code == "CB-1"


# ------------------------------------------------------------------ suicide-risk screen

NO_DANGER: dict[str, AnswerValue] = {
    "caller_is": "self",
    "danger_self": False,
    "means_self": False,
}


def screen(**answers: AnswerValue) -> Walk:
    return finish(load("suicide_risk_screen"), {**NO_DANGER, **answers})


def test_intent_is_high_risk_routed_to_1146_and_103_with_escalation() -> None:
    state = screen(
        wish_dead=True, thoughts=True, method=True, intent=True, plan=False, behaviour=False
    )
    assert state.finished
    determinant = state.determinant
    assert determinant is not None
    assert (determinant.code, determinant.risk, determinant.escalation_required) == (
        "SR-2",
        "high",
        True,
    )
    assert determinant.priority in (1, 2)
    assert {"1146", "103"} <= set(determinant.services)
    assert {"stay_together", "means_away", "connect_specialist"} <= set(state.path)


def test_only_a_wish_to_be_dead_is_low_risk_and_skips_questions_3_to_5() -> None:
    state = screen(wish_dead=True, thoughts=False, behaviour=False)
    assert state.finished
    assert not {"method", "intent", "plan", "behaviour_recent"} & set(state.path)
    determinant = state.determinant
    assert determinant is not None
    assert (determinant.code, determinant.risk, determinant.escalation_required) == (
        "SR-4",
        "low",
        False,
    )
    assert determinant.services == ("1146",)


@pytest.mark.parametrize(
    ("answers", "code", "risk"),
    [
        ({"thoughts": True, "method": True, "intent": False, "plan": False}, "SR-3", "moderate"),
        ({"thoughts": True, "method": False, "intent": False, "plan": True}, "SR-2", "high"),
        ({"thoughts": False, "behaviour": True, "behaviour_recent": True}, "SR-2", "high"),
        ({"thoughts": False, "behaviour": True, "behaviour_recent": False}, "SR-3", "moderate"),
        ({"thoughts": True, "method": False, "intent": False, "plan": False}, "SR-4", "low"),
        ({"thoughts": False, "behaviour": False}, "SR-5", None),
    ],
)
def test_the_screen_sets_the_risk_as_the_screener_triages(
    answers: dict[str, AnswerValue], code: str, risk: str | None
) -> None:
    state = screen(**{"wish_dead": False, "behaviour": False, **answers})
    assert state.finished
    assert state.determinant is not None
    assert (state.determinant.code, state.determinant.risk) == (code, risk)
    assert state.determinant.escalation_required == (risk == "high")
    assert "1146" in state.determinant.services


@pytest.mark.parametrize(
    "answers",
    [
        {"caller_is": "self", "danger_self": True},
        {"caller_is": "self", "danger_self": False, "means_self": True},
        {"caller_is": "other", "danger_other": True},
        {"caller_is": "other", "danger_other": False, "means_other": True},
    ],
)
def test_immediate_danger_sends_police_and_ambulance_and_escalates(
    answers: dict[str, AnswerValue],
) -> None:
    definition = load("suicide_risk_screen")
    state = walk(definition, answers)
    determinant = state.determinant
    assert determinant is not None
    assert (determinant.code, determinant.priority, determinant.risk) == ("SR-1", 1, "high")
    assert determinant.escalation_required
    assert set(determinant.services) == {"1146", "103", "102"}
    assert state.current in ("immediate_help", "remove_means")


def test_a_third_party_hands_the_phone_over_or_the_screen_is_not_done() -> None:
    definition = load("suicide_risk_screen")
    other: dict[str, AnswerValue] = {
        "caller_is": "other",
        "danger_other": False,
        "means_other": False,
    }
    handed = walk(definition, {**other, "with_person": True}, {"pass_phone", "listen_calm"})
    assert handed.current == "wish_dead"
    away = finish(definition, {**other, "with_person": False})
    assert away.path[-2:] == ("third_party_advice", "end_third_party")
    assert away.determinant is not None
    assert (away.determinant.code, away.determinant.risk) == ("SR-6", None)
