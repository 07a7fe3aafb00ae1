"""When a closed card was a traumatic call for the operator who handled it (pure, no I/O).

The rules are data (``RULES``), each read from the card alone; ``reasons`` gives the codes of
those a card meets, in the table's order, or none:

- ``suicide`` — the incident type is the classifier's suicide type
  (``mental_health.suicide_risk``: a suicide, an attempt or its threat);
- ``violence_child`` — the type is child abuse (``violence.child_abuse``), or a violent type
  (``VIOLENT_TYPES``: the classifier's category ``violence`` and the crimes against a person,
  ``crime.assault``, ``crime.robbery``, ``crime.armed_threat``) with a victim who is a child:
  a person of role ``victim`` younger than 18 or of age band infant, child or adolescent;
- ``death`` — a person's ``condition`` says they died, in Uzbek (Latin or Cyrillic), Russian
  or English (``DEATH_WORDS``; the words are matched whole, and one negated — "not dead",
  "не умер", "vafot etmagan" — does not count).

The classifier has no death type of its own (``medical.cardiac_arrest`` is a call to save a
life, not a death), so a death is read from the persons. No rule holds for a card closed as a
false alarm, a hoax, a misdial, a test call or a silent call (``NOTHING_HAPPENED``): nobody
came to harm on it. A self-request (``SELF_REQUEST``) is the operator's own word, no rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from cardschema import AgeBand, Card, Outcome, Person, PersonRole

SELF_REQUEST = "self_request"
SUICIDE_TYPES = frozenset({"mental_health.suicide_risk"})
CHILD_ABUSE_TYPES = frozenset({"violence.child_abuse"})
VIOLENT_TYPES = frozenset(
    {
        "violence.domestic",
        "violence.sexual",
        "violence.child_abuse",
        "crime.assault",
        "crime.robbery",
        "crime.armed_threat",
    }
)
CHILD_BANDS = frozenset({AgeBand.INFANT, AgeBand.CHILD, AgeBand.ADOLESCENT})
ADULT_AGE = 18
NOTHING_HAPPENED = frozenset(
    {Outcome.FALSE_ALARM, Outcome.HOAX, Outcome.MISDIAL, Outcome.TEST_CALL, Outcome.SILENT_CALL}
)

# A person's condition that says they died, as whole words (the text lower-cased, ё as е and
# every apostrophe as '). Uzbek: vafot (etgan, etdi), o'ldi / o'lgan / o'lik / o'lim, halok
# (bo'lgan), jasad (a body), "hayot belgilari yo'q" (no signs of life), in both scripts;
# Russian: мертв(ый), умер(ла, ший...), погиб(ла, ший...), скончался, смерть, труп, "без
# признаков жизни", "летальный исход"; English: dead, deceased, died, death, killed, lifeless,
# "passed away", "no signs of life".
DEATH_WORDS: tuple[str, ...] = (
    r"vafot",
    r"o'l(?:di|dimi|gan|gani|ganligi|ik|im|imi|imga|ibdi)",
    r"halok",
    r"jasad\w*",
    r"hayot belgilari yo'q",
    r"вафот",
    r"ўл(?:ди|ган|гани|ик|им|ибди)",
    r"ҳалок",
    r"жасад\w*",
    r"ҳаёт белгилари йўқ",
    r"мертв\w*",
    r"умер(?:ла|ли|ло|ший|шая|шего|шей|шие|ших|шим)?",
    r"погиб(?:ла|ли|ло|ший|шая|шего|шей|шие|ших|шим)?",
    r"скончал\w*",
    r"смерть",
    r"труп\w*",
    r"без признаков жизни",
    r"летальн\w* исход\w*",
    r"dead",
    r"deceased",
    r"died",
    r"death",
    r"killed",
    r"lifeless",
    r"passed away",
    r"no signs of life",
)
NEGATION_BEFORE = frozenset({"not", "не", "ни"})
NEGATION_AFTER = frozenset(
    {"emas", "etmagan", "etmadi", "bo'lmagan", "bo'lmadi", "эмас", "этмаган", "этмади", "бўлмаган"}
)
_APOSTROPHES = str.maketrans(dict.fromkeys("ʻʼ‘’`´", "'") | {"ё": "е"})
_DEATH = re.compile(
    r"(?<!\w)(?:" + "|".join(w.translate(_APOSTROPHES) for w in DEATH_WORDS) + r")(?!\w)"
)
_WORD = re.compile(r"[\w']+")


def normalised(text: str) -> str:
    """Lower-cased, every apostrophe as ``'`` and ``ё`` as ``е``, spaces made single."""
    return " ".join(text.lower().translate(_APOSTROPHES).split())


def says_death(condition: str | None) -> bool:
    """Tell whether a person's condition says they died (``DEATH_WORDS``, not negated)."""
    if not condition:
        return False
    text = normalised(condition)
    for found in _DEATH.finditer(text):
        before = _WORD.findall(text[: found.start()])
        after = _WORD.findall(text[found.end() :])
        if before and before[-1] in NEGATION_BEFORE:
            continue
        if after and after[0] in NEGATION_AFTER:
            continue
        return True
    return False


def is_child(person: Person) -> bool:
    """Tell whether a person is under 18 by their age or age band."""
    if person.age is not None:
        return person.age < ADULT_AGE
    return person.age_band in CHILD_BANDS


def child_victim(card: Card) -> bool:
    """Tell whether the card names a victim who is a child."""
    return any(p.role is PersonRole.VICTIM and is_child(p) for p in card.persons)


def someone_died(card: Card) -> bool:
    """Tell whether a person's condition on the card says they died."""
    return any(says_death(p.condition) for p in card.persons)


@dataclass(frozen=True)
class Rule:
    """One rule: its reason code, the incident types it needs (None: any type) and what else
    the card must show (``also``, a pure test of the card; None: nothing more)."""

    code: str
    types: frozenset[str] | None = None
    also: Callable[[Card], bool] | None = None

    def holds(self, card: Card) -> bool:
        """Tell whether the card meets this rule."""
        if self.types is not None and card.incident.type not in self.types:
            return False
        return self.also is None or self.also(card)


RULES: tuple[Rule, ...] = (
    Rule("suicide", types=SUICIDE_TYPES),
    Rule("violence_child", types=CHILD_ABUSE_TYPES),
    Rule("violence_child", types=VIOLENT_TYPES, also=child_victim),
    Rule("death", also=someone_died),
)
REASONS = (*dict.fromkeys(rule.code for rule in RULES), SELF_REQUEST)


def reasons(card: Card, rules: tuple[Rule, ...] = RULES) -> tuple[str, ...]:
    """The reason codes of the rules a closed card meets (each once, in the table's order);
    none for a card that is not closed or closed as nothing that happened."""
    if card.outcome is None or card.outcome in NOTHING_HAPPENED:
        return ()
    return tuple(dict.fromkeys(rule.code for rule in rules if rule.holds(card)))
