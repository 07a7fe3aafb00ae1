"""The evaluation set of cues in text (``tests/protocols/cues/*.yaml``) and its figures: per
language and cue, the messages that carry the cue and were found (true positives), found but
not carried (false positives) and carried but missed (false negatives).

``cues/held_out/`` holds messages written after the rules and measured once before any rule
was changed for them: their figures say how the rules may do on messages not shaped for them
(BENCHMARKS.md); the tests assert on the evaluation set only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from dispatch.protocols.cues import CueKind, find_cues

SET_DIR = Path(__file__).parent / "cues"
HELD_OUT_DIR = SET_DIR / "held_out"
LANGUAGES = ("uz_latn", "uz_cyrl", "kaa", "ru")


@dataclass(frozen=True)
class Example:
    """A message and the cues it carries."""

    text: str
    cues: frozenset[CueKind]


@dataclass(frozen=True)
class Figures:
    """How the rules did on one cue of one language."""

    true_positives: int
    false_positives: int
    false_negatives: int
    false_texts: tuple[str, ...]

    @property
    def precision(self) -> float:
        """Found and carried over found; 1.0 when nothing was found."""
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        """Found and carried over carried; 1.0 when nothing carries the cue."""
        carried = self.true_positives + self.false_negatives
        return self.true_positives / carried if carried else 1.0


def load(language: str, directory: Path = SET_DIR) -> list[Example]:
    """The labelled messages of one language."""
    data = yaml.safe_load((directory / f"{language}.yaml").read_text(encoding="utf-8"))
    assert data["language"] == language
    return [
        Example(item["text"], frozenset(CueKind(cue) for cue in item["cues"]))
        for item in data["messages"]
    ]


def figures(examples: list[Example]) -> dict[CueKind, Figures]:
    """Each cue's figures over ``examples``."""
    found = [frozenset(cue.cue for cue in find_cues(example.text)) for example in examples]
    result = {}
    for kind in CueKind:
        tp = fp = fn = 0
        wrong = []
        for example, got in zip(examples, found, strict=True):
            carried, detected = kind in example.cues, kind in got
            tp += carried and detected
            fp += detected and not carried
            fn += carried and not detected
            if carried != detected:
                wrong.append(("missed: " if carried else "false: ") + example.text)
        result[kind] = Figures(tp, fp, fn, tuple(wrong))
    return result


def table(directory: Path = SET_DIR) -> str:
    """The figures of every language and cue as the table BENCHMARKS.md shows."""
    lines = [
        f"{'language':<9}{'cue':<19}{'precision':>10}{'recall':>8}{'TP':>5}{'FP':>5}{'FN':>5}"
        f"{'messages':>10}"
    ]
    for language in LANGUAGES:
        examples = load(language, directory)
        for kind, got in figures(examples).items():
            lines.append(
                f"{language:<9}{kind.value:<19}{got.precision:>10.2f}{got.recall:>8.2f}"
                f"{got.true_positives:>5}{got.false_positives:>5}{got.false_negatives:>5}"
                f"{len(examples):>10}"
            )
    return "\n".join(lines)
