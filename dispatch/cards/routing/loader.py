"""Read and validate the classifier YAML; each problem is a ClassifierError naming its place."""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeGuard

import yaml

from dispatch.cards.routing.model import (
    CARD_FIELDS,
    REQUIRED_LANGUAGES,
    Category,
    ClassifierError,
    Hazard,
    IncidentType,
)
from dispatch.cards.routing.rules import CONDITION_KEYS, Condition, Rule

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_.]{1,63}$")
_SEGMENTED = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_TOKEN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_SERVICE = re.compile(r"^[0-9]{2,6}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")

ACK_DEADLINE_S = (5, 600)
COMPLETE_DEADLINE_MIN = (1, 10080)

_TOP_KEYS = {"version", "categories", "hazards", "incident_types", "rules"}
_TYPE_KEYS = {
    "code",
    "category",
    "names",
    "priority",
    "services",
    "ack_deadline_s",
    "complete_deadline_min",
    "required",
    "keywords",
}


@dataclass(frozen=True)
class ClassifierData:
    """Everything the classifier file holds, validated."""

    version: int
    categories: Mapping[str, Category]
    hazards: Mapping[str, Hazard]
    types: Mapping[str, IncidentType]
    rules: tuple[Rule, ...]


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys instead of keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable):
                if key in seen:
                    raise ClassifierError(
                        f"line {key_node.start_mark.line + 1}: duplicate key {key!r}"
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse(text: str, source: str) -> ClassifierData:
    """Parse and validate classifier YAML text; `source` names it in error messages."""
    loader = _StrictLoader(text)
    try:
        document = loader.get_single_data()
    except ClassifierError as exc:
        raise ClassifierError(f"{source}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ClassifierError(f"{source}: not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    try:
        return _document(document)
    except ClassifierError as exc:
        raise ClassifierError(f"{source}: {exc}") from None


def _document(document: object) -> ClassifierData:
    top = _mapping(document, "the file")
    _check_keys(top, "the file", allowed=_TOP_KEYS, required={"version", "categories"})
    for key in ("hazards", "incident_types"):
        if key not in top:
            raise ClassifierError(f"the file: missing field {key!r}")
    version = top["version"]
    if not _is_int(version) or version < 1:
        raise ClassifierError(
            f"the file: field 'version' must be a positive integer, got {version!r}"
        )

    categories: dict[str, Category] = {}
    for where, entry in _entries(top, "categories"):
        code = _token(entry, where)
        _check_keys(entry, where, allowed={"code", "names"}, required={"code", "names"})
        if code in categories:
            raise ClassifierError(f"{where}: duplicate category code {code!r}")
        categories[code] = Category(code, _names(entry["names"], f"{where} field 'names'"))

    hazards: dict[str, Hazard] = {}
    for where, entry in _entries(top, "hazards"):
        code = _token(entry, where)
        _check_keys(entry, where, allowed={"code", "names"}, required={"code", "names"})
        if code in hazards:
            raise ClassifierError(f"{where}: duplicate hazard code {code!r}")
        hazards[code] = Hazard(code, _names(entry["names"], f"{where} field 'names'"))

    types: dict[str, IncidentType] = {}
    for where, entry in _entries(top, "incident_types"):
        itype = _incident_type(entry, where, categories)
        if itype.code in types:
            raise ClassifierError(f"{where}: duplicate incident type code {itype.code!r}")
        types[itype.code] = itype
    if not types:
        raise ClassifierError("the file: field 'incident_types' must not be empty")
    _check_unique_names(types)

    rules = tuple(
        _rule(entry, where, hazards, types, categories)
        for where, entry in _entries(top, "rules", optional=True)
    )
    return ClassifierData(
        version,
        MappingProxyType(categories),
        MappingProxyType(hazards),
        MappingProxyType(types),
        rules,
    )


def _incident_type(
    entry: Mapping[str, Any], where: str, categories: Mapping[str, Category]
) -> IncidentType:
    code = entry.get("code")
    if not isinstance(code, str) or not CODE_PATTERN.match(code) or not _SEGMENTED.match(code):
        raise ClassifierError(
            f"{where}: field 'code' must look like 'category.name' "
            f"(lowercase letters, digits, '_', at most 64 characters), got {code!r}"
        )
    where = f"{where} ({code})"
    _check_keys(entry, where, allowed=_TYPE_KEYS, required=_TYPE_KEYS - {"keywords"})
    category = entry["category"]
    if not isinstance(category, str) or category not in categories:
        raise ClassifierError(
            f"{where}: field 'category' is {category!r}, which is not a declared category "
            f"({', '.join(categories)})"
        )
    if not code.startswith(f"{category}."):
        raise ClassifierError(f"{where}: field 'code' must start with its category {category!r}")

    priority = entry["priority"]
    if not _is_int(priority) or not 1 <= priority <= 5:
        raise ClassifierError(
            f"{where}: field 'priority' must be an integer 1..5, got {priority!r}"
        )
    ack = _bounded_int(entry, "ack_deadline_s", where, ACK_DEADLINE_S)
    complete = _bounded_int(entry, "complete_deadline_min", where, COMPLETE_DEADLINE_MIN)
    if complete * 60 <= ack:
        raise ClassifierError(
            f"{where}: field 'complete_deadline_min' ({complete} min) must be longer than "
            f"'ack_deadline_s' ({ack} s)"
        )
    required = _string_list(entry["required"], f"{where} field 'required'")
    for path in required:
        if path not in CARD_FIELDS:
            raise ClassifierError(
                f"{where}: field 'required' names {path!r}, which is not a card field "
                f"({', '.join(CARD_FIELDS)})"
            )
    return IncidentType(
        code=code,
        category=category,
        names=_names(entry["names"], f"{where} field 'names'"),
        priority=priority,
        services=_services(entry["services"], f"{where} field 'services'", allow_empty=True),
        ack_deadline_s=ack,
        complete_deadline_min=complete,
        required=required,
        keywords=_keywords(entry.get("keywords", {}), f"{where} field 'keywords'"),
    )


def _rule(
    entry: Mapping[str, Any],
    where: str,
    hazards: Mapping[str, Hazard],
    types: Mapping[str, IncidentType],
    categories: Mapping[str, Category],
) -> Rule:
    _check_keys(entry, where, allowed={"when", "add", "reason"}, required={"when", "add"})
    when = _mapping(entry["when"], f"{where} field 'when'")
    if not when:
        raise ClassifierError(f"{where}: field 'when' must name at least one condition")
    unknown = sorted(str(k) for k in when if k not in CONDITION_KEYS)
    if unknown:
        raise ClassifierError(
            f"{where}: field 'when' has unsupported condition(s) {', '.join(unknown)}; "
            f"supported: {', '.join(CONDITION_KEYS)}"
        )
    victims = when.get("victims_at_least")
    if victims is not None and (not _is_int(victims) or victims < 1):
        raise ClassifierError(
            f"{where}: condition 'victims_at_least' must be a positive integer, got {victims!r}"
        )
    references = (("hazard", hazards), ("incident_type", types), ("category", categories))
    for key, known in references:
        if key in when and (not isinstance(when[key], str) or when[key] not in known):
            raise ClassifierError(
                f"{where}: condition {key!r} names {when[key]!r}, which the classifier "
                f"does not define"
            )
    reason = entry.get("reason")
    return Rule(
        when=Condition(
            victims_at_least=victims,
            hazard=when.get("hazard"),
            incident_type=when.get("incident_type"),
            category=when.get("category"),
        ),
        add=_services(entry["add"], f"{where} field 'add'", allow_empty=False),
        reason=MappingProxyType({})
        if reason is None
        else _names(reason, f"{where} field 'reason'"),
    )


def _entries(
    top: Mapping[str, Any], key: str, *, optional: bool = False
) -> list[tuple[str, Mapping[str, Any]]]:
    value = top.get(key)
    if value is None and optional:
        return []
    if not isinstance(value, list):
        raise ClassifierError(f"the file: field {key!r} must be a list, got {value!r}")
    return [(f"{key}[{i}]", _mapping(item, f"{key}[{i}]")) for i, item in enumerate(value)]


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ClassifierError(f"{where}: must be a mapping, got {value!r}")
    for key in value:
        if not isinstance(key, str):
            raise ClassifierError(f"{where}: keys must be text, got {key!r}")
    return value


def _check_keys(
    entry: Mapping[str, Any], where: str, *, allowed: set[str], required: set[str]
) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise ClassifierError(
            f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )
    missing = sorted(required - set(entry))
    if missing:
        raise ClassifierError(f"{where}: missing field(s) {', '.join(missing)}")


def _token(entry: Mapping[str, Any], where: str) -> str:
    code = entry.get("code")
    if not isinstance(code, str) or not _TOKEN.match(code):
        raise ClassifierError(
            f"{where}: field 'code' must be a lowercase token (letters, digits, '_'), got {code!r}"
        )
    return code


def _names(value: object, where: str) -> Mapping[str, str]:
    names = _mapping(value, where)
    missing = [lang for lang in REQUIRED_LANGUAGES if lang not in names]
    if missing:
        raise ClassifierError(f"{where}: missing language(s) {', '.join(missing)}")
    for lang, text in names.items():
        if not _LANGUAGE.match(lang):
            raise ClassifierError(f"{where}: {lang!r} is not a language code like 'uz'")
        if not isinstance(text, str) or not text.strip():
            raise ClassifierError(f"{where}: {lang!r} must be non-empty text, got {text!r}")
    return MappingProxyType({lang: text.strip() for lang, text in names.items()})


def _keywords(value: object, where: str) -> Mapping[str, tuple[str, ...]]:
    keywords = _mapping(value, where)
    for lang in keywords:
        if not _LANGUAGE.match(lang):
            raise ClassifierError(f"{where}: {lang!r} is not a language code like 'uz'")
    return MappingProxyType(
        {lang: _string_list(words, f"{where} {lang!r}") for lang, words in keywords.items()}
    )


def _string_list(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ClassifierError(f"{where}: must be a list, got {value!r}")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ClassifierError(f"{where}: items must be non-empty text, got {item!r}")
    items = tuple(item.strip() for item in value)
    if len(set(items)) != len(items):
        raise ClassifierError(f"{where}: has duplicate items")
    return items


def _services(value: object, where: str, *, allow_empty: bool) -> tuple[str, ...]:
    if not isinstance(value, list) or not (value or allow_empty):
        raise ClassifierError(f"{where}: must be a non-empty list of service codes, got {value!r}")
    for item in value:
        if not isinstance(item, str) or not _SERVICE.match(item):
            raise ClassifierError(
                f'{where}: service codes are quoted strings of 2-6 digits like "103", got {item!r}'
            )
    if len(set(value)) != len(value):
        raise ClassifierError(f"{where}: has duplicate service codes")
    return tuple(value)


def _bounded_int(entry: Mapping[str, Any], key: str, where: str, bounds: tuple[int, int]) -> int:
    value = entry[key]
    low, high = bounds
    if not _is_int(value) or not low <= value <= high:
        raise ClassifierError(
            f"{where}: field {key!r} must be an integer {low}..{high}, got {value!r}"
        )
    return value


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_unique_names(types: Mapping[str, IncidentType]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for itype in types.values():
        for lang, name in itype.names.items():
            key = (lang, name.casefold())
            if key in seen:
                raise ClassifierError(
                    f"incident type {itype.code}: {lang} name {name!r} is already used by "
                    f"{seen[key]}"
                )
            seen[key] = itype.code
