"""The wellbeing rules one by one, each with a card that meets it and one that must not."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from cardschema import AgeBand, Card, CardStatus, Channel, Incident, Outcome, Person, PersonRole
from dispatch.cards.routing import default_classifier
from dispatch.wellbeing import rules

AT = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


def _card(
    incident_type: str | None = "medical.illness",
    *persons: Person,
    outcome: Outcome | None = Outcome.DISPATCHED,
) -> Card:
    return Card(
        id=uuid.uuid4(),
        number="112-20261205-000001",
        version=3,
        status=CardStatus.CLOSED if outcome else CardStatus.OPEN,
        created_at=AT,
        updated_at=AT,
        closed_at=AT if outcome else None,
        channel=Channel.VOICE,
        language="uz",
        incident=Incident(type=incident_type),
        persons=persons,
        outcome=outcome,
        operator_id="operator1",
    )


def _victim(**fields: object) -> Person:
    return Person(role=PersonRole.VICTIM, **fields)  # type: ignore[arg-type]


def test_every_incident_type_the_rules_name_is_the_classifiers() -> None:
    known = set(default_classifier().types)
    named = rules.SUICIDE_TYPES | rules.CHILD_ABUSE_TYPES | rules.VIOLENT_TYPES
    assert named <= known
    categories = {default_classifier().get(code).category for code in rules.VIOLENT_TYPES}
    assert categories == {"violence", "crime"}
    # every type of the category violence is violent
    assert {c for c in known if c.startswith("violence.")} <= rules.VIOLENT_TYPES


def test_the_suicide_type_is_a_traumatic_call() -> None:
    assert rules.reasons(_card("mental_health.suicide_risk")) == ("suicide",)
    # a crisis that is not about suicide is not
    assert rules.reasons(_card("mental_health.crisis")) == ()


def test_child_abuse_is_violence_against_a_child_whoever_the_persons_are() -> None:
    assert rules.reasons(_card("violence.child_abuse")) == ("violence_child",)
    # and not said twice when a child victim is named too
    with_child = _card("violence.child_abuse", _victim(age=6))
    assert rules.reasons(with_child) == ("violence_child",)


@pytest.mark.parametrize(
    "victim",
    [
        _victim(age=0),
        _victim(age=17),
        _victim(age_band=AgeBand.INFANT),
        _victim(age_band=AgeBand.CHILD),
        _victim(age_band=AgeBand.ADOLESCENT),
    ],
    ids=["age 0", "age 17", "infant", "child", "adolescent"],
)
def test_a_child_victim_of_a_violent_type_is_violence_against_a_child(victim: Person) -> None:
    for kind in ("violence.domestic", "violence.sexual", "crime.assault", "crime.armed_threat"):
        assert rules.reasons(_card(kind, victim)) == ("violence_child",), kind


@pytest.mark.parametrize(
    "person",
    [
        _victim(age=18),
        _victim(age_band=AgeBand.ADULT),
        _victim(age_band=AgeBand.ELDERLY),
        _victim(),  # age not known
        Person(role=PersonRole.WITNESS, age=9),
        Person(role=PersonRole.SUSPECT, age_band=AgeBand.ADOLESCENT),
        Person(role=PersonRole.CALLER, age=12),
    ],
    ids=[
        "age 18",
        "adult",
        "elderly",
        "unknown age",
        "child witness",
        "young suspect",
        "child caller",
    ],
)
def test_no_child_victim_is_no_violence_against_a_child(person: Person) -> None:
    assert rules.reasons(_card("violence.domestic", person)) == ()


def test_a_child_victim_of_a_type_that_is_not_violent_is_not_violence_against_a_child() -> None:
    for kind in ("road.pedestrian_hit", "medical.injury_fall", "missing.child", "crime.theft"):
        assert rules.reasons(_card(kind, _victim(age=7))) == (), kind


@pytest.mark.parametrize(
    "condition",
    [
        "dead on arrival",
        "Deceased",
        "died at the scene",
        "killed",
        "lifeless, cold",
        "passed away before the crew came",
        "no signs of life",
        "мёртв",
        "Мертвый",
        "умер",
        "умерла до приезда скорой",
        "погиб на месте",
        "скончался",
        "смерть до прибытия",
        "обнаружен труп",
        "без признаков жизни",
        "летальный исход",
        "vafot etgan",
        "Vafot etdi",
        "o‘lgan",
        "oʻldi",
        "o'lik holda topildi",
        "halok bo‘lgan",
        "jasadi topildi",
        "hayot belgilari yo‘q",
        "вафот этган",
        "ўлган",
        "ҳалок бўлган",
        "ҳаёт белгилари йўқ",
    ],
)
def test_a_condition_that_says_the_person_died_is_a_death(condition: str) -> None:
    assert rules.says_death(condition), condition
    assert rules.reasons(_card("road.accident_injuries", _victim(condition=condition))) == (
        "death",
    )


@pytest.mark.parametrize(
    "condition",
    [
        None,
        "not dead, breathing",
        "conscious, bleeding",
        "deadline missed",
        "he is dying",  # alive yet
        "умеренное кровотечение",
        "не умер, дышит",
        "без сознания",
        "может погибнуть",
        "смертельно ранен",
        "o‘lchov olinmadi",
        "o‘lmagan, nafas olyapti",
        "vafot etmagan",
        "o‘lik emas",
        "hushsiz",
        "ўлмаган",
    ],
    ids=lambda value: repr(value),
)
def test_a_condition_that_does_not_say_so_is_no_death(condition: str | None) -> None:
    assert not rules.says_death(condition)
    assert not rules.says_death("")
    assert rules.reasons(_card("road.accident_injuries", _victim(condition=condition))) == ()


def test_any_person_may_have_died_whatever_the_type() -> None:
    witness = Person(role=PersonRole.WITNESS, condition="died")
    assert rules.reasons(_card("fire.residential", witness)) == ("death",)
    assert rules.reasons(_card(None, witness)) == ("death",)


def test_several_rules_are_all_named_in_the_tables_order() -> None:
    card = _card("violence.domestic", _victim(age=4, condition="умер"))
    assert rules.reasons(card) == ("violence_child", "death")


@pytest.mark.parametrize("outcome", sorted(rules.NOTHING_HAPPENED))
def test_a_card_closed_as_nothing_that_happened_meets_no_rule(outcome: Outcome) -> None:
    card = _card("mental_health.suicide_risk", _victim(age=3, condition="dead"), outcome=outcome)
    assert rules.reasons(card) == ()


def test_every_other_outcome_keeps_the_rules() -> None:
    for outcome in set(Outcome) - rules.NOTHING_HAPPENED:
        assert rules.reasons(_card("violence.child_abuse", outcome=outcome)) == ("violence_child",)


def test_a_card_not_closed_meets_no_rule() -> None:
    assert rules.reasons(_card("violence.child_abuse", outcome=None)) == ()


def test_a_rule_is_data_and_a_table_of_other_rules_is_read_the_same_way() -> None:
    fires = (rules.Rule("fire", types=frozenset({"fire.residential"})),)
    assert rules.reasons(_card("fire.residential"), fires) == ("fire",)
    assert rules.reasons(_card("fire.vehicle"), fires) == ()
    assert rules.REASONS == ("suicide", "violence_child", "death", "self_request")
