"""The incident classifier: packaged data, routing rules, search and file validation."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from dispatch.cards.routing.classifier import (
    Classifier,
    default_classifier,
    load_classifier,
    parse_classifier,
)
from dispatch.cards.routing.model import (
    CARD_FIELDS,
    ClassifierError,
    Suggestion,
    UnknownHazard,
    UnknownIncidentType,
)
from dispatch.cards.service import forget_incident_type_frequency
from tests.cards.conftest import new_card
from tests.fixtures.api import Api

REQUIRED_CATEGORIES = {
    "fire",
    "rescue",
    "road",
    "crime",
    "violence",
    "medical",
    "gas",
    "utility",
    "natural",
    "missing",
    "mental_health",
    "hazmat",
    "animal",
    "info",
    "other",
}
REQUIRED_HAZARDS = {
    "trapped_people",
    "weapons",
    "gas_smell",
    "fire",
    "smoke",
    "electricity",
    "chemical",
    "explosion_risk",
    "water",
    "collapse_risk",
    "children_involved",
    "aggressive_person",
    "animal",
}


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return default_classifier()


def services(
    classifier: Classifier,
    incident_type: str | None,
    victims: int | None = None,
    hazards: tuple[str, ...] = (),
) -> list[str]:
    found = classifier.suggest_services(
        incident_type=incident_type, victims=victims, hazards=hazards
    )
    return [s.service for s in found]


# ---------------------------------------------------------------- the packaged file


def test_packaged_classifier_loads_once_with_enough_types(classifier: Classifier) -> None:
    assert default_classifier() is classifier
    assert len(classifier.types) >= 45
    assert {t.category for t in classifier.types.values()} >= REQUIRED_CATEGORIES
    assert set(classifier.hazards) >= REQUIRED_HAZARDS
    assert load_classifier().types.keys() == classifier.types.keys()


def test_every_type_is_complete(classifier: Classifier) -> None:
    for code, itype in classifier.types.items():
        assert code == itype.code
        assert code.startswith(f"{itype.category}.")
        for lang in ("uz", "ru", "en"):
            assert itype.names[lang].strip(), (code, lang)
        assert 1 <= itype.priority <= 5
        assert all(s in {"101", "102", "103", "104", "1146"} for s in itype.services), code
        assert set(itype.required) <= set(CARD_FIELDS)
        assert 5 <= itype.ack_deadline_s <= 120


def test_uzbek_names_use_the_official_apostrophes(classifier: Classifier) -> None:
    uzbek = [t.names["uz"] for t in classifier.types.values()]
    assert classifier.get("fire.residential").names["uz"] == "Turar joy binosida yong‘in"
    assert not [name for name in uzbek if "'" in name or "`" in name]
    assert not [name for name in uzbek if any("а" <= ch <= "я" for ch in name.lower())]


def test_required_fields_come_from_the_type(classifier: Classifier) -> None:
    assert classifier.required_fields("medical.cardiac_arrest") == (
        "location.address",
        "caller.callback_number",
        "incident.victims",
    )
    assert classifier.required_fields("info.consultation") == ()
    assert classifier.required_fields(None) == ()
    with pytest.raises(UnknownIncidentType):
        classifier.required_fields("medical.nonsense")


# ---------------------------------------------------------------- routing


def test_design_examples_route_as_documented(classifier: Classifier) -> None:
    assert services(classifier, "road.accident_injuries", victims=2) == ["102", "103"]
    assert services(classifier, "road.accident_injuries", 2, ("trapped_people",)) == [
        "102",
        "103",
        "101",
    ]
    assert set(services(classifier, "gas.smell_indoors")) == {"104", "101"}
    assert set(services(classifier, "violence.domestic")) == {"102", "1146"}


def test_reasons_explain_each_service(classifier: Classifier) -> None:
    found = classifier.suggest_services(
        incident_type="road.accident_injuries", victims=2, hazards=["trapped_people"]
    )
    assert found == [
        Suggestion("102", ("incident type road.accident_injuries",)),
        Suggestion("103", ("incident type road.accident_injuries", "People injured")),
        Suggestion("101", ("People trapped",)),
    ]


def test_rules_add_services_from_card_facts(classifier: Classifier) -> None:
    assert services(classifier, "crime.theft") == ["102"]
    assert services(classifier, "crime.theft", victims=1) == ["102", "103"]
    assert services(classifier, "crime.theft", victims=0) == ["102"]
    assert services(classifier, "mental_health.crisis", hazards=("weapons",)) == ["1146", "102"]
    assert services(classifier, "info.consultation", hazards=("gas_smell",)) == ["104", "101"]
    assert services(classifier, None, victims=3) == ["103"]


def test_rule_with_two_conditions_needs_both(classifier: Classifier) -> None:
    assert services(classifier, "missing.adult", hazards=("water",)) == ["102", "101"]
    assert services(classifier, "missing.adult") == ["102"]
    assert services(classifier, "crime.theft", hazards=("water",)) == ["102"]


def test_prescribed_services_per_type(classifier: Classifier) -> None:
    assert services(classifier, "info.consultation") == []
    assert services(classifier, "mental_health.suicide_risk") == ["1146", "103"]
    assert services(classifier, "mental_health.suicide_risk", hazards=("weapons",)) == [
        "1146",
        "103",
        "102",
    ]
    assert services(classifier, "mental_health.crisis") == ["1146"]
    assert services(classifier, "missing.child") == ["102"]
    assert services(classifier, "fire.residential") == ["101"]
    assert services(classifier, "fire.residential", victims=1) == ["101", "103"]
    assert set(services(classifier, "road.accident_trapped")) == {"101", "102", "103"}


def test_unknown_hazards_are_refused_by_name(classifier: Classifier) -> None:
    with pytest.raises(UnknownHazard, match="'zombies'") as caught:
        classifier.suggest_services(
            incident_type="fire.vehicle", victims=None, hazards=["fire", "zombies"]
        )
    assert caught.value.tokens == ("zombies",)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(TypeError):
        classifier.suggest_services(incident_type=None, victims=None, hazards="fire")
    with pytest.raises(ValueError, match="negative"):
        classifier.suggest_services(incident_type=None, victims=-1, hazards=())


def test_unknown_incident_type_says_where_the_list_is(classifier: Classifier) -> None:
    with pytest.raises(UnknownIncidentType, match="GET /api/v1/incident-types") as caught:
        classifier.get("fire.dragon")
    assert "'fire.dragon'" in str(caught.value)
    assert isinstance(caught.value, LookupError)
    with pytest.raises(UnknownIncidentType):
        classifier.suggest_services(incident_type="fire.dragon", victims=None, hazards=())


# ---------------------------------------------------------------- search


@pytest.mark.parametrize("query", ["yong", "yong‘in", "Yong'in", "YONGʻIN", "yong’in", "yong`in"])
def test_uzbek_search_finds_fires_whatever_the_apostrophe(
    classifier: Classifier, query: str
) -> None:
    found = classifier.search(query)
    assert found
    assert {t.category for t in found} == {"fire"}
    assert {t.code for t in found} >= {"fire.residential", "fire.vehicle", "fire.wildfire"}


def test_uzbek_search_without_apostrophe_still_matches(classifier: Classifier) -> None:
    assert classifier.search("yurak toxtashi")[0].code == "medical.cardiac_arrest"
    assert classifier.search("o‘g‘irlik")[0].code == "crime.theft"


@pytest.mark.parametrize("query", ["дтп", "ДТП", "road", "avariya", "авария"])
def test_a_short_query_offers_the_severe_variant_first(classifier: Classifier, query: str) -> None:
    """Enter takes the first option: a road accident with injuries before one without."""
    codes = [t.code for t in classifier.search(query)]
    assert codes[0] in {"road.accident_injuries", "road.accident_trapped", "road.pedestrian_hit"}
    assert codes.index("road.accident_injuries") < codes.index("road.accident_no_injuries")
    priorities = [t.priority for t in classifier.search(query) if t.category == "road"]
    assert priorities == sorted(priorities)


def test_among_equally_severe_types_the_frequent_comes_first(classifier: Classifier) -> None:
    plain = [t.code for t in classifier.search("yong")]
    assert plain[:2] == ["fire.residential", "fire.building"]
    seen = {"fire.building": 40, "fire.residential": 3, "fire.wildfire": 500}
    ranked = [t.code for t in classifier.search("yong", frequency=seen)]
    assert ranked[:2] == ["fire.building", "fire.residential"]
    # Frequency never lifts a milder type above a more severe one.
    assert ranked.index("fire.wildfire") > ranked.index("fire.industrial")


def test_russian_and_english_search(classifier: Classifier) -> None:
    assert {t.category for t in classifier.search("ПОЖАР")} == {"fire"}
    assert classifier.search("пожар в жилом")[0].code == "fire.residential"
    assert classifier.search("грабеж")[0].code == "crime.robbery"
    assert [t.code for t in classifier.search("cardiac")] == ["medical.cardiac_arrest"]
    assert classifier.search("ДТП")[0].category == "road"


def test_search_matches_codes_and_keywords(classifier: Classifier) -> None:
    assert classifier.search("medical.stroke")[0].code == "medical.stroke"
    assert classifier.search("sel")[0].code == "natural.flood"
    assert classifier.search("пахнет газом")[0].code == "gas.smell_indoors"
    assert classifier.search("пожар дом")[0].code == "fire.residential"
    assert classifier.search("zzzz") == []


def test_search_limit_and_empty_query(classifier: Classifier) -> None:
    assert len(classifier.search("", limit=5)) == 5
    assert classifier.search("  ", limit=3) == list(classifier.types.values())[:3]
    assert len(classifier.search("medical", limit=2)) == 2
    assert classifier.search("medical", limit=0) == []
    with pytest.raises(ValueError, match="limit"):
        classifier.search("fire", limit=-1)


def test_name_prefix_ranks_before_substring(tmp_path: Path) -> None:
    data = minimal()
    names_first = {"uz": "Boshqa olovlar", "ru": "Иной огонь", "en": "Other flames"}
    names_second = {"uz": "Olovli hodisa", "ru": "Огненный шар", "en": "Fireball"}
    data["incident_types"].append(incident("fire.other_first", names=names_first))
    data["incident_types"].append(incident("fire.prefix_second", names=names_second))
    loaded = load_classifier(write(tmp_path, data))
    prefixed_first = ["fire.prefix_second", "fire.other_first"]
    assert [t.code for t in loaded.search("olov")] == prefixed_first
    assert [t.code for t in loaded.search("ог")] == prefixed_first
    # equal matches keep the classifier's order
    assert [t.code for t in loaded.search("lov")] == ["fire.other_first", "fire.prefix_second"]


# ---------------------------------------------------------------- validation


def incident(code: str, **overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "code": code,
        "category": code.split(".")[0],
        "names": {"uz": f"{code} uz", "ru": f"{code} ru", "en": f"{code} en"},
        "priority": 2,
        "services": ["101"],
        "ack_deadline_s": 30,
        "complete_deadline_min": 60,
        "required": ["location.address"],
        "keywords": {"en": ["blaze"]},
    }
    entry.update(overrides)
    return entry


def minimal() -> dict[str, Any]:
    return copy.deepcopy(
        {
            "version": 1,
            "categories": [
                {"code": "fire", "names": {"uz": "Yong‘in", "ru": "Пожар", "en": "Fire"}},
                {"code": "medical", "names": {"uz": "Tibbiy", "ru": "Мед", "en": "Medical"}},
            ],
            "hazards": [{"code": "smoke", "names": {"uz": "Tutun", "ru": "Дым", "en": "Smoke"}}],
            "incident_types": [incident("fire.house"), incident("medical.burns")],
            "rules": [{"when": {"hazard": "smoke"}, "add": ["101"]}],
        }
    )


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "classifier.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_minimal_file_loads(tmp_path: Path) -> None:
    loaded = load_classifier(write(tmp_path, minimal()))
    assert list(loaded.types) == ["fire.house", "medical.burns"]
    assert loaded.types["fire.house"].keywords == {"en": ("blaze",)}
    assert services(loaded, "medical.burns", hazards=("smoke",)) == ["101"]
    # a rule without a reason explains itself from its condition
    assert loaded.suggest_services(incident_type=None, victims=None, hazards=["smoke"]) == [
        Suggestion("101", ("Rule: hazard smoke",))
    ]


Mutation = Callable[[dict[str, Any]], None]


def _set_type(field: str, value: object, index: int = 0) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["incident_types"][index][field] = value

    return mutate


def _drop_type_field(field: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        del data["incident_types"][0][field]

    return mutate


def _set_rule(rule: dict[str, Any]) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["rules"] = [rule]

    return mutate


def _duplicate_type(data: dict[str, Any]) -> None:
    data["incident_types"].append(incident("fire.house", names={"uz": "a", "ru": "b", "en": "c"}))


def _duplicate_hazard(data: dict[str, Any]) -> None:
    data["hazards"].append(data["hazards"][0])


def _hazard_without_ru(data: dict[str, Any]) -> None:
    del data["hazards"][0]["names"]["ru"]


def _same_english_name(data: dict[str, Any]) -> None:
    data["incident_types"][1]["names"]["en"] = "FIRE.HOUSE EN"


def _ack_outlasts_completion(data: dict[str, Any]) -> None:
    data["incident_types"][0].update(ack_deadline_s=90, complete_deadline_min=1)


def _no_types(data: dict[str, Any]) -> None:
    data["incident_types"] = []


def _unknown_top_key(data: dict[str, Any]) -> None:
    data["rulez"] = []


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_duplicate_type, r"incident_types\[2\].*duplicate incident type code 'fire.house'"),
        (_set_type("code", "Fire.House"), r"incident_types\[0\]: field 'code'"),
        (_set_type("code", "fire"), r"incident_types\[0\]: field 'code'"),
        (_set_type("code", "fire..house"), r"incident_types\[0\]: field 'code'"),
        (_set_type("code", "f" * 70 + ".x"), r"incident_types\[0\]: field 'code'"),
        (_set_type("code", "medical.house"), r"\(medical.house\): field 'code' must start"),
        (_set_type("category", "weather"), r"\(fire.house\): field 'category'.*'weather'"),
        (_set_type("names", {"uz": "Uy", "en": "House"}), r"\(fire.house\) field 'names'.*ru"),
        (_set_type("names", {"uz": " ", "ru": "Дом", "en": "House"}), r"'names'.*'uz'"),
        (_set_type("names", {"uz": 1, "ru": "Дом", "en": "House"}), r"'names'.*'uz'"),
        (_set_type("priority", 0), r"\(fire.house\): field 'priority'"),
        (_set_type("priority", 6), r"\(fire.house\): field 'priority'"),
        (_set_type("priority", "1"), r"\(fire.house\): field 'priority'"),
        (_set_type("priority", True), r"\(fire.house\): field 'priority'"),
        (_set_type("services", [101]), r"\(fire.house\) field 'services'.*101"),
        (_set_type("services", ["10a"]), r"\(fire.house\) field 'services'.*'10a'"),
        (_set_type("services", ["101", "101"]), r"\(fire.house\) field 'services'.*duplicate"),
        (_set_type("services", "101"), r"\(fire.house\) field 'services'"),
        (_set_type("ack_deadline_s", 0), r"\(fire.house\): field 'ack_deadline_s'"),
        (_set_type("ack_deadline_s", "30"), r"\(fire.house\): field 'ack_deadline_s'"),
        (_set_type("ack_deadline_s", 100_000), r"\(fire.house\): field 'ack_deadline_s'"),
        (_set_type("complete_deadline_min", -5), r"field 'complete_deadline_min'"),
        (_set_type("complete_deadline_min", 1.5), r"field 'complete_deadline_min'"),
        (_ack_outlasts_completion, r"'complete_deadline_min' \(1 min\) must be longer"),
        (_set_type("required", ["caller.shoe_size"]), r"'required' names 'caller.shoe_size'"),
        (_set_type("required", "location.address"), r"field 'required'"),
        (_set_type("keywords", {"en": "blaze"}), r"field 'keywords' 'en'"),
        (_set_type("keywords", {"english": ["blaze"]}), r"'english' is not a language code"),
        (_set_type("service", ["101"]), r"\(fire.house\): unknown field\(s\) service"),
        (_drop_type_field("priority"), r"\(fire.house\): missing field\(s\) priority"),
        (_duplicate_hazard, r"hazards\[1\]: duplicate hazard code 'smoke'"),
        (_hazard_without_ru, r"hazards\[0\] field 'names': missing language\(s\) ru"),
        (_same_english_name, r"medical.burns: en name .* already used by fire.house"),
        (_no_types, r"'incident_types' must not be empty"),
        (_unknown_top_key, r"unknown field\(s\) rulez"),
        (_set_rule({"when": {"hazard": "lava"}, "add": ["101"]}), r"rules\[0\].*'lava'"),
        (_set_rule({"when": {"hazard": ["smoke"]}, "add": ["101"]}), r"rules\[0\].*'hazard'"),
        (_set_rule({"when": {"incident_type": "fire.x"}, "add": ["101"]}), r"rules\[0\].*fire.x"),
        (_set_rule({"when": {"category": "weather"}, "add": ["101"]}), r"rules\[0\].*weather"),
        (_set_rule({"when": {"moon": "full"}, "add": ["101"]}), r"rules\[0\].*unsupported.*moon"),
        (_set_rule({"when": {}, "add": ["101"]}), r"rules\[0\]: field 'when' must name"),
        (_set_rule({"when": {"victims_at_least": 0}, "add": ["103"]}), r"victims_at_least"),
        (_set_rule({"when": {"hazard": "smoke"}, "add": []}), r"rules\[0\] field 'add'"),
        (_set_rule({"when": {"hazard": "smoke"}, "add": [103]}), r"rules\[0\] field 'add'"),
        (
            _set_rule({"when": {"hazard": "smoke"}, "add": ["101"], "reason": {"en": "Smoke"}}),
            r"rules\[0\] field 'reason': missing language\(s\) uz, ru",
        ),
    ],
)
def test_invalid_files_are_refused_with_the_place_named(
    tmp_path: Path, mutate: Mutation, message: str
) -> None:
    data = minimal()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(ClassifierError, match=message) as caught:
        load_classifier(path)
    assert str(caught.value).startswith(str(path))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\nversion: 2\n", r"line 2: duplicate key 'version'"),
        ("version: [1\n", r"not valid YAML"),
        ("- just\n- a list\n", r"the file: must be a mapping"),
        ("version: 0\ncategories: []\nhazards: []\nincident_types: []\n", r"'version'"),
        ("version: 1\ncategories: []\nhazards: []\n", r"missing field 'incident_types'"),
        ("!!python/object:os.system {}\n", r"not valid YAML"),
    ],
)
def test_malformed_yaml_is_refused(text: str, message: str) -> None:
    with pytest.raises(ClassifierError, match=message):
        parse_classifier(text, "upload.yaml")


def test_duplicate_key_inside_an_entry_is_refused(tmp_path: Path) -> None:
    text = yaml.safe_dump(minimal(), allow_unicode=True, sort_keys=False)
    text = text.replace("  priority: 2\n", "  priority: 2\n  priority: 5\n", 1)
    path = tmp_path / "dup.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ClassifierError, match=r"dup.yaml: line \d+: duplicate key 'priority'"):
        load_classifier(path)


@pytest.mark.asyncio
async def test_the_type_search_counts_what_the_centre_sees(api: Api) -> None:
    """GET /incident-types?q= ranks equally severe types by the cards of the last week."""
    forget_incident_type_frequency()
    for _ in range(3):
        await new_card(api, incident={"type": "fire.building"})
    await new_card(api, incident={"type": "fire.wildfire"})
    found = await api.get("/api/v1/incident-types", user="operator1", params={"q": "yong"})
    assert found.status_code == 200, found.text
    codes = [t["code"] for t in found.json()]
    assert codes[:3] == ["fire.building", "fire.residential", "fire.industrial"]
    assert codes.index("fire.wildfire") > codes.index("fire.industrial")
    roads = await api.get("/api/v1/incident-types", user="operator1", params={"q": "дтп"})
    assert roads.json()[0]["code"] == "road.accident_injuries"
