"""The consoles ship inside the package: a wheel built from the project holds every file of
``dispatch/web/`` (pyproject: package data), so an installed server serves its pages.

The wheel is built from a copy of the project in a temporary directory (pip builds in the
source tree), with the setuptools the lock installed (no build isolation, nothing fetched).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("dispatch", "cardschema", "simulators")


def test_a_wheel_holds_every_page_of_every_console(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    build = ("wheel", str(source), "--no-deps", "--no-build-isolation", "--quiet")
    subprocess.run(
        [sys.executable, "-m", "pip", *build, "--wheel-dir", str(tmp_path / "dist")],
        check=True,
        timeout=170,
        capture_output=True,
    )
    [wheel] = (tmp_path / "dist").glob("dispatch112-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())

    pages = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "dispatch" / "web").rglob("*")
        if path.is_file()
    }
    assert len(pages) > 80
    assert pages - shipped == set()
    for page in ("common", "operator", "supervisor", "qa", "analytics", "protocols", "training"):
        assert f"dispatch/web/{page}/js/app.js" in shipped or page == "common", page
        assert f"dispatch/web/{page}/index.html" in shipped or page == "common", page
    assert "dispatch/web/common/js/session.js" in shipped
