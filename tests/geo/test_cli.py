"""``python -m dispatch seed`` and ``geo load`` run as an administrator would."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.fixtures.processes import dispatch_env, run_cli


def _run(args: list[str], tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli(
        args, dispatch_env(DISPATCH_DATABASE_URL=f"sqlite:///{tmp_path / 'geo.db'}", **extra)
    )


def test_first_seed_loads_boundaries_and_units_then_geo_load_reloads(tmp_path: Path) -> None:
    assert _run(["migrate"], tmp_path).returncode == 0
    first = _run(["seed"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "14 region(s) and 200 district(s) loaded, 70 sample unit(s) added" in first.stderr
    again = _run(["seed"], tmp_path)
    assert "0 region(s) and 0 district(s) loaded, 0 sample unit(s) added" in again.stderr
    reload = _run(["geo", "load"], tmp_path)
    assert reload.returncode == 0, reload.stderr
    assert "14 region(s), 200 district(s); 0 added, 0 changed, 0 removed" in reload.stderr


def test_missing_boundary_files_are_a_clear_error(tmp_path: Path, shared_data: Path) -> None:
    assert _run(["migrate"], tmp_path).returncode == 0
    missing = tmp_path / "nowhere"
    seeded = _run(["seed"], tmp_path, DISPATCH_GEO_DATA_DIR=str(missing))
    assert seeded.returncode == 2
    assert "boundary data error" in seeded.stderr
    assert "DISPATCH_GEO_DATA_DIR" in seeded.stderr
    loaded = _run(["geo", "load", "--data-dir", str(missing)], tmp_path)
    assert loaded.returncode == 2
    assert str(missing) in loaded.stderr
    # Nothing was half-done: a seed with the real files still adds everything.
    fine = _run(["seed"], tmp_path, DISPATCH_GEO_DATA_DIR=str(shared_data / "geo"))
    assert "5 service(s) added, 14 region(s) and 200 district(s) loaded" in fine.stderr
