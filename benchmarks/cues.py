"""Cues in text (issue 25) over the evaluation set: ``make bench-cues``.

Runs the rules (``dispatch/protocols/cues.py``) on every message of ``tests/protocols/cues/``
and prints, per language and cue, precision, recall and the counts (true positives, false
positives, false negatives), then each message the rules got wrong; then the same for the
held-out messages (``tests/protocols/cues/held_out/``, written after the rules). BENCHMARKS.md
records the tables. No server, no database: the rules are pure.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispatch.protocols.cues import RULES  # noqa: E402
from tests.protocols.cue_set import (  # noqa: E402
    HELD_OUT_DIR,
    LANGUAGES,
    SET_DIR,
    figures,
    load,
    table,
)


def main() -> int:
    """Print the figures of every language and cue."""
    started = time.perf_counter()
    for title, directory in (("evaluation set", SET_DIR), ("held out", HELD_OUT_DIR)):
        print(f"{title} ({directory.relative_to(ROOT)}), {len(RULES)} rules")
        print(table(directory))
        wrong = [
            f"{language} {cue.value}: {text}"
            for language in LANGUAGES
            for cue, got in figures(load(language, directory)).items()
            for text in got.false_texts
        ]
        print(f"{len(wrong)} wrong")
        for line in wrong:
            print("  " + line)
        print()
    print(f"{time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
