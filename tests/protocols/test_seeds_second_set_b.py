"""The second set's second half (issue 25): heat and cold injury, road accident with injuries,
fire in a building, gas smell, domestic violence and psychological first aid walked the typical
ways. Validity, languages, scripts, incident types and reachability are checked for every seed
in test_seeds.py."""

from __future__ import annotations

import pytest

from dispatch.protocols.definition import AnswerValue
from dispatch.protocols.engine import Walk, walk
from tests.protocols.seed_walks import CODES, finish, load, timer_on

SECOND_SET_B = {
    "heat_cold_injury": "HC",
    "road_accident_injuries": "RA",
    "building_fire": "BF",
    "gas_smell": "GS",
    "domestic_violence": "DV",
    "psychological_first_aid": "PF",
}
# A determinant with a risk level makes a protocol record a crisis record, which only 102, 103
# and 1146 receive: the fire, gas and road protocols must reach 101 and 104, so they set none.
CRISIS = ("domestic_violence", "psychological_first_aid")


def found(state: Walk) -> tuple[str, int, tuple[str, ...]]:
    assert state.determinant is not None, f"no determinant for {dict(state.counted)}"
    return state.determinant.code, state.determinant.priority, state.determinant.services


@pytest.mark.parametrize(("code", "prefix"), sorted(SECOND_SET_B.items()))
def test_the_six_are_seeded_with_their_own_determinant_codes(code: str, prefix: str) -> None:
    assert code in CODES
    definition = load(code)
    codes = [determinant.code for determinant in definition.determinants]
    assert codes
    assert all(c.startswith(f"{prefix}-") for c in codes)
    # most severe first: a priority never rises further down the list
    priorities = [determinant.priority for determinant in definition.determinants]
    assert priorities == sorted(priorities)


@pytest.mark.parametrize("code", sorted(SECOND_SET_B))
def test_only_the_crisis_protocols_set_a_risk_and_high_risk_escalates(code: str) -> None:
    determinants = load(code).determinants
    if code in CRISIS:
        assert all(d.risk is not None for d in determinants)
        assert all(d.escalation_required == (d.risk == "high") for d in determinants)
        assert all("1146" in d.services for d in determinants)
    else:
        assert all(d.risk is None and not d.escalation_required for d in determinants)


# ------------------------------------------------------------------ heat and cold injury

HEAT: dict[str, AnswerValue] = {"exposure": "heat", "awake": True}
COLD: dict[str, AnswerValue] = {"exposure": "cold", "awake": True}


def test_confusion_in_the_heat_is_heat_stroke_cooled_at_once_by_immersion() -> None:
    definition = load("heat_cold_injury")
    state = finish(definition, {**HEAT, "heat_confused": True})
    assert found(state) == ("HC-2", 1, ("103",))
    assert state.path.index("heat_move") < state.path.index("heat_cool_fast")
    assert "heat_drink" not in state.path
    assert "up to the neck" in definition.node("heat_cool_fast").text.en


def test_heat_exhaustion_drinks_and_rests_and_is_cooled_fast_when_it_gets_worse() -> None:
    definition = load("heat_cold_injury")
    better = finish(definition, {**HEAT, "heat_confused": False, "heat_worse": False})
    assert found(better) == ("HC-5", 3, ("103",))
    assert "heat_drink" in better.path
    assert "heat_cool_fast" not in better.path
    worse = finish(definition, {**HEAT, "heat_confused": False, "heat_worse": True})
    assert found(worse) == ("HC-2", 1, ("103",))
    assert worse.path.index("heat_drink") < worse.path.index("heat_cool_fast")


def test_severe_hypothermia_is_handled_gently_and_frostbite_is_not_rubbed() -> None:
    definition = load("heat_cold_injury")
    severe = finish(definition, {**COLD, "cold_confused": True, "cold_frostbite": True})
    assert found(severe) == ("HC-3", 1, ("103",))
    assert {"cold_move", "cold_severe", "frostbite_care"} <= set(severe.path)
    assert "cold_warm_drink" not in severe.path
    assert "Do not rub" in definition.node("frostbite_care").text.en
    frostbite = finish(definition, {**COLD, "cold_confused": False, "cold_frostbite": True})
    assert found(frostbite) == ("HC-4", 2, ("103",))
    assert "cold_warm_drink" in frostbite.path
    mild = finish(definition, {**COLD, "cold_confused": False, "cold_frostbite": False})
    assert found(mild) == ("HC-6", 3, ("103",))
    assert "frostbite_care" not in mild.path


def test_unresponsive_is_put_on_the_side_or_handed_to_cpr() -> None:
    definition = load("heat_cold_injury")
    cold = finish(definition, {"exposure": "cold", "awake": False, "breathing": True})
    assert found(cold)[0] == "HC-3"
    assert cold.path.index("recovery") < cold.path.index("cold_severe")
    hot = finish(definition, {"exposure": "heat", "awake": False, "breathing": True})
    assert found(hot)[0] == "HC-2"
    assert "heat_cool_fast" in hot.path
    arrest = walk(definition, {"exposure": "cold", "awake": False, "breathing": False})
    assert arrest.finished
    assert arrest.path[-1] == "end_cpr"
    assert found(arrest) == ("HC-1", 1, ("103",))


# ------------------------------------------------------------------ road accident

ROAD: dict[str, AnswerValue] = {
    "injured_count": 2.0,
    "trapped": False,
    "fire_fuel": False,
    "unresponsive": False,
}


def test_a_road_accident_starts_with_the_callers_safety_and_sends_police_and_ambulance() -> None:
    definition = load("road_accident_injuries")
    state = finish(definition, {**ROAD, "bleeding": False})
    assert state.path[0] == "scene_safety"
    assert "hazard lights" in definition.node("scene_safety").text.en
    assert found(state) == ("RA-5", 2, ("102", "103"))
    assert "pressure" not in state.path
    assert "Do not move the injured" in definition.node("dont_move").text.en
    bleeding = finish(definition, {**ROAD, "bleeding": True})
    assert found(bleeding) == ("RA-4", 1, ("102", "103"))
    assert bleeding.path.index("pressure") < bleeding.path.index("dont_move")
    many = finish(definition, {**ROAD, "injured_count": 4.0, "bleeding": False})
    assert found(many)[:2] == ("RA-4", 1)


@pytest.mark.parametrize(
    ("answers", "code"), [({"trapped": True}, "RA-2"), ({"fire_fuel": True}, "RA-1")]
)
def test_trapped_or_fire_adds_the_fire_service(answers: dict[str, AnswerValue], code: str) -> None:
    definition = load("road_accident_injuries")
    state = finish(definition, {**ROAD, **answers, "bleeding": False})
    assert found(state) == (code, 1, ("102", "103", "101"))
    assert ("fire_away" in state.path) == (code == "RA-1")


def test_an_unresponsive_casualty_gets_the_airway_kept_or_cpr() -> None:
    definition = load("road_accident_injuries")
    breathing = finish(
        definition, {**ROAD, "unresponsive": True, "breathing": True, "bleeding": False}
    )
    assert breathing.path.index("airway") < breathing.path.index("bleeding")
    assert found(breathing)[:2] == ("RA-4", 1)
    arrest = finish(definition, {**ROAD, "unresponsive": True, "breathing": False})
    assert arrest.path[-1] == "end_cpr"
    assert found(arrest) == ("RA-3", 1, ("102", "103"))


# ------------------------------------------------------------------ fire in a building


def test_a_caller_who_can_get_out_gets_out_closes_doors_and_stays_out() -> None:
    definition = load("building_fire")
    state = finish(
        definition,
        {
            "caller_location": "inside",
            "can_get_out": True,
            "people_inside": False,
            "injured": False,
        },
    )
    assert state.path[-2:] == ("stay_out", "end_out")
    assert "get_out" in state.path
    text = definition.node("get_out").text.en
    assert "never the lift" in text
    assert "Close the doors" in text
    assert "crawl" in text
    assert found(state) == ("BF-4", 1, ("101",))


def test_a_trapped_caller_seals_the_door_signals_and_stays_on_the_line() -> None:
    definition = load("building_fire")
    trapped: dict[str, AnswerValue] = {
        "caller_location": "inside",
        "can_get_out": False,
        "where_inside": "5th floor, flat 21, window on the yard",
        "smoke_in_room": True,
    }
    state = finish(definition, {**trapped, "injured": False})
    assert state.path.index("trapped_room") < state.path.index("signal")
    assert "low_breathe" in state.path
    assert "stay_out" not in state.path
    assert state.path[-1] == "end_trapped"
    assert "gaps" in definition.node("trapped_room").text.en
    assert "window" in definition.node("signal").text.en
    assert found(state) == ("BF-2", 1, ("101",))
    hurt = finish(definition, {**trapped, "injured": True})
    assert hurt.path[-2:] == ("injured_care", "end_trapped")
    assert found(hurt) == ("BF-1", 1, ("101", "103"))


def test_outside_nobody_goes_back_in_and_the_injured_bring_the_ambulance() -> None:
    definition = load("building_fire")
    inside = walk(definition, {"caller_location": "outside", "people_inside": True})
    assert inside.current == "dont_go_back"
    assert found(inside) == ("BF-2", 1, ("101",))
    hurt = finish(
        definition, {"caller_location": "outside", "people_inside": False, "injured": True}
    )
    assert found(hurt) == ("BF-3", 1, ("101", "103"))
    assert "20 minutes" in definition.node("injured_care").text.en


# ------------------------------------------------------------------ gas smell

INDOORS: dict[str, AnswerValue] = {
    "explosion_fire": False,
    "where_smell": "indoors",
    "unwell": "none",
}


def test_a_faint_smell_indoors_no_sparks_windows_valve_out_and_the_gas_service() -> None:
    definition = load("gas_smell")
    state = finish(definition, {**INDOORS, "strong": False})
    order = ["no_sparks", "open_windows", "valve", "leave", "keep_clear"]
    assert [node for node in state.path if node in order] == order
    assert found(state) == ("GS-5", 2, ("104",))
    assert "electrical" in definition.node("no_sparks").text.en
    assert "not the lift" in definition.node("leave").text.en


def test_a_strong_smell_skips_the_valve_and_adds_the_fire_service() -> None:
    definition = load("gas_smell")
    state = finish(definition, {**INDOORS, "strong": True})
    assert "valve" not in state.path
    assert found(state) == ("GS-4", 2, ("104", "101"))


def test_someone_collapsed_or_an_explosion_sends_fire_and_ambulance() -> None:
    definition = load("gas_smell")
    collapsed = finish(definition, {**INDOORS, "unwell": "collapsed", "strong": True})
    assert "collapsed_help" in collapsed.path
    assert found(collapsed) == ("GS-2", 1, ("104", "103", "101"))
    blast = finish(definition, {"explosion_fire": True, "blast_injured": True})
    assert blast.path[:2] == ("explosion_fire", "get_away")
    assert "blast_care" in blast.path
    assert found(blast)[:2] == ("GS-1", 1)
    assert set(found(blast)[2]) == {"101", "103", "104"}


def test_a_smell_outdoors_keeps_people_away_without_the_indoor_steps() -> None:
    definition = load("gas_smell")
    state = finish(
        definition, {"explosion_fire": False, "where_smell": "outdoors", "strong": False}
    )
    assert "outdoor_away" in state.path
    assert not {"unwell", "no_sparks", "valve", "leave"} & set(state.path)
    assert found(state) == ("GS-5", 2, ("104",))


# ------------------------------------------------------------------ domestic violence

SAFE_TO_TALK: dict[str, AnswerValue] = {
    "can_talk": True,
    "weapon": False,
    "injured": False,
    "children": False,
    "strangled": False,
}


def test_danger_now_is_priority_1_to_police_and_1146_with_escalation() -> None:
    definition = load("domestic_violence")
    state = finish(definition, {**SAFE_TO_TALK, "danger_now": True})
    assert found(state) == ("DV-2", 1, ("102", "1146"))
    assert state.determinant is not None
    assert (state.determinant.risk, state.determinant.escalation_required) == ("high", True)
    assert state.path.index("validate") < state.path.index("safety_now")
    assert "not your fault" in definition.node("validate").text.en
    assert state.path[-2:] == ("connect_1146", "end_call")


def test_the_determinant_is_known_as_soon_as_the_danger_is() -> None:
    state = walk(load("domestic_violence"), {"can_talk": True, "danger_now": True})
    assert state.current == "weapon"
    assert found(state)[:2] == ("DV-2", 1)


def test_hurt_in_danger_adds_the_ambulance_and_the_children_are_kept_safe() -> None:
    definition = load("domestic_violence")
    state = finish(
        definition,
        {
            **SAFE_TO_TALK,
            "danger_now": True,
            "injured": True,
            "injury_serious": False,
            "children": True,
        },
    )
    assert found(state) == ("DV-1", 1, ("102", "103", "1146"))
    assert state.path.index("children_safe") < state.path.index("injury_care")


def test_a_caller_who_cannot_talk_is_asked_only_yes_or_no() -> None:
    definition = load("domestic_violence")
    quiet = finish(definition, {**SAFE_TO_TALK, "can_talk": False, "danger_now": True})
    assert quiet.path[:3] == ("can_talk", "quiet_mode", "danger_now")
    assert "yes or no" in definition.node("quiet_mode").text.en
    # every question, on this walk and on any other, can be answered with a plain yes or no
    answers = [node.answer for node in definition.nodes if node.answer is not None]
    assert answers
    assert all(answer.type == "yes_no" for answer in answers)


@pytest.mark.parametrize(
    ("answers", "code", "risk", "services"),
    [
        ({}, "DV-6", "low", ("102", "1146")),
        ({"strangled": True}, "DV-5", "high", ("102", "1146")),
        ({"weapon": True}, "DV-5", "high", ("102", "1146")),
        ({"injured": True, "injury_serious": False}, "DV-4", "moderate", ("102", "103", "1146")),
        (
            {"injured": True, "injury_serious": False, "weapon": True},
            "DV-3",
            "high",
            ("102", "103", "1146"),
        ),
        ({"injured": True, "injury_serious": True}, "DV-1", "high", ("102", "103", "1146")),
    ],
)
def test_not_in_danger_now_the_risk_follows_injuries_weapons_and_strangling(
    answers: dict[str, AnswerValue], code: str, risk: str, services: tuple[str, ...]
) -> None:
    definition = load("domestic_violence")
    state = finish(definition, {**SAFE_TO_TALK, "danger_now": False, **answers})
    assert "police_coming" in state.path
    assert "safety_now" not in state.path
    assert state.determinant is not None
    assert (state.determinant.code, state.determinant.risk, state.determinant.services) == (
        code,
        risk,
        services,
    )
    assert state.determinant.escalation_required == (risk == "high")


# ------------------------------------------------------------------ psychological first aid

CALM: dict[str, AnswerValue] = {
    "hurt_now": False,
    "threat_now": False,
    "what_happened": "my house was flooded and I lost everything",
    "calmer": True,
}


def test_look_listen_link_with_slow_breathing_and_the_1146_line() -> None:
    definition = load("psychological_first_aid")
    state = finish(definition, {**CALM, "suicide_thoughts": False, "support_person": True})
    order = [
        "listen",
        "what_happened",
        "breathe",
        "grounding",
        "calmer",
        "suicide_thoughts",
        "support_person",
        "call_support",
        "link_1146",
        "end_link",
    ]
    assert [node for node in state.path if node in order] == order
    assert timer_on(definition, state, "breathe").kind == "stopwatch"
    assert "feet flat on the floor" in definition.node("grounding").text.en
    assert found(state) == ("PF-4", 4, ("1146",))
    assert state.determinant is not None
    assert state.determinant.risk == "low"


def test_thoughts_of_suicide_hand_over_to_the_suicide_risk_screen() -> None:
    definition = load("psychological_first_aid")
    state = finish(definition, {**CALM, "suicide_thoughts": True})
    assert state.path[-1] == "end_screen"
    assert found(state) == ("PF-2", 2, ("1146",))
    assert state.determinant is not None
    assert state.determinant.risk == "moderate"
    # the end names the screen by its title in every language
    assert "suicide_risk_screen" in CODES
    screen = load("suicide_risk_screen").title
    text = definition.node("end_screen").text
    for language in ("uz", "ru", "kaa"):
        assert getattr(screen, language) in getattr(text, language)
    assert screen.en.lower() in text.en.lower()


@pytest.mark.parametrize("answers", [{"hurt_now": True}, {"hurt_now": False, "threat_now": True}])
def test_someone_hurt_or_in_danger_gets_help_sent_first_and_escalated(
    answers: dict[str, AnswerValue],
) -> None:
    definition = load("psychological_first_aid")
    state = finish(definition, answers)
    assert state.path[-1] == "end_help"
    assert "listen" not in state.path
    assert found(state)[:2] == ("PF-1", 1)
    assert state.determinant is not None
    assert set(state.determinant.services) == {"1146", "103", "102"}
    assert (state.determinant.risk, state.determinant.escalation_required) == ("high", True)


def test_a_caller_who_does_not_calm_down_is_moderate_risk() -> None:
    definition = load("psychological_first_aid")
    state = finish(
        definition, {**CALM, "calmer": False, "suicide_thoughts": False, "support_person": False}
    )
    assert "call_support" not in state.path
    assert found(state) == ("PF-3", 3, ("1146",))
    assert state.determinant is not None
    assert state.determinant.risk == "moderate"
