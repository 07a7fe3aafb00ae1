"""The second set's first half, continued (issue 25): poisoning and overdose, drowning,
electric shock and allergic reaction walked the typical ways (burns, seizure and stroke are in
test_seeds_second_set_a.py)."""

from __future__ import annotations

from tests.protocols.checked_walks import finish, found, walk
from tests.protocols.seed_walks import load, timer_on


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
