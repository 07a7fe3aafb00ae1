"""The lock files agree: ``pylock.toml`` (PEP 751, for tools that read the standard format) pins
exactly the versions ``requirements-dev.txt`` installs (``make lock`` writes both from one
resolution; ``make install`` installs the hashed requirements); ``package-lock.json`` pins
``package.json``'s exact versions, each package with its hash, all of them fit for Debian's
Node.js 18 (``npm ci`` in ``make test``)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NPM = "https://registry.npmjs.org/"


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _pinned() -> dict[str, str]:
    return {
        _name(found.group(1)): found.group(2)
        for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
        if (found := re.match(r"^([A-Za-z0-9_.\-]+)==([^ \\;]+)", line))
    }


def test_uv_lock_holds_what_the_requirements_install() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked: dict[str, set[str]] = {}
    for package in lock["package"]:
        if package.get("source", {}).get("editable") is None:  # the project itself is not pinned
            locked.setdefault(_name(package["name"]), set()).add(package["version"])
    installers = {"pip", "setuptools", "wheel"}  # install the project; not uv.lock's business
    pinned = {name: version for name, version in _pinned().items() if name not in installers}
    assert pinned, "requirements-dev.txt pins nothing"
    assert set(locked) == set(pinned)
    assert {name: {version} for name, version in pinned.items()} == locked
    assert all(
        p.get("wheels") or p.get("sdist")
        for p in lock["package"]
        if p.get("source", {}).get("registry")
    ), "a package unhashed"


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


# Debian 12's Node.js is 18.20 (18.19 since 12.5); eslint 9 needs 18.18 at least: every package
# the lock installs must admit it (``engines.node``), so `make lint-js` runs on Debian's Node.
DEBIAN_NODE = (18, 18, 0)


def _satisfies(version: tuple[int, int, int], comparator: str) -> bool:
    """One semver comparator (``>=18.18.0``, ``^12.22.0``, ``~1.2``, ``>= 8``, ``*``)."""
    found = re.fullmatch(r"(>=|<=|>|<|=|\^|~)?\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", comparator)
    if comparator in ("*", "x", ""):
        return True
    assert found, f"an engines range this test cannot read: {comparator!r}"
    op, major, minor, patch = found.groups()
    low = (int(major), int(minor or 0), int(patch or 0))
    if op in (None, "="):
        given = 1 + (minor is not None) + (patch is not None)
        return version[:given] == low[:given]
    if op in ("^", "~"):
        if op == "~" and minor is not None:
            high = (low[0], low[1] + 1, 0)
        elif op == "^" and low[0] == 0 and minor is not None:
            high = (0, low[1] + 1, 0) if low[1] else (0, 0, low[2] + 1)
        else:
            high = (low[0] + 1, 0, 0)
        return low <= version < high
    return {">=": version >= low, ">": version > low, "<=": version <= low, "<": version < low}[op]


def _admits(engines: str, version: tuple[int, int, int]) -> bool:
    """Whether an ``engines`` range (``^18.18.0 || ^20.9.0 || >=21.1.0``) admits ``version``."""
    return any(
        all(_satisfies(version, c) for c in re.findall(r"(?:[<>=^~]+\s*)?[^\s<>=^~]+", alt.strip()))
        for alt in engines.split("||")
    )


def test_the_range_reader_reads_npm_ranges() -> None:
    assert _admits("^18.18.0 || ^20.9.0 || >=21.1.0", (18, 19, 0))
    assert not _admits("^18.18.0 || ^20.9.0 || >=21.1.0", (18, 17, 9))
    assert not _admits("^18.18.0 || ^20.9.0 || >=21.1.0", (20, 8, 0))
    assert _admits(">= 8", (18, 18, 0))
    assert _admits("*", (18, 18, 0))
    assert not _admits(">=20", (18, 18, 0))
    assert not _admits(">=18 <18.18", (18, 18, 0))
    assert _admits("^12.22.0 || ^14.17.0 || >=16.0.0", (18, 18, 0))


def test_package_lock_pins_package_json_with_hashes_for_debians_node() -> None:
    manifest = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    wanted = manifest["devDependencies"]
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in wanted.values()), "a range, not a pin"
    assert lock["packages"][""]["devDependencies"] == wanted
    installed = {name: lock["packages"][f"node_modules/{name}"]["version"] for name in wanted}
    assert installed == wanted
    packages = {path: entry for path, entry in lock["packages"].items() if path}
    unhashed = [p for p, e in packages.items() if not e.get("integrity", "").startswith("sha512-")]
    assert unhashed == []
    foreign = [p for p, e in packages.items() if not e.get("resolved", NPM).startswith(NPM)]
    assert foreign == []
    refused = {
        path: entry["engines"]["node"]
        for path, entry in packages.items()
        if "node" in entry.get("engines", {}) and not _admits(entry["engines"]["node"], DEBIAN_NODE)
    }
    assert refused == {}
