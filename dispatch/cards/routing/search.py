"""Search over incident types as an operator types: codes, names, keywords, in any language."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dispatch.cards.routing.model import IncidentType

# Uzbek Latin writes o‘, g‘ and the tutuq belgisi with whatever the keyboard offers; all of
# them read as "'". A query typed without any apostrophe ("yongin") also matches, one tier
# lower, texts that have them ("yong‘in").
_APOSTROPHES = "\u2018\u2019\u02bb\u02bc`\u00b4\u02b9"
_FOLD = str.maketrans({**dict.fromkeys(_APOSTROPHES, "'"), "ё": "е"})
_WORD_SPLIT = re.compile(r"[^\w']+|_+")

# Match tiers, best first.
_EXACT, _NAME_PREFIX, _OTHER_PREFIX, _WORD_PREFIX, _SUBSTRING, _LOOSE, _ALL_WORDS = range(7)
# Tiers grouped by how strongly they match: within a group the more severe type comes first,
# then the more frequent, so Enter on a short query ("дтп", "road") never takes the milder
# variant of an emergency because the classifier happens to list it first.
_GROUP = {
    _EXACT: 0,
    _NAME_PREFIX: 1,
    _OTHER_PREFIX: 1,
    _WORD_PREFIX: 1,
    _SUBSTRING: 2,
    _LOOSE: 2,
    _ALL_WORDS: 2,
}


def normalize(text: str) -> str:
    """Fold case, apostrophe variants, ё and runs of whitespace for matching."""
    return " ".join(text.casefold().translate(_FOLD).split())


_NAME, _OTHER, _CATEGORY = "name", "other", "category"


@dataclass(frozen=True)
class _Field:
    text: str
    words: tuple[str, ...]
    kind: str
    loose: str


def _field(text: str, kind: str) -> _Field:
    norm = normalize(text)
    words = tuple(w for w in _WORD_SPLIT.split(norm) if w)
    return _Field(norm, words, kind, norm.replace("'", ""))


class SearchIndex:
    """Normalized texts of each incident type, built once per classifier."""

    def __init__(
        self, types: Sequence[IncidentType], category_names: dict[str, Iterable[str]]
    ) -> None:
        self._entries: list[tuple[IncidentType, tuple[_Field, ...]]] = []
        for itype in types:
            fields = [_field(name, _NAME) for name in itype.names.values()]
            fields.append(_field(itype.code, _OTHER))
            fields += [_field(word, _OTHER) for words in itype.keywords.values() for word in words]
            # A category name matches every type in it, so it never outranks a type's own texts.
            fields += [_field(name, _CATEGORY) for name in category_names.get(itype.category, ())]
            self._entries.append((itype, tuple(fields)))

    def search(
        self, text: str, limit: int, frequency: Mapping[str, int] | None = None
    ) -> list[IncidentType]:
        """Return types matching `text`: exact matches, then prefixes, then the rest; within
        each, the more severe (priority 1 first), then the more frequent (``frequency``: cards
        per type lately), then the closer match, then classifier order."""
        if limit < 0:
            raise ValueError(f"limit must not be negative, got {limit}")
        query = normalize(text)
        if not query:
            return [itype for itype, _ in self._entries[:limit]]
        tokens = [w for w in _WORD_SPLIT.split(query) if w]
        seen = frequency or {}
        ranked: list[tuple[tuple[int, int, int, int, int], IncidentType]] = []
        for position, (itype, fields) in enumerate(self._entries):
            tier = _best_tier(query, tokens, fields)
            if tier is not None:
                key = (_GROUP[tier], itype.priority, -seen.get(itype.code, 0), tier, position)
                ranked.append((key, itype))
        ranked.sort(key=lambda item: item[0])
        return [itype for _, itype in ranked[:limit]]


def _best_tier(query: str, tokens: list[str], fields: tuple[_Field, ...]) -> int | None:
    best: int | None = None
    loose = "'" not in query
    for field in fields:
        tier = _tier(query, field)
        if tier is None and loose and query in field.loose:
            tier = _LOOSE
        if tier is not None and (best is None or tier < best):
            best = tier
    if best is None and len(tokens) > 1 and all(_anywhere(t, fields) for t in tokens):
        best = _ALL_WORDS
    return best


def _tier(query: str, field: _Field) -> int | None:
    if field.kind == _CATEGORY:
        return _SUBSTRING if query in field.text else None
    if field.text == query:
        return _EXACT
    if field.text.startswith(query):
        return _NAME_PREFIX if field.kind == _NAME else _OTHER_PREFIX
    if any(word.startswith(query) for word in field.words):
        return _WORD_PREFIX
    if query in field.text:
        return _SUBSTRING
    return None


def _anywhere(token: str, fields: tuple[_Field, ...]) -> bool:
    return any(token in field.text or token in field.loose for field in fields)
