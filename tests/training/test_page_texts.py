"""The trainer's page (issue 29): served at ``/training/`` with the consoles' security headers,
and every text in Uzbek, Russian and English, none missing (its own texts on top of the
operator console's, through i18n.js's addTexts)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dispatch.core.http import CONSOLE_HEADERS
from dispatch.wellbeing.rules import REASONS
from dispatch.wellbeing.schemas import DebriefStatus, OfferStatus
from tests.fixtures.api import Api

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "dispatch" / "web" / "training"
SHARED_UI = ROOT / "dispatch" / "web" / "common"
KEY = re.compile(r'^\s*"?([a-z_0-9.]+)"?:\s*["{]', re.MULTILINE)
# Keys built from data: t(`status_${status}`) and the like, with every value they take.
BUILT = {
    "status": ["planned", "held", "cancelled"],
    "source": ["qa", "hand", "schedule"],
    "lang": ["uz", "ru", "en"],
    "kind": ["law", "order", "instruction"],
    "role": ["operator", "supervisor", "qa", "analyst", "methodologist", "trainer", "admin"],
    "offer": ["offered", "accepted", "declined"],
    "debrief": ["open", "held", "cancelled"],
}


def _text(language: str, ui: Path = UI) -> str:
    return (ui / "js" / "texts" / f"{language}.js").read_text(encoding="utf-8")


def _keys(language: str, ui: Path = UI) -> set[str]:
    return set(KEY.findall(_text(language, ui)))


def test_every_text_exists_in_the_three_languages() -> None:
    uz, ru, en = _keys("uz"), _keys("ru"), _keys("en")
    assert len(en) > 60
    assert uz == ru == en, {"only uz": uz - en, "only ru": ru - en, "only en": en - uz}
    for language in ("uz", "ru", "en"):
        values = re.findall(r':\s*"([^"]*)"', _text(language))
        assert all(value.strip() for value in values), language


def test_every_text_the_code_asks_for_exists() -> None:
    asked: set[str] = set()
    prefixes: set[str] = set()
    for script in (UI / "js").glob("*.js"):
        source = script.read_text(encoding="utf-8")
        asked |= set(re.findall(r'\bt\("([a-z_]+)"', source))
        asked |= set(re.findall(r'\blabel: "([a-z_]+)"', source))
        asked |= set(re.findall(r'\["[^"]+", "(key_[a-z_]+)"\]', source))
        asked |= set(re.findall(r'\bfield\("([a-z_]+)"', source))
        asked |= set(re.findall(r'\btexts\("[a-z_]+", "([a-z_]+)"\)', source))
        for pair in re.findall(r'\bt\([a-z_.]+ \? "([a-z_]+)" : "([a-z_]+)"\)', source):
            asked |= set(pair)
        prefixes |= set(re.findall(r"\bt\(`([a-z]+)_\$\{", source))
    html = (UI / "index.html").read_text(encoding="utf-8")
    asked |= set(re.findall(r'data-t(?:-label|-title)?="([a-z_]+)"', html))
    assert prefixes == set(BUILT)
    asked |= {f"{prefix}_{value}" for prefix, values in BUILT.items() for value in values}
    assert {"plan_session", "status_held", "key_effect", "session_start", "passed"} <= asked
    for language in ("uz", "ru", "en"):
        known = _keys(language) | _keys(language, SHARED_UI)
        assert asked - known == set(), language


def test_the_refusals_the_page_shows_are_said_in_the_three_languages() -> None:
    codes: set[str] = set()
    for source in (ROOT / "dispatch" / "training").glob("*.py"):
        codes |= set(re.findall(r'said\(\s*"(training_[a-z_]+)"', source.read_text("utf-8")))
    assert {"training_programme_in_use", "training_not_attended", "training_not_started"} <= codes
    for language in ("uz", "ru", "en"):
        assert {f"said_{code}" for code in codes} <= _keys(language, SHARED_UI), language


def test_the_wellbeing_section_names_every_reason_and_status_in_the_three_languages() -> None:
    """Its reasons are the rules' codes by the consoles' names (``wellbeing_reason_*``), its
    statuses the API's: a rule or a status added without a name here fails."""
    assert set(BUILT["offer"]) == {s.value for s in OfferStatus}
    assert set(BUILT["debrief"]) == {s.value for s in DebriefStatus}
    source = (UI / "js" / "wellbeing.js").read_text(encoding="utf-8")
    assert 'named("wellbeing_reason_", code' in source
    for language in ("uz", "ru", "en"):
        known = _keys(language) | _keys(language, SHARED_UI)
        assert {f"wellbeing_reason_{code}" for code in REASONS} <= known, language


def test_uzbek_texts_use_the_proper_apostrophes() -> None:
    values = re.findall(r':\s*"([^"]*)"', _text("uz"))
    assert not [v for v in values if "'" in v or "`" in v]


@pytest.mark.asyncio
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_page_is_served_with_the_consoles_headers(api: Api) -> None:
    page = await api.get("/training/")
    assert page.status_code == 200
    assert "js/app.js" in page.text
    for name, value in CONSOLE_HEADERS:
        assert page.headers[name.decode()] == value.decode()
    for path in (
        "/training/js/sessions.js",
        "/training/js/schedules.js",
        "/training/js/competencies.js",
        "/training/js/wellbeing.js",
        "/training/js/texts/ru.js",
        "/training/style.css",
    ):
        assert (await api.get(path)).status_code == 200, path
    assert (await api.get("/api/v1/training/programmes", user="trainer1")).status_code == 200
