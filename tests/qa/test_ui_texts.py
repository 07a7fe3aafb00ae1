"""The QA pages' texts: every one in Uzbek, Russian and English, none missing.

The QA pages have their own texts on top of the operator console's (its i18n.js, addTexts).
"""

from __future__ import annotations

import re
from pathlib import Path

from cardschema import CardStatus, Channel, Outcome
from dispatch.calls.lifecycle import CallStatus

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "dispatch" / "web" / "qa"
SHARED_UI = ROOT / "dispatch" / "web" / "common"
# A string, or a counted text's forms per plural category ({one: "...", other: "..."}).
KEY = re.compile(r'^\s*"?([a-z_.]+)"?:\s*["{]', re.MULTILINE)
# Keys built from data: t(`level_${level}`) and the like, with every value they take.
BUILT = {
    "answer": ["yes", "no", "na"],
    "deviation": ["critical", "major", "moderate", "minor"],
    "level": ["high", "compliant", "partial", "low", "non_compliant"],
    "event": ["ringing", "answered", "transferred", "dropped", "abandoned", "ended"],
    "shift": ["day", "night"],
    "table": ["operators", "shifts", "weeks", "errors", "evaluations"],
    "topic": ["open", "done", "dropped"],
    # Every status, channel and outcome a QA page shows, in words (the shared texts' channel_
    # and outcome_, the QA texts' call_status_ and card_status_).
    "channel": [c.value for c in Channel],
    "call_status": [s.value for s in CallStatus],
    "card_status": [s.value for s in CardStatus],
    "outcome": [o.value for o in Outcome],
    # Why a recording did not load (review.js failureReason).
    "recording": ["missing", "refused", "network", "unplayable", "unknown"],
    "reason": [
        "random",
        "stratum",
        "minimum",
        "flag_abandoned",
        "flag_callback_exhausted",
        "flag_supervisor_takeover",
        "flag_long_handle",
    ],
}
FIELDS = ["date_from", "date_to", "share_percent", "min_per_operator", "min_per_stratum", "seed"]


def _keys(language: str, ui: Path = UI) -> set[str]:
    return set(KEY.findall((ui / "js" / "texts" / f"{language}.js").read_text(encoding="utf-8")))


def test_every_text_exists_in_the_three_languages() -> None:
    uz, ru, en = _keys("uz"), _keys("ru"), _keys("en")
    assert len(uz) > 100
    assert uz == ru == en, {"only uz": uz - en, "only ru": ru - en, "only en": en - uz}


def test_every_text_the_code_asks_for_exists() -> None:
    asked: set[str] = set(FIELDS)
    prefixes: set[str] = set()
    for script in (UI / "js").glob("*.js"):
        source = script.read_text(encoding="utf-8")
        asked |= set(re.findall(r'\b(?:t|plural)\("([a-z_.]+)"', source))
        prefixes |= set(re.findall(r"\bt\(`([a-z_]+)_\$\{", source))
    html = (UI / "index.html").read_text(encoding="utf-8")
    asked |= set(re.findall(r'data-t(?:-placeholder|-title)?="([a-z_]+)"', html))
    assert prefixes == set(BUILT)
    asked |= {f"{prefix}_{value}" for prefix, values in BUILT.items() for value in values}
    assert asked - _keys("en") - _keys("en", SHARED_UI) == set()


def test_uzbek_texts_use_the_proper_apostrophes() -> None:
    text = (UI / "js" / "texts" / "uz.js").read_text(encoding="utf-8")
    values = re.findall(r':\s*"([^"]*)"', text)
    assert not [v for v in values if "'" in v or "`" in v]


def test_the_texts_a_qa_page_builds_exist_in_each_language() -> None:
    # A built key missing in Russian would fall back to English on a Russian page.
    for language in ("uz", "ru", "en"):
        known = _keys(language) | _keys(language, SHARED_UI)
        built = {f"{prefix}_{value}" for prefix, values in BUILT.items() for value in values}
        assert built - known == set(), language
