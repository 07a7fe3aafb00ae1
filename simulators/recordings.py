"""Call recordings: a short WAV spoken from the scenario text by Debian's ``espeak-ng``.

The same words in the same voice are spoken once and copied for every later call (callers of
one incident family say the same sentence), so recordings cost almost no CPU at high speed.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from pathlib import Path

log = logging.getLogger(__name__)

VOICES = ("uz", "ru")


class Recorder:
    """Writes ``<folder>/<call id>.wav``; a no-op (warned once) when espeak-ng is missing."""

    def __init__(self, folder: Path, program: str = "espeak-ng") -> None:
        self.folder = folder
        self.program = shutil.which(program)
        self.voices: set[str] = set()
        self.spoken: dict[tuple[str, str], Path] = {}  # (voice, text) → the first recording
        self.lock = threading.Lock()
        if self.program is None:
            log.warning("espeak-ng is not installed: calls get no recordings")
            return
        folder.mkdir(parents=True, exist_ok=True)
        listing = subprocess.run(  # noqa: S603
            [self.program, "--voices"], capture_output=True, text=True, check=False
        ).stdout
        names = {line.split()[1] for line in listing.splitlines()[1:] if len(line.split()) > 1}
        self.voices = {voice for voice in VOICES if voice in names}

    @property
    def enabled(self) -> bool:
        """Whether recordings are made."""
        return self.program is not None and bool(self.voices)

    def voice_for(self, language: str) -> str:
        """The caller's language when espeak-ng has it, else Uzbek, else Russian."""
        if language in self.voices:
            return language
        return "uz" if "uz" in self.voices else "ru"

    def record(self, call_id: str, text: str, language: str) -> str | None:
        """Speak ``text`` into a WAV file; its ``file://`` URL, or None without espeak-ng."""
        if self.program is None or not self.voices:
            return None
        path = (self.folder / f"{call_id}.wav").resolve()
        voice = self.voice_for(language)
        with self.lock:
            earlier = self.spoken.get((voice, text))
        if earlier is not None and earlier.exists():
            shutil.copyfile(earlier, path)
            return path.as_uri()
        done = subprocess.run(  # noqa: S603
            [self.program, "-v", voice, "-s", "150", "-w", str(path), text],
            capture_output=True,
            check=False,
            timeout=30,
        )
        if done.returncode != 0 or not path.exists():
            log.warning("espeak-ng failed for call %s: %s", call_id, done.stderr[-200:])
            return None
        with self.lock:
            self.spoken.setdefault((voice, text), path)
        return path.as_uri()
