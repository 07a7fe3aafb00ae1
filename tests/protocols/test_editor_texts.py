"""The protocol editor's pages (issue 24): served at ``/protocols/`` with the consoles' security
headers, and every text in Uzbek, Russian and English, none missing (its own texts on top of the
operator console's, through i18n.js's addTexts)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dispatch.core.http import CONSOLE_HEADERS
from tests.fixtures.api import Api

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "dispatch" / "web" / "protocols"
SHARED_UI = ROOT / "dispatch" / "web" / "common"
KEY = re.compile(r'^\s*"?([a-z_0-9.]+)"?:\s*["{]', re.MULTILINE)
# Keys built from data: t(`vstatus_${status}`) and the like, with every value they take.
BUILT = {
    "vstatus": ["draft", "in_review", "approved", "retired"],
    "kind": ["question", "instruction", "end"],
    "answer": ["yes_no", "choice", "number", "text"],
    "timer": ["metronome", "stopwatch", "counter"],
    "risk": ["low", "moderate", "high"],
    "lang": ["uz", "ru", "kaa", "en"],
}


def _text(language: str, ui: Path = UI) -> str:
    return (ui / "js" / "texts" / f"{language}.js").read_text(encoding="utf-8")


def _keys(language: str, ui: Path = UI) -> set[str]:
    return set(KEY.findall(_text(language, ui)))


def _sources() -> list[str]:
    return [script.read_text(encoding="utf-8") for script in (UI / "js").glob("*.js")]


def test_every_text_exists_in_the_three_languages() -> None:
    uz, ru, en = _keys("uz"), _keys("ru"), _keys("en")
    assert len(en) > 80
    assert uz == ru == en, {"only uz": uz - en, "only ru": ru - en, "only en": en - uz}
    for language in ("uz", "ru", "en"):
        values = re.findall(r':\s*"([^"]*)"', _text(language))
        assert all(value.strip() for value in values), language


def test_every_text_the_code_asks_for_exists() -> None:
    asked: set[str] = set()
    prefixes: set[str] = set()
    for source in _sources():
        asked |= set(re.findall(r'\bt\("([a-z_]+)"', source))
        asked |= set(re.findall(r'\blabel: "([a-z_]+)"', source))
        asked |= set(re.findall(r'\["[^"]+", "(key_[a-z_]+)"\]', source))  # the focused keys
        asked |= set(re.findall(r'"(det_[a-z_]+)"', source))  # the determinants' headers
        prefixes |= set(re.findall(r"\bt\(`([a-z]+)_\$\{", source))
    html = (UI / "index.html").read_text(encoding="utf-8")
    asked |= set(re.findall(r'data-t(?:-label|-title)?="([a-z_]+)"', html))
    assert prefixes == set(BUILT)
    asked |= {f"{prefix}_{value}" for prefix, values in BUILT.items() for value in values}
    assert {"vstatus_in_review", "det_escalation", "key_close_help", "key_save"} <= asked
    for language in ("uz", "ru", "en"):
        known = _keys(language) | _keys(language, SHARED_UI)
        assert asked - known == set(), language


def test_the_refusals_the_editor_shows_are_said_in_the_three_languages() -> None:
    """The server's refusals of the editor's moves come with a sentence code: the shared texts
    say each in the interface language (a bad definition's detail is the server's, naming where)."""
    service = (ROOT / "dispatch" / "protocols" / "service.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'said\(\s*"(protocol_[a-z_]+)"', service))
    assert {"protocol_four_eyes", "protocol_open_version", "protocol_not_draft"} <= codes
    for language in ("uz", "ru", "en"):
        shared = _keys(language, SHARED_UI)
        assert {f"said_{code}" for code in codes} <= shared, language


def test_uzbek_texts_use_the_proper_apostrophes() -> None:
    values = re.findall(r':\s*"([^"]*)"', _text("uz"))
    assert not [v for v in values if "'" in v or "`" in v]


def test_no_key_is_bound_to_two_actions() -> None:
    source = (UI / "js" / "app.js").read_text(encoding="utf-8")
    bound = re.findall(r'\{ keys: "([^"]+)", label: "[a-z_]+", action: "([A-Za-z]+)"', source)
    assert len(bound) >= 7
    keys = [key for key, _ in bound]
    assert len(set(keys)) == len(keys), keys
    actions = {action for _, action in bound}
    assert actions <= set(re.findall(r"^\s+(\w+): ", source, re.MULTILINE)), actions


@pytest.mark.asyncio
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_editor_is_served_with_the_consoles_headers(api: Api) -> None:
    page = await api.get("/protocols/")
    assert page.status_code == 200
    assert "js/app.js" in page.text
    for name, value in CONSOLE_HEADERS:
        assert page.headers[name.decode()] == value.decode()
    for path in ("/protocols/js/app.js", "/protocols/js/texts/ru.js", "/protocols/style.css"):
        served = await api.get(path)
        assert served.status_code == 200, path
    assert "javascript" in (await api.get("/protocols/js/version.js")).headers["content-type"]
    # The API beside it is untouched by the mount.
    listed = await api.get("/api/v1/protocols", user="methodologist1")
    assert listed.status_code == 200
