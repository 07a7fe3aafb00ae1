"""Call-taking scripts per incident type, loaded from ``scripts.yaml`` (pure, no I/O beyond it).

Scripts are data the centre's methodologists own; every one starts as a ``draft``. A type
without its own script gets the ``general`` one. The loader refuses a malformed file with the
script and step at fault, and checks each ``incident_type`` against the classifier.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dispatch.cards.routing import Classifier, default_classifier
from dispatch.cards.routing.model import CARD_FIELDS

SCRIPTS_FILE = Path(__file__).with_name("scripts.yaml")
REQUIRED_LANGUAGES = ("uz", "ru")
OPTIONAL_LANGUAGES = ("en",)
STATUSES = ("draft", "approved")
STEP_KINDS = ("question", "instruction")
FIELDS = frozenset({*CARD_FIELDS, "location", "incident.type"})
GENERAL = "general"


class ScriptError(ValueError):
    """The scripts file is malformed; the message names the script and the step."""


@dataclass(frozen=True)
class Step:
    """One question or instruction, with its text by language."""

    id: str
    kind: str
    text: Mapping[str, str]
    field: str | None


@dataclass(frozen=True)
class Script:
    """The steps for one incident type (or the general script)."""

    incident_type: str
    status: str
    reviewed_by: str | None
    steps: tuple[Step, ...]

    @property
    def languages(self) -> list[str]:
        """The languages every step is written in."""
        langs = (*REQUIRED_LANGUAGES, *OPTIONAL_LANGUAGES)
        return [lang for lang in langs if all(lang in step.text for step in self.steps)]


@dataclass(frozen=True)
class Scripts:
    """Every script by incident type, and the general one."""

    by_type: Mapping[str, Script]
    general: Script

    def for_type(self, code: str) -> tuple[Script, bool]:
        """The type's script, or the general one (then True)."""
        script = self.by_type.get(code)
        return (script, False) if script is not None else (self.general, True)


def parse_scripts(document: Any, classifier: Classifier) -> Scripts:
    """Check and build the scripts from the parsed YAML document."""
    if not isinstance(document, dict) or document.get("version") != 1:
        raise ScriptError("the scripts file must be a mapping with 'version: 1'")
    common = {}
    for raw in _list(document, "common", "the file"):
        step = _step(raw, "common")
        if step.id in common:
            raise ScriptError(f"common: step {step.id!r} appears twice")
        common[step.id] = step
    general = _script(GENERAL, _mapping(document, GENERAL), common)
    by_type: dict[str, Script] = {}
    for raw in _list(document, "scripts", "the file"):
        if not isinstance(raw, dict):
            raise ScriptError("scripts: every entry must be a mapping")
        code = str(raw.get("incident_type") or "")
        if code not in classifier.types:
            raise ScriptError(f"script {code!r}: not an incident type of the classifier")
        if code in by_type:
            raise ScriptError(f"script {code!r}: appears twice")
        by_type[code] = _script(code, raw, common)
    return Scripts(by_type=by_type, general=general)


def load_scripts(path: Path = SCRIPTS_FILE, classifier: Classifier | None = None) -> Scripts:
    """Read and check a scripts file."""
    with path.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    return parse_scripts(document, classifier or default_classifier())


@functools.cache
def default_scripts() -> Scripts:
    """The scripts shipped with the server (read once)."""
    return load_scripts()


def _script(code: str, raw: dict[str, Any], common: Mapping[str, Step]) -> Script:
    where = f"script {code!r}"
    status = raw.get("status")
    if status not in STATUSES:
        raise ScriptError(f"{where}: status must be one of {', '.join(STATUSES)}")
    reviewed_by = raw.get("reviewed_by")
    if status == "approved" and not reviewed_by:
        raise ScriptError(f"{where}: an approved script names its reviewer in reviewed_by")
    steps: list[Step] = []
    for entry in _list(raw, "steps", where):
        if isinstance(entry, str):
            name = entry.removeprefix("common.")
            if not entry.startswith("common.") or name not in common:
                raise ScriptError(f"{where}: {entry!r} is not a common step")
            steps.append(common[name])
        else:
            steps.append(_step(entry, where))
    if not steps:
        raise ScriptError(f"{where}: a script needs at least one step")
    ids = [step.id for step in steps]
    if len(set(ids)) != len(ids):
        raise ScriptError(f"{where}: step ids must be unique ({', '.join(ids)})")
    return Script(
        incident_type=code,
        status=str(status),
        reviewed_by=str(reviewed_by) if reviewed_by else None,
        steps=tuple(steps),
    )


def _step(raw: Any, where: str) -> Step:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise ScriptError(f"{where}: every step needs an id")
    at = f"{where}, step {raw['id']!r}"
    kind = raw.get("kind")
    if kind not in STEP_KINDS:
        raise ScriptError(f"{at}: kind must be one of {', '.join(STEP_KINDS)}")
    field = raw.get("field")
    if field is not None and field not in FIELDS:
        raise ScriptError(
            f"{at}: field {field!r} is not a card field ({', '.join(sorted(FIELDS))})"
        )
    text: dict[str, str] = {}
    for lang in (*REQUIRED_LANGUAGES, *OPTIONAL_LANGUAGES):
        value = raw.get(lang)
        if value is None and lang in OPTIONAL_LANGUAGES:
            continue
        if not isinstance(value, str) or not value.strip():
            raise ScriptError(f"{at}: the text in {lang!r} is missing")
        text[lang] = value.strip()
    return Step(id=raw["id"], kind=str(kind), text=text, field=field)


def _list(raw: dict[str, Any], key: str, where: str) -> list[Any]:
    value = raw.get(key)
    if not isinstance(value, list):
        raise ScriptError(f"{where}: {key!r} must be a list")
    return value


def _mapping(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    if not isinstance(value, dict):
        raise ScriptError(f"the file: {key!r} must be a mapping")
    return value
