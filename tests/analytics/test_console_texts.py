"""The analyst console's pages: served at ``/analytics/`` with the consoles' security headers,
and every text in Uzbek, Russian and English, none missing (its own texts on top of the operator
console's, through i18n.js's addTexts)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dispatch.core.http import CONSOLE_HEADERS
from tests.fixtures.api import Api

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "dispatch" / "web" / "analytics"
SHARED_UI = ROOT / "dispatch" / "web" / "common"
# A string, or a counted text's forms per plural category ({one: "...", other: "..."}).
KEY = re.compile(r'^\s*"?([a-z_0-9.]+)"?:\s*["{]', re.MULTILINE)
# Keys built from data: t(`grain_${grain}`) and the like, with every value they take.
BUILT = {
    "grain": ["hour", "shift", "day", "week", "month", "total"],
    "preset": ["last_7", "today", "yesterday", "this_month", "last_month", "custom"],
    "shift": ["day", "night"],
    "table": ["periods", "queues", "operators", "shifts", "districts", "types", "services"],
    "kpi": [
        "entered", "answered", "abandoned", "abandon_percent", "asa", "longest_answered_wait",
        "avg_abandon_wait", "avg_talk", "avg_wrap_up", "avg_handle", "completed", "transferred",
        "ring_no_answer",
    ],
    "call": [
        "offered", "answered", "abandoned", "dropped", "abandon_percent", "asa",
        "longest_answered_wait", "avg_abandon_wait", "avg_talk", "cards",
    ],
    "cb": [
        "tasks", "attempts", "reached", "refused", "unreachable", "open", "success_rate",
        "first_mean", "first_p90", "within_target",
    ],
    "qa": ["evaluations", "mean_score", "min_score", "max_score", "critical_failures"],
    "wt": [
        "signed_in_s", "available_s", "talking_s", "wrap_up_s", "on_break_s", "breaks", "answered",
        "completed", "missed_offers", "declined",
    ],
}  # fmt: skip
# Counted texts (plural()): the forms each language needs.
FORMS = {"uz": {"one", "other"}, "en": {"one", "other"}, "ru": {"one", "few", "many", "other"}}


def _text(language: str, ui: Path = UI) -> str:
    return (ui / "js" / "texts" / f"{language}.js").read_text(encoding="utf-8")


def _keys(language: str, ui: Path = UI) -> set[str]:
    return set(KEY.findall(_text(language, ui)))


def _sources() -> list[str]:
    return [script.read_text(encoding="utf-8") for script in (UI / "js").glob("*.js")]


def test_every_text_exists_in_the_three_languages() -> None:
    uz, ru, en = _keys("uz"), _keys("ru"), _keys("en")
    assert len(en) > 100
    assert uz == ru == en, {"only uz": uz - en, "only ru": ru - en, "only en": en - uz}


def test_every_text_the_code_asks_for_exists() -> None:
    asked: set[str] = set()
    prefixes: set[str] = set()
    for source in _sources():
        asked |= set(re.findall(r'\b(?:t|plural)\("([a-z_.]+)"', source))
        asked |= set(re.findall(r'\b(?:label|all): "([a-z_]+)"', source))
        prefixes |= set(re.findall(r"\bt\(`([a-z]+)_\$\{", source))
    html = (UI / "index.html").read_text(encoding="utf-8")
    asked |= set(re.findall(r'data-t(?:-label|-title)?="([a-z_]+)"', html))
    assert prefixes == set(BUILT)
    asked |= {f"{prefix}_{value}" for prefix, values in BUILT.items() for value in values}
    for language in ("uz", "ru", "en"):
        known = _keys(language) | _keys(language, SHARED_UI)
        assert asked - known == set(), language


def test_counted_texts_have_every_plural_form() -> None:
    counted: set[str] = set()
    for source in _sources():
        counted |= set(re.findall(r'\bplural\("([a-z_]+)"', source))
    assert counted
    for language, forms in FORMS.items():
        text = _text(language)
        for key in counted:
            found = re.search(rf"^\s*{key}: \{{(.*?)\}},?$", text, re.MULTILINE | re.DOTALL)
            assert found, (language, key)
            assert set(re.findall(r"\b(one|few|many|other):", found.group(1))) >= forms, (
                language,
                key,
            )


def test_uzbek_texts_use_the_proper_apostrophes() -> None:
    values = re.findall(r':\s*"([^"]*)"', _text("uz"))
    assert not [v for v in values if "'" in v or "`" in v]


@pytest.mark.asyncio
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_console_is_served_with_the_consoles_headers(api: Api) -> None:
    page = await api.get("/analytics/")
    assert page.status_code == 200
    assert "js/app.js" in page.text
    for name, value in CONSOLE_HEADERS:
        assert page.headers[name.decode()] == value.decode()
    script = await api.get("/analytics/js/app.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]


def test_no_key_is_bound_to_two_actions() -> None:
    source = (UI / "js" / "app.js").read_text(encoding="utf-8")
    bound = re.findall(r'\{ keys: "([^"]+)", label: "[a-z_]+", action: "([A-Za-z]+)"', source)
    assert len(bound) >= 7
    keys = [key for key, _ in bound]
    assert len(set(keys)) == len(keys), keys
    # Every action a key names is one the console has.
    actions = {action for _, action in bound}
    assert actions <= set(re.findall(r"^\s+(\w+): ", source, re.MULTILINE)), actions
