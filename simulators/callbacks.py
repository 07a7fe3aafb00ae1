"""Callbacks as the gateway sees them: an ``originate`` command dials a caller back, and the
scenario decides whether the caller answers and how long the dial takes (pure).

When a simulated call drops or its caller gives up waiting, the server makes a callback task
and its ACD sends ``originate`` to the gateway for an operator's set (payload: ``callback_id``,
``attempt_id``, ``attempt``, ``number``, ``language``, ``card_id``). The gateway draws the
outcome here and hands the dial to that operator's bot, which records the outcome
(``POST /api/v1/callbacks/{id}/attempts``) once the drawn ring (and talk) time has passed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Seconds of server time a failed dial takes before the operator gives up: (low, high).
RING_S: Mapping[str, tuple[float, float]] = {
    "no_answer": (25.0, 45.0),
    "busy": (2.0, 6.0),
    "voicemail": (15.0, 30.0),
}


@dataclass(frozen=True)
class CallbackScenario:
    """How callers answer a callback.

    ``answer`` is the probability that the caller answers, per attempt (the first value for the
    first attempt, and so on; the last one repeats). A caller who does not answer is busy with
    probability ``busy``, reaches voicemail with probability ``voicemail``, else does not pick
    up. A reached caller talks ``talk_mean_s`` on average (exponential, at least 10 s)."""

    answer: Sequence[float] = (0.6,)
    busy: float = 0.25
    voicemail: float = 0.2
    talk_mean_s: float = 60.0

    def answers(self, attempt: int) -> float:
        """The probability that the caller answers attempt ``attempt`` (1-based)."""
        if not self.answer:
            return 0.0
        return self.answer[min(max(attempt, 1), len(self.answer)) - 1]

    def draw(self, rng: random.Random, attempt: int) -> tuple[str, float]:
        """The outcome of attempt ``attempt`` and the server seconds it takes (ring and talk)."""
        if rng.random() < self.answers(attempt):
            return "reached", rng.uniform(5.0, 20.0) + max(
                10.0, rng.expovariate(1.0 / self.talk_mean_s)
            )
        draw = rng.random()
        if draw < self.busy:
            outcome = "busy"
        elif draw < self.busy + self.voicemail:
            outcome = "voicemail"
        else:
            outcome = "no_answer"
        return outcome, rng.uniform(*RING_S[outcome])


def parse_answer(text: str) -> tuple[float, ...]:
    """``0.5,0.6,0.7`` → the per-attempt answer probabilities (each in [0, 1])."""
    values = tuple(float(part) for part in text.split(",") if part.strip())
    if not values or any(not 0.0 <= value <= 1.0 for value in values):
        raise ValueError(f"answer probabilities must be in [0, 1]: {text!r}")
    return values


@dataclass(frozen=True)
class Dial:
    """One ``originate``: whom the gateway dials for which task, and how it will end."""

    callback_id: str
    attempt_id: str
    attempt: int
    call_id: str
    number: str
    language: str
    card_id: str | None
    outcome: str
    seconds: float

    @classmethod
    def of(cls, call_id: str, payload: Mapping[str, Any], outcome: str, seconds: float) -> Dial:
        """The dial an ``originate`` command's payload describes."""
        card = payload.get("card_id")
        return cls(
            callback_id=str(payload["callback_id"]),
            attempt_id=str(payload.get("attempt_id") or ""),
            attempt=int(payload.get("attempt") or 1),
            call_id=call_id,
            number=str(payload.get("number") or ""),
            language=str(payload.get("language") or "uz"),
            card_id=str(card) if card else None,
            outcome=outcome,
            seconds=seconds,
        )
