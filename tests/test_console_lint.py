"""The consoles' JavaScript checks (``make lint-js``) catch what they are there for: eslint
(``eslint.config.js``) refuses an undefined name, an accidental global and a loose comparison;
TypeScript (``tsconfig.json``) type-checks a file marked ``// @ts-check``, resolving the
consoles' imports by URL path (``/common/js/api.js``), and leaves an unmarked file alone.

Both run from ``node_modules`` (``package-lock.json``; ``make test`` installs it with
``npm ci``), on probes written to a temporary directory or passed on stdin: nothing is written
into the consoles.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / "node_modules" / ".bin"
# Consoles whose every module is type-checked; a new module there starts with // @ts-check.
WEB = ROOT / "dispatch" / "web"
CHECKED = ("common", "analytics", "operator", "qa", "protocols", "supervisor", "training")


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing; run 'make test' (it installs package-lock.json's tools)")
    return str(path)


def _eslint(source: str, as_file: str = "dispatch/web/operator/js/probe.js") -> list[str]:
    """The rules eslint breaks in ``source``, linted as if it were the console file ``as_file``."""
    done = subprocess.run(
        [_tool("eslint"), "--format", "json", "--stdin", "--stdin-filename", as_file],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    [result] = json.loads(done.stdout)
    return sorted(f"{m['line']}:{m['ruleId']}" for m in result["messages"])


def _tsc(tmp_path: Path, files: dict[str, str]) -> tuple[int, str]:
    """tsc with the project's settings over ``files`` (name → source) alone."""
    for name, source in files.items():
        (tmp_path / name).write_text(source)
    config = {"extends": str(ROOT / "tsconfig.json"), "include": sorted(files)}
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    done = subprocess.run(
        [_tool("tsc"), "-p", str(tmp_path / "tsconfig.json"), "--pretty", "false"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_eslint_passes_a_clean_module() -> None:
    source = 'import { t } from "/common/js/i18n.js";\n\nexport const title = () => t("title");\n'
    assert _eslint(source) == []


def test_eslint_refuses_undefined_names_globals_and_loose_equality() -> None:
    source = (
        "export function shown(card) {\n"
        "  if (card.status == 'open') return statu;\n"  # 2: == and a misspelt name
        "  leaked = card;\n"  # 3: a global made by accident
        "  return null;\n"
        "}\n"
        "const unused = 2;\n"  # 6
    )
    assert _eslint(source) == ["2:eqeqeq", "2:no-undef", "3:no-undef", "6:no-unused-vars"]


def test_eslint_lets_smart_equality_and_underscored_names_pass() -> None:
    source = "export function missing(value, _unused) {\n  return value == null;\n}\n"
    assert _eslint(source, "dispatch/web/qa/js/probe.js") == []


def test_tsc_checks_a_marked_file_against_the_modules_it_imports(tmp_path: Path) -> None:
    good = (
        "// @ts-check\n"
        'import { api } from "/common/js/api.js";\n'
        'import { h } from "/common/js/dom.js";\n'
        'export const load = () => api("GET", "/auth/me");\n'
        'export const field = () => h("input", { id: "x" }).value;\n'
    )
    code, out = _tsc(tmp_path, {"good.js": good})
    assert code == 0, out

    bad = (
        "// @ts-check\n"
        'import { api } from "/common/js/api.js";\n'
        'import { nothing } from "/common/js/dom.js";\n'  # TS2305: no such export
        'export const load = () => api("GET", "/auth/me", { jsn: 1 });\n'  # TS2561: json misspelt
        'export const value = () => document.getElementById("x").value;\n'  # TS2339
    )
    code, out = _tsc(tmp_path, {"bad.js": bad})
    assert code != 0
    found = sorted(line.split(": error ")[1][:6] for line in out.splitlines() if ": error " in line)
    assert found == ["TS2305", "TS2339", "TS2561"], out


def test_tsc_leaves_an_unmarked_file_alone(tmp_path: Path) -> None:
    unmarked = 'export const value = () => document.getElementById("x").value;\n'
    code, out = _tsc(tmp_path, {"unmarked.js": unmarked})
    assert code == 0, out


def test_every_module_of_the_checked_consoles_is_marked() -> None:
    unmarked = [
        str(path.relative_to(ROOT))
        for console in CHECKED
        for path in sorted((WEB / console / "js").rglob("*.js"))
        if not path.read_text().startswith("// @ts-check\n")
    ]
    assert unmarked == []
