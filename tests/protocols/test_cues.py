"""Cues in text (issue 25): the rules over the evaluation set written before them, per language
and cue (precision ≥ 0.8 and recall ≥ 0.9 for cardiac arrest and suicide intent), and what a
proposal shows: the protocol and the caller's own words that triggered it."""

from __future__ import annotations

import pytest

from dispatch.protocols.cues import RULES, CueKind, find_cues, normalise
from tests.protocols.cue_set import LANGUAGES, figures, load, table

ASSERTED = (CueKind.CARDIAC_ARREST, CueKind.SUICIDE_INTENT)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_set_has_sixty_messages_a_third_of_them_negatives_and_every_cue(language: str) -> None:
    examples = load(language)
    assert len(examples) >= 60
    assert sum(not example.cues for example in examples) * 3 >= len(examples) - 3
    assert {cue for example in examples for cue in example.cues} == set(CueKind)


@pytest.mark.parametrize("cue", ASSERTED)
@pytest.mark.parametrize("language", LANGUAGES)
def test_cardiac_arrest_and_suicide_intent_are_found_precisely(language: str, cue: CueKind) -> None:
    got = figures(load(language))[cue]
    assert got.precision >= 0.8, got.false_texts
    assert got.recall >= 0.9, got.false_texts


def test_the_other_cues_figures_are_computed_for_every_language(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for language in LANGUAGES:
        examples = load(language)
        for cue, got in figures(examples).items():
            carried = sum(cue in example.cues for example in examples)
            assert got.true_positives + got.false_negatives == carried
    with capsys.disabled():
        print("\n" + table())


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("onam nafas olmayapti", "nafas olmayapti"),
        ("Onam nafas olmayapti!!", "nafas olmayapti"),
        ("онам нафас олмаяпти", "нафас олмаяпти"),
        ("мама не дышит", "не дышит"),
        ("mama ne dyshit", "ne dyshit"),
        ("anam dem almay atır", "dem almay"),
    ],
)
def test_a_mother_not_breathing_proposes_cpr_with_the_words_that_said_it(
    text: str, words: str
) -> None:
    (cue,) = find_cues(text)
    assert (cue.cue, cue.protocol) == (CueKind.CARDIAC_ARREST, "cardiac_arrest")
    (trigger,) = cue.triggers
    assert trigger.words == words
    assert text[trigger.start : trigger.end] == words


def test_the_words_shown_are_whole_words_as_the_caller_wrote_them() -> None:
    (cue,) = find_cues("у мужа остановилось сердце, пульса нет")
    assert [t.words for t in cue.triggers] == ["остановилось сердце", "пульса нет"]
    (cue,) = find_cues("в гараже огонь")
    assert cue.triggers[0].words == "в гараже огонь"  # the soft sign folds to nothing


@pytest.mark.parametrize("apostrophe", ["'", "‘", "’", "`", "ʻ", "ʼ", ""])
def test_every_way_of_writing_o_and_g_with_a_mark_finds_the_same_cue(apostrophe: str) -> None:
    text = f"men o{apostrophe}zimni o{apostrophe}ldiraman"
    (cue,) = find_cues(text)
    assert (cue.cue, cue.protocol) == (CueKind.SUICIDE_INTENT, "suicide_risk_screen")
    assert cue.triggers[0].words == f"o{apostrophe}zimni o{apostrophe}ldiraman"


def test_uzbek_cyrillic_and_latin_fold_to_one_form() -> None:
    assert normalise("ўзимни ўлдираман").text == normalise("o‘zimni o‘ldiraman").text
    assert normalise("қон кетяпти").text == normalise("qon ketyapti").text
    assert normalise("Ákem JIǴILDI").text == "akem jigildi"


@pytest.mark.parametrize(
    "text",
    [
        "o'ldim charchab",
        "yuragim siqildi",
        "telefonim o'ldi",
        "u to'pni urdi",
        "gaz puli qancha",
        "чироқ ёняпти",
        "бурнимдан озгина қон кетяпти",
        "убил меня своей шуткой",
        "горит свет в подъезде",
        "kill the lights",
        "",
    ],
)
def test_figurative_and_harmless_uses_propose_nothing(text: str) -> None:
    assert find_cues(text) == []


def test_one_message_may_carry_several_cues_each_with_its_own_protocol() -> None:
    found = find_cues("erim meni uryapti, uyimiz yonyapti va gaz hidi kelyapti")
    assert [(cue.cue, cue.protocol, cue.triggers[0].words) for cue in found] == [
        (CueKind.DOMESTIC_VIOLENCE, "domestic_violence", "meni uryapti"),
        (CueKind.FIRE_GAS, "building_fire", "yonyapti"),
        (CueKind.FIRE_GAS, "gas_smell", "gaz hidi"),
    ]


def test_every_rule_is_named_once_and_proposes_the_protocol_of_its_cue() -> None:
    proposed = {
        CueKind.CARDIAC_ARREST: {"cardiac_arrest"},
        CueKind.CHOKING: {"choking"},
        CueKind.SEVERE_BLEEDING: {"severe_bleeding"},
        CueKind.SUICIDE_INTENT: {"suicide_risk_screen"},
        CueKind.DOMESTIC_VIOLENCE: {"domestic_violence"},
        CueKind.FIRE_GAS: {"building_fire", "gas_smell"},
    }
    for rule in RULES:
        assert rule.protocol in proposed[rule.cue], rule.id
        assert rule.language in {"uz", "kaa", "ru"}
    assert {(rule.cue, rule.language) for rule in RULES} == {
        (cue, language) for cue in CueKind for language in ("uz", "kaa", "ru")
    }
