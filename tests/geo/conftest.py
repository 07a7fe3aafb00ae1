"""The boundaries read once per test session, straight from ``../shared/data/geo``."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch.geo.index import GeoIndex
from dispatch.geo.loader import Boundaries, read_boundaries


@pytest.fixture(scope="session")
def geo_dir(shared_data: Path) -> Path:
    """The real boundary files."""
    return shared_data / "geo"


@pytest.fixture(scope="session")
def boundaries(geo_dir: Path) -> Boundaries:
    """Every region and district as the loader reads them."""
    return read_boundaries(geo_dir)


@pytest.fixture(scope="session")
def index(boundaries: Boundaries) -> GeoIndex:
    """The resolution index over the real boundaries."""
    return GeoIndex.from_boundaries(boundaries)
