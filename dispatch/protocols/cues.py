"""Cues in text (issue 25), pure, no I/O: in an SMS, an e-mail or an operator's note, the words
that suggest cardiac arrest, choking, severe bleeding, suicide intent, domestic violence or fire
and gas, each with the protocol it proposes and the exact words that triggered it.

Rules, not a model, so that every proposal explains itself: a rule is a regular expression
over the *normalised* text, written per language (``uz`` covers Uzbek in both scripts, ``kaa``
Karakalpak, ``ru`` Russian in Cyrillic and in Latin transliteration). Every rule runs on every
text, since callers mix languages in one message.

Normalisation (``normalise``) folds what callers type differently into one Latin form, keeping
where each character came from so that a match is reported as the caller's own words:
casefold; Cyrillic to Latin (Uzbek ў → o, қ → k, ғ → g, ҳ/х → h; Russian ж → j, ы → y, ь and ъ
dropped); Latin q → k and x → h (callers confuse them); the apostrophes of o‘/g‘ in every
variant (‘ ’ ' ` ʻ ʼ) dropped; diacritics dropped (Karakalpak á ó ú ı ǵ ń → a o u i g n).
So ``o‘ldir``, ``o'ldir``, ``oldir`` and ``ўлдир`` are all ``oldir``, and ``ne dyshit`` is both
``не дышит`` and its transliteration.

What the rules guard against, by construction rather than by lists of exceptions: a trigger is
a phrase, never a bare word (``nafas olmay``, not ``nafas``; ``qon ketyapti``, not ``qon``), and
the person is part of it where the figurative use differs (``yuragi``, someone's heart stopped,
not ``yuragim``, my heart aches; ``o‘zimni o‘ldir``, not ``o‘ldim``, I'm dead tired; a beating
needs a person beaten, not a ball). Where a phrase still has a harmless reading the rule names
it in ``unless``: words near the match (``UNLESS_WINDOW`` characters either side) that cancel
it, such as a lamp that is ``yonyapti`` (alight) or ``ozgina qon`` (a little blood).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class CueKind(StrEnum):
    """What a text may suggest."""

    CARDIAC_ARREST = "cardiac_arrest"
    CHOKING = "choking"
    SEVERE_BLEEDING = "severe_bleeding"
    SUICIDE_INTENT = "suicide_intent"
    DOMESTIC_VIOLENCE = "domestic_violence"
    FIRE_GAS = "fire_gas"


UNLESS_WINDOW = 25

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sh", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ў": "o", "қ": "k",
    "ғ": "g", "ҳ": "h", "ң": "n", "ә": "a", "ө": "o", "ү": "u", "ı": "i", "q": "k", "x": "h",
}  # fmt: skip
_APOSTROPHES = frozenset("'‘’`ʻʼ´")


@dataclass(frozen=True, slots=True)
class Normalised:
    """A text in the rules' form; ``origin[i]`` is the index in the original of character i."""

    text: str
    origin: tuple[int, ...]


def normalise(text: str) -> Normalised:
    """The text folded for the rules (see the module docstring), with each character's origin."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        mapped = _fold(char)
        out.append(mapped)
        origin.extend([index] * len(mapped))
    return Normalised("".join(out), tuple(origin))


def _fold(char: str) -> str:
    if char in _APOSTROPHES:
        return ""
    out = []
    for folded in char.casefold():
        mapped = _CYRILLIC.get(folded)
        if mapped is None:
            decomposed = unicodedata.normalize("NFD", folded)
            mapped = "".join(
                _CYRILLIC.get(c, c) for c in decomposed if not unicodedata.combining(c)
            )
        out.append(mapped)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Rule:
    """One trigger: ``pattern`` over the normalised text proposes ``protocol`` for ``cue``
    unless ``unless`` matches within ``UNLESS_WINDOW`` characters of the match."""

    id: str
    cue: CueKind
    language: str
    protocol: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Trigger:
    """The caller's own words that matched a rule: ``text[start:end]`` of the original."""

    rule: str
    language: str
    start: int
    end: int
    words: str


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue found in a text, the protocol it proposes and every trigger, first one first."""

    cue: CueKind
    protocol: str
    triggers: tuple[Trigger, ...]


# Word pieces shared by the rules (over the normalised form).
_W = r"(?:\w+\s+)"  # one word in between
_UZ_PERSON = (
    r"(?:meni|uni|onamni|hotinini|hotinimni|kizini|kizimni|bolani|bolamni|bolalarni|opamni"
    r"|singlimni|ayolini|ayolimni|bizni|seni)"
)
_KAA_PERSON = (
    r"(?:meni|oni|anamdi|hayalin|hayalimdi|kizin|kizimdi|balani|balamdi|balalardi|apamdi|bizdi"
    r"|seni)"
)
_RU_PERSON = (
    r"(?:menya|menia|ee|eyo|ego|mamu|jenu|nas|detey|rebenka|dochku|doch|dochku|syna|sestru|ih"
    r"|moyu\s+doch\w*|moyu\s+jenu|moego\s+syna)"
)
_RU_BEAT = r"(?:b[yi]?[eo]t|izbi\w*|bil|udaril\w*|kolot\w*)"
_RU_PLACE = r"(?:kvartir|dom|zdani|podezd|balkon|kuhn|garaj|sara|mashin|komnat)"
# A fire safety course or drill is not a fire.
_NOT_A_FIRE = r"\b(?:havfsiz|kawipsiz|bezopasn|seminar|mashk|uchen|trenirov)\w*"

_SPECS: tuple[tuple[str, CueKind, str, str, str, str | None], ...] = (
    # (id, cue, language, protocol, pattern, unless)
    # -- cardiac arrest: not breathing, no pulse, someone's heart stopped
    ("no_breath", CueKind.CARDIAC_ARREST, "uz", "cardiac_arrest",
     r"\bnafas(?:i)?\s+ol(?:may|mayap|mayot)\w*", None),
    ("no_breath_yok", CueKind.CARDIAC_ARREST, "uz", "cardiac_arrest",
     r"\bnafas(?:i)?\s+(?:ham\s+)?y[ou]k\b", None),
    ("heart_stopped", CueKind.CARDIAC_ARREST, "uz", "cardiac_arrest",
     r"\byuragi\s+(?:urmay|tohta|tuhta)\w*", None),
    ("no_pulse", CueKind.CARDIAC_ARREST, "uz", "cardiac_arrest",
     r"\b(?:tomir|yurak|yuragi)\s+urish\w*\s+(?:y[ou]k\b|sezilma\w*)", None),
    ("no_breath", CueKind.CARDIAC_ARREST, "kaa", "cardiac_arrest",
     r"\bdem\s+al(?:may|maw)\w*|\bdemi\s+jok\b", None),
    ("heart_stopped", CueKind.CARDIAC_ARREST, "kaa", "cardiac_arrest",
     r"\bjuregi\s+(?:tokta|sokpa|sogpa|urma)\w*", None),
    ("no_breath", CueKind.CARDIAC_ARREST, "ru", "cardiac_arrest",
     r"\bne\s+d[yi]sh\w*|\bperestal\w*\s+d[yi]sh\w*|\bd[yi]han\w*\s+(?:net\b|otsutstv\w*)"
     r"|\b(?:net|bez)\s+d[yi]han\w*", None),
    ("heart_stopped", CueKind.CARDIAC_ARREST, "ru", "cardiac_arrest",
     r"\bserdtse\s+(?:ne\s+b[yi]?[eo]ts\w*|ostanovil\w*)|\bostanovil\w*\s+serdtse"
     r"|\bpul(?:s|sa)\s+net\b|\b(?:net|bez)\s+pul(?:s|sa)\b", r"\bchut\b"),
    # -- choking: something stuck in the throat, or swallowed
    ("stuck", CueKind.CHOKING, "uz", "choking",
     r"\btomog\w*\s+(?:\w+\s+){0,2}?(?:tikil|kol)\w*|\btikilib\s+kol\w*"
     r"|\b(?:ovkat|suyak|yongok)\w*\s+tikil\w*", None),
    ("choking", CueKind.CHOKING, "uz", "choking", r"\bb[ou]gil(?:ib|yap|mokda)\w*", None),
    ("swallowed", CueKind.CHOKING, "uz", "choking",
     r"\byutib\s+(?:yubordi|yuboribdi|koydi|kuydi)\b", r"\b(?:dori|tabletka)\w*"),
    ("stuck", CueKind.CHOKING, "kaa", "choking",
     r"\btamag\w*\s+(?:\w+\s+){0,2}?(?:tigil|kal)\w*|\btigilip\s+kal\w*", None),
    ("choking", CueKind.CHOKING, "kaa", "choking", r"\btunshig\w*", None),
    ("swallowed", CueKind.CHOKING, "kaa", "choking",
     r"\bjutip\s+(?:koydi|jiberdi)\b", r"\b(?:dari|tabletka)\w*"),
    ("choking", CueKind.CHOKING, "ru", "choking",
     r"\bpodavil\w*|\bzadyha\w*|\bzadiha\w*", r"\bastm\w*"),
    ("stuck", CueKind.CHOKING, "ru", "choking",
     r"\bzastr[yi]?a?l\w*\s+v\s+gorl\w*|\bv\s+gorle\s+zastr\w*"
     r"|\b(?:kost|oreh|konfet)\w*\s+(?:\w+\s+){0,1}?v\s+gorl\w*", None),
    ("swallowed", CueKind.CHOKING, "ru", "choking",
     r"\bproglotil\w*", r"\b(?:tabletk|lekarstv|tablet)\w*"),
    # -- severe bleeding: blood that does not stop, much blood
    ("not_stopping", CueKind.SEVERE_BLEEDING, "uz", "severe_bleeding",
     r"\bkoni?\s+(?:\w+\s+){0,3}?(?:tohta|tuhta)(?:may|tolmay|tib\s+bolmay)\w*", None),
    ("flowing", CueKind.SEVERE_BLEEDING, "uz", "severe_bleeding",
     r"\bkon\s+(?:ketyap|ketmokda|okyap|okmokda|okib|otilib|otilyap)\w*|\bkop\s+kon\b"
     r"|\bkon\s+(?:juda\s+)?kop\b",
     r"\b(?:ozgina|biroz|sal)\b"),
    ("not_stopping", CueKind.SEVERE_BLEEDING, "kaa", "severe_bleeding",
     r"\bkani?\s+(?:\w+\s+){0,3}?tokta(?:may|mayd|ta\s+alma)\w*", None),
    ("flowing", CueKind.SEVERE_BLEEDING, "kaa", "severe_bleeding",
     r"\bkan\s+(?:ketip|agip|atilip)\w*|\bkop\s+kan\b|\bkan\s+(?:juda\s+)?kop\b",
     r"\b(?:azgana|azirak|sal)\b"),
    ("not_stopping", CueKind.SEVERE_BLEEDING, "ru", "severe_bleeding",
     r"\bkrov\w*\s+(?:\w+\s+){0,3}?ne\s+(?:\w+\s+)?(?:ostanavl|ostanovit|prekrasha|svorach)\w*",
     None),
    ("flowing", CueKind.SEVERE_BLEEDING, "ru", "severe_bleeding",
     r"\bkrov\w*\s+(?:hlesh|fontan|l[yi]?[eo]t|bet\b|bj[eo]t|techet)\w*"
     r"|\b(?:techet|hleshet|l[yi]?[eo]tsya)\s+krov\w*|\bmnogo\s+krov\w*"
     r"|\bkrov\w*\s+(?:ochen\s+)?mnogo\b|\b(?:silnoe|obilnoe)\s+krovotech\w*",
     r"\b(?:nemnogo|chut|slegka)\b"),
    # -- suicide intent: killing, hanging or throwing oneself, not wanting to live
    ("self_harm", CueKind.SUICIDE_INTENT, "uz", "suicide_risk_screen",
     r"\b[ou]zi(?:mni|ni)\s+(?:\w+\s+){0,2}?(?:[ou]ldir|osib|osa|tashla)\w*", None),
    ("self_harm", CueKind.SUICIDE_INTENT, "uz", "suicide_risk_screen",
     r"\bjoni\w*\s+kasd\w*|\btomir(?:ini|imni)\s+kes\w*", None),
    ("not_live", CueKind.SUICIDE_INTENT, "uz", "suicide_risk_screen",
     r"\byashagi?m\s+kelma\w*|\byashash\w*\s+(?:hohlama|istama)\w*|\byashamayman\b", None),
    ("self_harm", CueKind.SUICIDE_INTENT, "kaa", "suicide_risk_screen",
     r"\b[ou]z(?:imdi|in)\s+(?:\w+\s+){0,2}?(?:[ou]ltir|asip|asa|tasla)\w*"
     r"|\b[ou]zine\s+kol\s+sal\w*|\btamir(?:in|imdi)\s+kes\w*", None),
    ("not_live", CueKind.SUICIDE_INTENT, "kaa", "suicide_risk_screen",
     r"\bjasagi?m\s+kelme\w*|\bjasaw\w*\s+(?:kaleme|kalemey)\w*|\bjasamayman\b", None),
    ("self_harm", CueKind.SUICIDE_INTENT, "ru", "suicide_risk_screen",
     r"\bpokonch\w*\s+(?:s\s+)?(?:soboy|s[ao]boj|jizn\w*|zhizn\w*)"
     r"|\bub(?:yu|ju|it|ivat)\w*\s+sebya\b|\bnalo\w*\s+na\s+sebya\s+ruk\w*|\bpovesh\w*"
     r"|\b(?:sprygn|prygn|brosh)\w*\s+(?:\w+\s+)?(?:s\s+(?:kryshi|mosta|balkona|etaja)"
     r"|iz\s+okna|v\s+rek\w*|pod\s+poezd\w*)"
     r"|\b(?:porez|vskry|rez)\w*\s+(?:sebe\s+)?ven\w*|\bsuitsid\w*", None),
    ("not_live", CueKind.SUICIDE_INTENT, "ru", "suicide_risk_screen",
     r"\bne\s+(?:ho(?:chu|chet|ch)|budu|hochetsya)\s+(?:bolshe\s+)?(?:zh|j)it\w*", None),
    # -- domestic violence: a person beaten, threatened, stabbed
    ("beating", CueKind.DOMESTIC_VIOLENCE, "uz", "domestic_violence",
     rf"\b{_UZ_PERSON}\s+(?:\w+\s+){{0,3}}?(?:ur(?:yap|di|adi|ib|ish)|kaltak|dopposla)\w*"
     r"|\bkaltakla\w*", None),
    ("threat", CueKind.DOMESTIC_VIOLENCE, "uz", "domestic_violence",
     rf"\b{_UZ_PERSON}\s+[ou]ldir\w*\s+(?:\w+\s+)?de(?:b|yap|di|ya)\w*|\bkorkit\w*"
     r"|\bpichokla\w*|\bpichok\s+(?:olib|bilan)\b", None),
    ("beating", CueKind.DOMESTIC_VIOLENCE, "kaa", "domestic_violence",
     rf"\b{_KAA_PERSON}\s+(?:\w+\s+){{0,3}}?(?:ur(?:ip|di|adi)|sabadi|sabap)\w*", None),
    ("threat", CueKind.DOMESTIC_VIOLENCE, "kaa", "domestic_violence",
     rf"\b{_KAA_PERSON}\s+[ou]ltir\w*\s+dep|\bkorkit\w*|\bpishak\s+(?:urdi|alip|menen)\b",
     None),
    ("beating", CueKind.DOMESTIC_VIOLENCE, "ru", "domestic_violence",
     rf"\b{_RU_PERSON}\s+{_W}?{_RU_BEAT}\b|\b{_RU_BEAT}\s+{_RU_PERSON}\b|\bizbi(?:l|va)\w*",
     None),
    ("threat", CueKind.DOMESTIC_VIOLENCE, "ru", "domestic_violence",
     r"\b(?:ugroj|grozi)\w*\s+(?:\w+\s+)?ubi\w*|\bpyrnul\w*|\bs\s+nojom\b", None),
    # -- fire: a building burning, smoke, flames; gas: its smell or a leak
    ("burning", CueKind.FIRE_GAS, "uz", "building_fire",
     r"\byon(?:yap|mokda|ib\s+ket)\w*|\byongin\w*|\btutun\w*|\bpo[jz]h?ar\b"
     r"|\bolov\s+(?:chik|ket|tush|katta|kop)\w*|\bot\s+chik\w*",
     rf"\b(?:chirok|lampochka|svet|chirog)\w*|{_NOT_A_FIRE}"),
    ("gas", CueKind.FIRE_GAS, "uz", "gas_smell",
     rf"\bgaz\w*\s+{_W}?(?:hid\w*|(?:chik|siz|ket)(?:i|yap|mokda|ib)\w*)", None),
    ("burning", CueKind.FIRE_GAS, "kaa", "building_fire",
     r"\bjan(?:ip|iw)\s+(?:atir|jatir|ketti)\w*|\bort\b|\btutin\w*|\bot\s+shik\w*",
     rf"\b(?:shirak|lampochka|svet)\w*|{_NOT_A_FIRE}"),
    ("gas", CueKind.FIRE_GAS, "kaa", "gas_smell",
     rf"\bgaz\w*\s+{_W}?(?:iyis|shig|ketip|sizip)\w*", None),
    ("burning", CueKind.FIRE_GAS, "ru", "building_fire",
     r"\bpo[jz]h?ar(?:a|e|om|y)?\b|\bdym\w*|\bzagorel\w*|\bv\s+\w+\s+ogon\b|\bogon\s+(?:v|na)\b"
     rf"|\b{_RU_PLACE}\w*\s+gor(?:it|yat)\b|\bgor(?:it|yat)\s+(?:\w+\s+)?{_RU_PLACE}\w*",
     rf"\b(?:svet|lampochk|lampa|plit|svech|kostr)\w*|{_NOT_A_FIRE}"),
    ("gas", CueKind.FIRE_GAS, "ru", "gas_smell",
     r"\b(?:pahn|zapah|utechk|vonya|vonyaet|chuvstv)\w*\s+gaz\w*"
     r"|\bgaz\w*\s+(?:pahn|utechk|travit|vonya)\w*", None),
)  # fmt: skip

RULES: tuple[Rule, ...] = tuple(
    Rule(
        id=f"{cue.value}.{language}.{name}",
        cue=cue,
        language=language,
        protocol=protocol,
        pattern=re.compile(pattern),
        unless=re.compile(unless) if unless else None,
    )
    for name, cue, language, protocol, pattern, unless in _SPECS
)


def find_cues(text: str, rules: tuple[Rule, ...] = RULES) -> list[Cue]:
    """The cues in ``text``, in the order their first trigger appears, each with every trigger."""
    folded = normalise(text)
    found: dict[tuple[CueKind, str], list[Trigger]] = {}
    for rule in rules:
        for match in rule.pattern.finditer(folded.text):
            if match.end() == match.start() or _cancelled(rule, folded.text, match):
                continue
            start = folded.origin[match.start()]
            end = folded.origin[match.end() - 1] + 1
            while end < len(text) and not text[end].isspace() and not _fold(text[end]):
                end += 1  # the word's last letters that fold to nothing (ь, ъ) are its own
            trigger = Trigger(rule.id, rule.language, start, end, text[start:end])
            found.setdefault((rule.cue, rule.protocol), []).append(trigger)
    cues = [
        Cue(cue, protocol, tuple(sorted(triggers, key=lambda t: (t.start, t.end))))
        for (cue, protocol), triggers in found.items()
    ]
    return sorted(cues, key=lambda c: (c.triggers[0].start, c.cue.value, c.protocol))


def _cancelled(rule: Rule, text: str, match: re.Match[str]) -> bool:
    if rule.unless is None:
        return False
    before = text[max(0, match.start() - UNLESS_WINDOW) : match.start()]
    after = text[match.end() : match.end() + UNLESS_WINDOW]
    return any(rule.unless.search(part) for part in (before, after))
