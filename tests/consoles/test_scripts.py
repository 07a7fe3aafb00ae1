"""Call-taking scripts: data per incident type in Uzbek and Russian, drafts for methodologists."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from dispatch.cards.routing import default_classifier
from dispatch.consoles.scripts import SCRIPTS_FILE, ScriptError, load_scripts, parse_scripts
from tests.fixtures.api import Api

# The incident types a 112 centre hears most (medical, road, fire, crime, violence, gas,
# mental health, missing children): each must have its own script.
FREQUENT = (
    "medical.illness",
    "medical.injury_fall",
    "medical.breathing_difficulty",
    "medical.chest_pain",
    "medical.unconscious",
    "medical.cardiac_arrest",
    "medical.poisoning",
    "road.accident_injuries",
    "road.accident_no_injuries",
    "fire.residential",
    "crime.theft",
    "crime.assault",
    "crime.public_disorder",
    "violence.domestic",
    "gas.smell_indoors",
    "mental_health.suicide_risk",
    "missing.child",
)


def _document() -> dict[str, Any]:
    with SCRIPTS_FILE.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.safe_load(handle)
    return document


def test_the_frequent_types_have_scripts_in_uzbek_and_russian_marked_as_drafts() -> None:
    scripts = load_scripts()
    assert len(FREQUENT) >= 15
    assert set(FREQUENT) <= set(scripts.by_type)
    for script in (*scripts.by_type.values(), scripts.general):
        assert script.status == "draft", script.incident_type
        assert {"uz", "ru"} <= set(script.languages), script.incident_type
        assert all(step.text["uz"] != step.text["ru"] for step in script.steps)


def test_uzbek_is_written_with_the_proper_apostrophes() -> None:
    for script in load_scripts().by_type.values():
        for step in script.steps:
            assert not {"'", "`"} & set(step.text["uz"]), step.id


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["scripts"][0].update(incident_type="fire.dragon"), "not an incident type"),
        (lambda d: d["scripts"][0].update(status="final"), "status must be one of"),
        (lambda d: d["scripts"][0].update(status="approved"), "names its reviewer"),
        (lambda d: d["scripts"][0]["steps"].append("common.nothing"), "not a common step"),
        (lambda d: d["common"][0].pop("ru"), "the text in 'ru' is missing"),
        (lambda d: d["common"][0].update(field="caller.age"), "is not a card field"),
        (lambda d: d["common"][0].update(kind="shout"), "kind must be one of"),
        (lambda d: d["scripts"].append(copy.deepcopy(d["scripts"][0])), "appears twice"),
        (lambda d: d["scripts"][0]["steps"].append("common.address"), "step ids must be unique"),
        (lambda d: d.update(version=2), "version: 1"),
    ],
)
def test_a_malformed_scripts_file_is_refused_naming_the_entry(change: Any, message: str) -> None:
    document = _document()
    change(document)
    with pytest.raises(ScriptError, match=message):
        parse_scripts(document, default_classifier())


@pytest.mark.asyncio
async def test_the_script_of_a_type_in_order_with_its_fields(api: Api) -> None:
    response = await api.get("/api/v1/incident-types/gas.smell_indoors/script", user="operator1")
    assert response.status_code == 200, response.text
    script = response.json()
    assert (script["incident_type"], script["status"], script["general"]) == (
        "gas.smell_indoors",
        "draft",
        False,
    )
    assert {"uz", "ru"} <= set(script["languages"])
    first = script["steps"][0]
    assert first["field"] == "location.address"
    assert first["kind"] == "question"
    assert first["text"]["uz"].startswith("Aniq manzilni ayting")
    instruction = next(s for s in script["steps"] if s["id"] == "no_spark")
    assert instruction["kind"] == "instruction"
    assert "Не включайте" in instruction["text"]["ru"]


@pytest.mark.asyncio
async def test_a_type_without_its_own_script_gets_the_general_one(api: Api) -> None:
    response = await api.get("/api/v1/incident-types/animal.attack/script", user="operator2")
    assert response.status_code == 200
    assert response.json()["general"] is True
    assert [s["field"] for s in response.json()["steps"]][:2] == [
        "location.address",
        "incident.description",
    ]


@pytest.mark.asyncio
async def test_an_unknown_type_has_no_script(api: Api) -> None:
    response = await api.get("/api/v1/incident-types/fire.dragon/script", user="operator1")
    assert response.status_code == 404
    assert "unknown incident type" in response.json()["detail"]
