"""The lock files agree: ``pylock.toml`` (PEP 751, for tools that read the standard format) pins
exactly the versions ``requirements-dev.txt`` installs (``make lock`` writes both from one
resolution; ``make install`` installs the hashed requirements)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def test_pylock_pins_what_the_requirements_install() -> None:
    lock = tomllib.loads((ROOT / "pylock.toml").read_text())
    locked = {_name(p["name"]): p["version"] for p in lock["packages"]}
    pinned = {
        _name(found.group(1)): found.group(2)
        for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
        if (found := re.match(r"^([A-Za-z0-9_.\-]+)==([^ \\;]+)", line))
    }
    assert pinned, "requirements-dev.txt pins nothing"
    assert locked == pinned
    assert all(p.get("wheels") or p.get("sdist") for p in lock["packages"]), "a package unhashed"
