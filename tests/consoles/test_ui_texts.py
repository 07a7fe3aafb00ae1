"""The consoles' texts: every one in Uzbek, Russian and English, none missing.

The supervisor console has its own texts on top of the operator console's (shared modules);
the surge banner both show has its own (``common/js/texts/surge/``, added by ``surge.js``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cardschema import Outcome
from dispatch.cards.consistency import CardWarning, Contradiction
from dispatch.escalations.schemas import EscalationKind, EscalationStatus
from dispatch.queues.schemas import BreakReason
from dispatch.queues.states import OPEN_ENTRY, OperatorState
from dispatch.queues.surge import SurgeMode, Why

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "dispatch" / "web"
# The texts every console shares (the operator console's among them) are the common tree's.
COMMON = WEB / "common"
UI = WEB / "operator"
SUPERVISOR_UI = WEB / "supervisor"
# The surge banner's texts (common/js/surge.js, both streaming consoles): a folder of texts.
SURGE = COMMON / "js" / "texts" / "surge"
# A text is a string, or a counted text: its forms per plural category on one line,
# {one: "...", few: "...", many: "...", other: "..."} (i18n.plural).
KEY = re.compile(r'^\s*"?([a-z_.]+)"?:\s*["{]', re.MULTILINE)
PLURAL = re.compile(r"^\s*([a-z_]+):\s*\{(.*)\},?$", re.MULTILINE)
# The plural categories (CLDR) of each language: Russian one/few/many and other (fractions).
CATEGORIES = {"uz": {"one", "other"}, "ru": {"one", "few", "many", "other"}, "en": {"one", "other"}}
# Literal text keys in code: t("x"), plural("x"), and the supervisor's helpers that take a key.
ASKED = (
    re.compile(r'\b(?:t|plural)\("([a-z_.]+)"'),
    re.compile(r'label: "([a-z_]+)"'),
    re.compile(r'confirmLabel: "([a-z_]+)"'),
    re.compile(r'\b(?:button|empty|field|done)\("([a-z_]+)"'),
)


def _texts(ui: Path, language: str) -> Path:
    """The texts of ``language``: a console's (``js/texts/``), or a folder of texts itself."""
    folder = ui if ui.parent.name == "texts" else ui / "js" / "texts"
    return folder / f"{language}.js"


def _keys(ui: Path, language: str) -> set[str]:
    return set(KEY.findall(_texts(ui, language).read_text(encoding="utf-8")))


def _asked(ui: Path) -> set[str]:
    asked: set[str] = set()
    for script in (ui / "js").glob("*.js"):
        source = script.read_text(encoding="utf-8")
        for pattern in ASKED:
            asked |= set(pattern.findall(source))
    if (ui / "index.html").exists():
        html = (ui / "index.html").read_text(encoding="utf-8")
        asked |= set(re.findall(r'data-t(?:-placeholder|-title|-label)?="([a-z_]+)"', html))
    return asked


@pytest.mark.parametrize(
    ("ui", "least"),
    [(COMMON, 100), (SUPERVISOR_UI, 80), (SURGE, 10)],
    ids=["operator", "supervisor", "surge"],
)
def test_every_text_exists_in_the_three_languages(ui: Path, least: int) -> None:
    uz, ru, en = _keys(ui, "uz"), _keys(ui, "ru"), _keys(ui, "en")
    assert len(uz) > least
    assert uz == ru == en, {"only uz": uz - en, "only ru": ru - en, "only en": en - uz}


def test_every_text_the_operator_console_asks_for_exists() -> None:
    assert (_asked(UI) | _asked(COMMON)) - _keys(COMMON, "en") - _keys(SURGE, "en") == set()


def test_every_text_the_supervisor_console_asks_for_exists_in_its_texts_or_the_shared_ones() -> (
    None
):
    known = _keys(COMMON, "en") | _keys(SUPERVISOR_UI, "en") | _keys(SURGE, "en")
    assert len(_asked(SUPERVISOR_UI)) > 60
    assert _asked(SUPERVISOR_UI) - known == set()


def test_texts_the_supervisor_console_builds_from_values_exist() -> None:
    known = _keys(COMMON, "en") | _keys(SUPERVISOR_UI, "en")
    built = (
        {f"call_{status}" for status in OPEN_ENTRY}
        | {f"state_{state.value}" for state in OperatorState}
        | {f"kind_{kind.value}" for kind in EscalationKind}
        | {f"status_{status.value}" for status in EscalationStatus}
        # follow-up reasons (dispatch/feeds/followup.py)
        | {f"reason_{r}" for r in ("not_acknowledged", "not_completed", "refused")}
        | {"period_now", "period_today", "skill_sign_language", "skill_psychological_support"}
    )
    assert built - known == set()


@pytest.mark.parametrize(
    "ui", [COMMON, SUPERVISOR_UI, SURGE], ids=["common", "supervisor", "surge"]
)
def test_uzbek_texts_use_the_proper_apostrophes(ui: Path) -> None:
    text = _texts(ui, "uz").read_text(encoding="utf-8")
    values = re.findall(r':\s*"([^"]*)"', text)
    assert not [v for v in values if "'" in v or "`" in v]


def test_every_reason_and_mode_of_the_surge_policy_is_told_in_the_three_languages() -> None:
    # The banner says the part's ``why`` as surge_why_<code> (common/js/surge.js); the
    # supervisor's state line names its ``mode`` as surge_mode_<mode> and offers each mode.
    whys = {f"surge_why_{why.value}" for why in Why}
    modes = {f"surge_mode_{m.value}" for m in SurgeMode} | {
        f"surge_choice_{m.value}" for m in SurgeMode
    }
    for language in ("uz", "ru", "en"):
        assert whys - _keys(SURGE, language) == set(), language
        assert modes - _keys(SUPERVISOR_UI, language) == set(), language


def test_every_reason_and_warning_of_a_card_is_told_in_the_three_languages() -> None:
    # The console shows the server's verdict on a card (findings.js) as ``finding_<code>``.
    codes = {f"finding_{code}" for code in (*Contradiction, *CardWarning)}
    for language in ("uz", "ru", "en"):
        assert codes - _keys(COMMON, language) == set(), language
    assert {f"outcome_{o}" for o in Outcome} <= _keys(COMMON, "en")


def test_every_status_channel_and_seeded_queue_the_operator_console_names_has_its_text() -> None:
    # The operator console names these codes from the texts (i18n.named), never shows the code.
    from cardschema import CardStatus, Channel, ServiceStatus
    from dispatch.queues.catalog import DEFAULT_QUEUES

    codes = {f"service_status_{s}" for s in ServiceStatus}
    codes |= {f"card_status_{s}" for s in CardStatus} | {f"channel_{c}" for c in Channel}
    codes |= {"queue_" + q["name"].replace("-", "_") for q in DEFAULT_QUEUES}
    for language in ("uz", "ru", "en"):
        assert codes - _keys(COMMON, language) == set(), language


@pytest.mark.parametrize(
    "ui", [COMMON, SUPERVISOR_UI, WEB / "qa", SURGE], ids=["common", "supervisor", "qa", "surge"]
)
def test_every_counted_text_has_the_plural_forms_of_its_language(ui: Path) -> None:
    counted: dict[str, set[str]] = {}
    for language, categories in CATEGORIES.items():
        text = _texts(ui, language).read_text(encoding="utf-8")
        forms = {key: set(re.findall(r'(\w+):\s*"', body)) for key, body in PLURAL.findall(text)}
        assert {key: f for key, f in forms.items() if f != categories} == {}, language
        counted[language] = set(forms)
    assert counted["uz"] == counted["ru"] == counted["en"]
    if ui != COMMON:  # the operator console counts nothing with a noun (yet)
        assert counted["en"], ui


def test_every_sentence_the_server_writes_with_a_code_is_said_in_the_three_languages() -> None:
    # dispatch/errors.py: said("code", ...) beside an English text; the consoles say it as
    # said_<code> (i18n.said), a refusal by its detail_code or else its code.
    written = re.compile(r'\bsaid\(\s*"([a-z_]+)"')
    codes = {
        code
        for source in (ROOT / "dispatch").rglob("*.py")
        for code in written.findall(source.read_text(encoding="utf-8"))
    }
    codes |= {"card_inconsistent", "warnings_unacknowledged"}
    codes |= {"database_unavailable", "database_busy"}  # the refusals of dispatch/refusals.py
    codes |= {reason.value for reason in BreakReason}  # the centre's break reasons
    assert {"offer_expired", "card_version_conflict", "break_no_answer"} <= codes
    assert len(codes) > 25
    for language in ("uz", "ru", "en"):
        known = _keys(COMMON, language) | _keys(SURGE, language)  # a feature's own module too
        assert {f"said_{code}" for code in codes} - known == set(), language
    # The generic refusal codes stay the server's English (no sentence of their own).
    generic = {"conflict", "invalid", "not_found", "forbidden", "invalid_request", "bad_request"}
    assert {f"said_{code}" for code in generic} & _keys(COMMON, "en") == set()
