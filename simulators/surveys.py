"""Survey answers as the simulated callers give them (pure): the server's survey reaches the
gateway as a ``send_text`` command whose payload names it (``survey_id``, ``survey`` =
``"survey"``, ``to``, ``language``); a share of callers answers by SMS from that number with a
score and, sometimes, a short comment in the survey's language, a few opt out, the rest ignore it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# A short comment per score band and language (uz-Cyrl: the Cyrillic survey is answered so).
COMMENTS: Mapping[str, Mapping[str, Sequence[str]]] = {
    "good": {
        "uz": ("rahmat, tez keldi", "yaxshi gaplashdi"),
        "uz-Cyrl": ("раҳмат, тез келди",),
        "ru": ("спасибо, приехали быстро", "вежливый оператор"),
        "kaa": ("raxmet, tez keldi",),
        "en": ("thanks, quick response",),
    },
    "bad": {
        "uz": ("uzoq kutdim", "kech keldi"),
        "uz-Cyrl": ("узоқ кутдим",),
        "ru": ("долго ждал", "приехали поздно"),
        "kaa": ("uzaq kuttim",),
        "en": ("waited too long",),
    },
}
OPT_OUT = {"uz": "STOP", "uz-Cyrl": "ТЎХТАТ", "ru": "СТОП", "kaa": "STOP", "en": "STOP"}


@dataclass(frozen=True)
class SurveyScenario:
    """How callers answer surveys: ``answer`` of them reply with a score (drawn with
    ``weights`` for 1..5) and a comment with probability ``comment``; ``opt_out`` of them reply
    STOP; the rest never reply."""

    answer: float = 0.35
    opt_out: float = 0.03
    comment: float = 0.5
    weights: Sequence[float] = (0.05, 0.05, 0.1, 0.3, 0.5)

    def draw(self, rng: random.Random, language: str) -> str | None:
        """The caller's reply to a survey in ``language``, or None for no reply."""
        lang = language if language in OPT_OUT else "uz"
        roll = rng.random()
        if roll < self.opt_out:
            return OPT_OUT[lang]
        if roll >= self.opt_out + self.answer:
            return None
        score = rng.choices(range(1, 6), weights=self.weights)[0]
        if rng.random() >= self.comment:
            return str(score)
        band = "good" if score >= 4 else "bad"
        return f"{score} {rng.choice(COMMENTS[band][lang])}"
