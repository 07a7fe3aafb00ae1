"""The import contracts and the words about them agree (issue 30), run by ``make lint``.

``lint-imports`` enforces the contracts in pyproject.toml; this checks what it cannot: that
``dispatch/README.md`` names the same layers in the same order, that every package and module
of ``dispatch/`` stands in a layer (one outside them would escape the layering unseen) or is
one of the web edge's own modules named here, and that every named exception says why it is
there (a comment before each run of entries).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
README = ROOT / "dispatch" / "README.md"
# Modules beside app.py that serve the web edge only (dispatch/README.md, "At the web edge"),
# and what is not Python code.
EDGE = {"idempotent", "refusals", "openapi", "__main__", "__init__", "web"}


def _contracts() -> list[dict[str, Any]]:
    with PYPROJECT.open("rb") as file:
        contracts: list[dict[str, Any]] = tomllib.load(file)["tool"]["importlinter"]["contracts"]
    return contracts


def _contract_layers() -> list[set[str]]:
    (layers,) = [c["layers"] for c in _contracts() if c["type"] == "layers"]
    return [
        {name.strip().removeprefix("dispatch.") for name in re.split(r"[:|]", layer)}
        for layer in layers
    ]


def readme_layers(text: str) -> list[set[str]]:
    """The layers the README's sentence names, highest first."""
    found = re.search(r"layers, highest first:(.*?);", text, re.S)
    assert found is not None, "dispatch/README.md no longer says 'layers, highest first: ...;'"
    return [set(re.findall(r"`([a-z_]+)`", part)) for part in found.group(1).split("→")]


def unexplained(raw: str) -> list[str]:
    """The ignore_imports entries of ``raw`` (pyproject text) with no comment before their run."""
    missing: list[str] = []
    for block in re.findall(r"ignore_imports = \[\n(.*?)\n\]", raw, re.S):
        previous = ""
        for line in block.splitlines():
            stripped = line.strip()
            if stripped.startswith('"') and not (
                previous.startswith("#") or previous.startswith('"')
            ):
                missing.append(stripped)
            previous = stripped
    return missing


def test_the_readme_names_the_contracts_layers_in_their_order() -> None:
    assert readme_layers(README.read_text()) == _contract_layers()


def test_every_package_of_the_server_stands_in_a_layer() -> None:
    placed = set().union(*_contract_layers())
    present = {
        path.stem if path.is_file() else path.name
        for path in (ROOT / "dispatch").iterdir()
        if (path.is_file() and path.suffix == ".py") or (path / "__init__.py").exists()
    }
    assert present - placed - EDGE == set()
    assert placed - present == set(), "a layer names a package that is gone"


def test_every_named_exception_says_why() -> None:
    assert unexplained(PYPROJECT.read_text()) == []


def test_the_checks_find_what_they_look_for() -> None:
    readme = "- layers, highest first: `app`/`cli` → `a` | `b` → `core`; a lower ..."
    assert readme_layers(readme) == [{"app", "cli"}, {"a", "b"}, {"core"}]
    raw = (
        'ignore_imports = [\n    # why\n    "a -> b",\n    "a -> c",\n    "d -> e",\n]\n'
        'ignore_imports = [\n    "x -> y",\n]\n'
    )
    assert unexplained(raw) == ['"x -> y",']
