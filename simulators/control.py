"""Call control in the simulation (issue 26): what operator bots do on a call (a short hold, the
directory's consulting doctor added to the call and removed), and how the simulated telephone
system answers the commands: a party asked onto a call answers, is busy or does not answer, with
the probabilities here, and the gateway acknowledges or fails the command accordingly
(``{"type":"nack","reason":"busy"}`` / ``"no_answer: ..."``)."""

from __future__ import annotations

import random
from dataclasses import dataclass

# Commands whose party may refuse: a transfer, or a party added to a conference.
DIALS_A_PARTY = frozenset({"transfer", "conference"})


@dataclass(frozen=True)
class ControlScenario:
    """How often bots use call control, and how the parties they ask answer. Off unless asked
    for (``make simulate`` asks: ``--hold-share``, ``--consult-share``), so the benchmarks'
    requests per call stay comparable with their earlier runs."""

    hold_share: float = 0.0  # calls the operator puts on hold for a moment
    hold_s: float = 8.0
    consult_share: float = 0.0  # calls where the operator adds the consulting doctor
    consult_s: float = 20.0
    consult_target: str = "doctor-consultant"  # a directory entry (dispatch/control)
    answers: float = 0.8  # the party answers
    busy: float = 0.1  # the party's line is busy; otherwise it does not answer

    def outcome(self, rng: random.Random, command: str, action: str | None) -> str | None:
        """The gateway's failure reason for a command, or None when it is carried out."""
        if command not in DIALS_A_PARTY or action not in (None, "add"):
            return None
        draw = rng.random()
        if draw < self.answers:
            return None
        if draw < self.answers + self.busy:
            return "busy"
        return "no_answer: the party did not answer within 30 s"
