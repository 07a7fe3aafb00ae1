"""The seeded protocols (issue 24): every file is a valid definition in four languages, walks
the way the guidance it names says, and every question and determinant can be reached by
answering."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from dispatch.protocols.definition import (
    LANGUAGES,
    Definition,
)
from tests.protocols.seed_walks import (
    CLASSIFIER,
    CODES,
    CYRILLIC,
    FIRST_SET,
    SEEDS,
    conditions_in,
    every_walk,
    load,
    texts_in,
)


def test_the_first_set_is_there() -> None:
    assert set(FIRST_SET) <= set(CODES)


@pytest.mark.parametrize("code", CODES)
def test_a_seed_is_a_valid_definition_marked_as_a_draft(code: str) -> None:
    text = (SEEDS / f"{code}.yaml").read_text("utf-8")
    definition = load(code)
    assert definition.code == code
    head = " ".join(line.lstrip("# ") for line in text.splitlines()[:3])
    assert head.startswith("DRAFT — not approved.")
    assert "must review and approve every text before use" in head
    assert definition.guidance
    assert all(guidance.year >= 2008 for guidance in definition.guidance)
    lowered = text.lower()
    for proprietary in ("mpds", "proqa", "priority dispatch", "medical priority"):
        assert proprietary not in lowered
    # MPDS-style determinant codes (e.g. 9-E-1) are not used, only own codes such as CA-1
    assert not re.search(r"\b\d{1,2}-[A-EO]-\d{1,2}\b", text)


@pytest.mark.parametrize("code", CODES)
def test_every_text_is_in_the_four_languages_in_the_right_script(code: str) -> None:
    definition = load(code)
    texts = list(texts_in(definition))
    assert len(texts) > len(definition.nodes)
    for text in texts:
        for language in LANGUAGES:
            assert getattr(text, language).strip()
        assert CYRILLIC.search(text.ru), text.ru
        for latin in (text.uz, text.kaa, text.en):
            assert not CYRILLIC.search(latin), latin
        # Uzbek Latin: o‘ and g‘ with ‘ (U+2018), the tutuq belgisi with ’ (U+2019)
        assert not re.search(r"[oOgG]['`ʻ’]", text.uz), text.uz
        assert not re.search(r"[^oOgG]‘", text.uz), text.uz


@pytest.mark.parametrize("code", CODES)
def test_a_seed_comes_back_the_same_from_storage(code: str) -> None:
    """Stored as JSON (without the unset fields) and read back, a seed is the same definition."""
    definition = load(code)
    stored = json.loads(json.dumps(definition.model_dump(mode="json", exclude_none=True)))
    assert Definition.model_validate(stored) == definition


@pytest.mark.parametrize("code", CODES)
def test_every_equals_fits_its_question(code: str) -> None:
    """The format checks ``one_of`` against the choices but not ``equals``: a misspelt choice
    or a string for a yes/no would never hold."""
    definition = load(code)
    for condition in conditions_in(definition):
        if condition.node is None or condition.equals is None:
            continue
        answer = definition.node(condition.node).answer
        assert answer is not None
        if answer.type == "yes_no":
            assert isinstance(condition.equals, bool), condition
        elif answer.type == "choice":
            assert condition.equals in {choice.code for choice in answer.choices}, condition
        else:
            assert answer.type == "number", condition
            assert isinstance(condition.equals, float), condition


@pytest.mark.parametrize("code", CODES)
def test_the_incident_types_are_in_the_classifier(code: str) -> None:
    classifier = yaml.safe_load(CLASSIFIER.read_text("utf-8"))
    known = {entry["code"] for entry in classifier["incident_types"]}
    definition = load(code)
    assert definition.incident_types
    assert set(definition.incident_types) <= known


@pytest.mark.parametrize("code", CODES)
def test_every_question_and_determinant_is_reached_by_answering(code: str) -> None:
    """Walking every answer: each node lies on a finished walk, each walk ends at an end node
    with a determinant, and each determinant is met on the way of some walk."""
    definition = load(code)
    walks, met = every_walk(definition)
    passed = {node_id for state in walks for node_id in state.path}
    assert passed == {node.id for node in definition.nodes}
    for state in walks:
        assert definition.node(state.path[-1]).kind == "end"
        assert state.determinant is not None, f"no determinant for {dict(state.counted)}"
    assert met == {determinant.code for determinant in definition.determinants}


# ------------------------------------------------------------------ cardiac arrest
