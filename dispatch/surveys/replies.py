"""What a caller's answer to a survey says (pure, no I/O): a score, a comment, an opt-out, or
something that must go to an operator.

The rule, safety first: a message is taken as the survey's answer only when

- its first word is an opt-out word (``STOP``, ``стоп``, ``to‘xtat``, ``yuborma``, ...) and the
  rest holds no sign of an emergency: the number is opted out for good; or
- its first word is a score 1-5 (a digit, ``4/5``, or the number or grade as a word in uz, ru,
  kaa or en, Latin or Cyrillic: ``besh``, ``беш``, ``пять``, ``five``, ``a‘lo``) not negated by
  the next word (``yaxshi emas``), and nothing in it suggests an emergency.

A sign of an emergency is a cue of ``protocols.cues`` (cardiac arrest, bleeding, fire, violence,
suicide intent...) or one of ``URGENT`` (help, urgent, come quickly... in the four languages).
Everything else (no score, a score with an emergency, a number 0 or 6-10, a photo) is a
message to 112: it opens a new conversation for the operators and records no score.
Words are compared in the cues' folded form (``cues.normalise``: one Latin spelling for both
scripts and every apostrophe), so each needs one spelling here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from dispatch.protocols.cues import find_cues, normalise

COMMENT_MAX = 1000


class Kind(StrEnum):
    """What a reply is."""

    SCORE = "score"
    OPT_OUT = "opt_out"
    TO_OPERATOR = "to_operator"


@dataclass(frozen=True)
class Reading:
    """A reply understood: its kind, the score and the comment (for ``SCORE``)."""

    kind: Kind
    score: int | None = None
    comment: str | None = None
    why: str = ""


# Folded forms (see the module docstring). uz and kaa: the numbers, and the school grades.
SCORE_WORDS: dict[str, int] = {
    # en
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "excellent": 5, "good": 4, "ok": 3, "okay": 3, "bad": 2, "terrible": 1,
    # uz (Latin and Cyrillic fold alike): bir ikki uch to‘rt besh; a‘lo yaxshi qoniqarli yomon
    "bir": 1, "ikki": 2, "uch": 3, "tort": 4, "besh": 5,
    "alo": 5, "yahshi": 4, "koniqarli": 3, "koniqarsiz": 2, "yomon": 1,
    # kaa: bir eki úsh tórt bes; jaqsı (good)
    "eki": 2, "ush": 3, "bes": 5, "jaksi": 4,
    # ru: один два три четыре пять; единица ... пятёрка; отлично хорошо нормально плохо ужасно
    "odin": 1, "odna": 1, "dva": 2, "tri": 3, "chetyre": 4, "pyat": 5,
    "edinitsa": 1, "dvoyka": 2, "troyka": 3, "chetverka": 4, "pyaterka": 5,
    "chetvyorka": 4, "pyatyorka": 5,
    "otlichno": 5, "horosho": 4, "normalno": 3, "ploho": 2, "uzhasno": 1, "ujasno": 1,
}  # fmt: skip
NEGATIONS = frozenset({"emas", "emes", "not", "ne"})
OPT_OUT_WORDS = frozenset({
    "stop", "unsubscribe", "stopp",
    "stop.", "otpisatsya", "otpiska", "otpishite", "hvatit",
    "tohtat", "tohtating", "yuborma", "yubormang", "yubormanglar", "kerakmas",
    "toktat", "toktatin", "jibermen", "jibermeng",
})  # fmt: skip
# Folded word beginnings that make a reply a message to 112 (beside the cues' rules): asking for
# help or for someone to come, not naming a service (a comment often praises the ambulance).
URGENT = re.compile(
    r"\b(?:help|urgent|emergenc|sos\b|"
    r"yordam ber|yordam kerak|kutkar|tez keling|tezrok kel|olyapti|olib kol|"
    r"jardem ber|jardem kerek|"
    r"pomog|pomosh|srochno|spasit|priezjay|umira)"
)
_TOKEN = re.compile(r"\S+")
_SEPARATOR = re.compile(r"^[\s,.;:!?()\-–—/]+")
_DIGIT_SCORE = re.compile(r"^([1-5])(?:/5|\*|\.0)?$")


def read_reply(text: str) -> Reading:
    """What ``text`` is as an answer to a survey (see the module docstring)."""
    stripped = text.strip()
    first = _TOKEN.match(stripped)
    if first is None:
        return Reading(Kind.TO_OPERATOR, why="empty")
    head = _word(first.group())
    rest = _SEPARATOR.sub("", stripped[first.end() :])
    urgent = _urgent(stripped)
    if head in OPT_OUT_WORDS:
        if urgent:
            return Reading(Kind.TO_OPERATOR, why="opt-out with an emergency")
        return Reading(Kind.OPT_OUT)
    score = _score(head)
    if score is None:
        return Reading(Kind.TO_OPERATOR, why="no score")
    following = _TOKEN.match(rest)
    if following is not None and _word(following.group()) in NEGATIONS:
        return Reading(Kind.TO_OPERATOR, why="negated")
    if urgent:
        return Reading(Kind.TO_OPERATOR, why="a score with an emergency")
    return Reading(Kind.SCORE, score=score, comment=rest[:COMMENT_MAX] or None)


def _word(token: str) -> str:
    return normalise(token).text.strip(',.;:!?()"«»-–—')


def _score(word: str) -> int | None:
    digit = _DIGIT_SCORE.match(word)
    if digit is not None:
        return int(digit.group(1))
    return SCORE_WORDS.get(word)


def _urgent(text: str) -> bool:
    if find_cues(text):
        return True
    folded = normalise(text).text
    return URGENT.search(folded) is not None
