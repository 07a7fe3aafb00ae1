"""The garbage collector in a serving process: what the start made is frozen at the start, what
the warm-up made is frozen when the warm-up ends (``DISPATCH_GC_WARM_UP_S``), not before, and
never with ``0``. Each test puts the collector back as it found it."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from dispatch.app import create_app
from dispatch.core import collector
from dispatch.core.settings import Settings
from tests.fixtures.waiting import eventually


@pytest.fixture
def _collector_restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


class Kept:
    """An object the process keeps (a cache entry, a connection's state)."""


def _watched(kept: Kept) -> bool:
    """Whether the collector's generations still hold ``kept`` (a frozen object is in none)."""
    return any(each is kept for each in gc.get_objects())


@pytest.mark.asyncio
@pytest.mark.usefixtures("_collector_restored")
async def test_the_warm_up_freezes_what_the_process_keeps() -> None:
    kept = Kept()
    assert _watched(kept)
    frozen_before = gc.get_freeze_count()
    await collector.freeze_after(0.01)
    assert not _watched(kept)
    assert gc.get_freeze_count() > frozen_before


@pytest.mark.usefixtures("_collector_restored")
def test_a_freeze_says_what_it_moved() -> None:
    kept = [Kept() for _ in range(1000)]
    done = collector.freeze_now()
    assert not any(_watched(each) for each in kept[:3])
    assert done["old_objects"] >= 0
    assert done["frozen"] >= len(kept)
    assert done["cpu_ms"] >= 0


@pytest.mark.asyncio
@pytest.mark.usefixtures("_collector_restored")
async def test_the_start_freezes_what_it_made_and_collects_young_objects_less_often() -> None:
    kept = Kept()
    collector.settle()
    assert not _watched(kept)
    assert gc.get_threshold() == collector.THRESHOLDS


@pytest.mark.asyncio
@pytest.mark.usefixtures("_collector_restored")
async def test_a_serving_app_freezes_again_after_its_warm_up_and_not_before(
    settings: Settings,
) -> None:
    app = create_app(settings.model_copy(update={"gc_warm_up_s": 0.5}), tune_gc=True)
    async with app.router.lifespan_context(app):
        made_after_the_start = Kept()
        assert _watched(made_after_the_start)  # the start's freeze is behind it
        await eventually(lambda: not _watched(made_after_the_start), what="the warm-up's freeze")


@pytest.mark.asyncio
@pytest.mark.usefixtures("_collector_restored")
async def test_no_warm_up_freeze_with_zero(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"gc_warm_up_s": 0.0}), tune_gc=True)
    async with app.router.lifespan_context(app):
        made_after_the_start = Kept()
        await asyncio.sleep(0.3)
        assert _watched(made_after_the_start)
        assert gc.get_threshold() == collector.THRESHOLDS  # the start's tuning still done


def test_a_negative_warm_up_is_refused() -> None:
    with pytest.raises(ValueError, match="gc_warm_up_s"):
        Settings(gc_warm_up_s=-1)
