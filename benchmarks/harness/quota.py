"""The same CPU quota for each server process of a benchmark: a cgroup of its own per process.

cgroup v1 (``/sys/fs/cgroup/cpu``, the ``cpu`` controller mounted alone or with ``cpuacct``):
``cpu.cfs_period_us`` and ``cpu.cfs_quota_us``; cgroup v2 (``cpu.max``, the ``cpu`` controller
enabled for the root's children). The quota is granted per period (``period_us``, CFS's default
100 ms unless a benchmark's ``--quota-period-ms`` says otherwise): a process that has used its
share of a period waits for the next one, so the period is also the longest stall a quota adds
(60 ms of every 100 at 0.4 core; 6 of every 10 with a 10 ms period). Only the server
processes go into the groups: the load generator, PostgreSQL, Redis and HAProxy stay outside
the quota. The groups are removed at the end (any process left in one is moved back to the
root first); a machine where neither kind is writable fails with what to do, never silently
without a quota.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PERIOD_US = 100_000  # CFS's default period
MIN_PERIOD_US, MAX_PERIOD_US = 1_000, 1_000_000  # what the kernel accepts
V1_ROOT = Path("/sys/fs/cgroup/cpu")
V2_ROOTS = (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified"))


class QuotaError(RuntimeError):
    """No writable cgroup with the cpu controller: the message says what to do."""


@dataclass(frozen=True)
class Hierarchy:
    """Where the groups go: cgroup ``version`` 1 or 2 mounted at ``root``."""

    version: int
    root: Path


def find_hierarchy(v1: Path = V1_ROOT, v2: tuple[Path, ...] = V2_ROOTS) -> Hierarchy:
    """The writable cpu controller: v1's first, else a v2 root with ``cpu`` available."""
    if (v1 / "cpu.cfs_quota_us").exists() and os.access(v1, os.W_OK):
        return Hierarchy(1, v1)
    for root in v2:
        controllers = root / "cgroup.controllers"
        with contextlib.suppress(OSError):
            if "cpu" in controllers.read_text().split() and os.access(root, os.W_OK):
                return Hierarchy(2, root)
    raise QuotaError(
        "no writable cgroup cpu controller: neither "
        f"{v1}/cpu.cfs_quota_us (cgroup v1) nor cpu in cgroup.controllers of "
        f"{', '.join(str(r) for r in v2)} (cgroup v2) is writable by this user. Run as root on "
        "a machine whose cgroups are writable (a container needs them delegated), or pass "
        "--quota 0 to measure without a quota (the figures then do not show scale-out)"
    )


@dataclass
class CpuQuotas:
    """``cores`` of CPU for each process put in :meth:`add`, one group per index."""

    cores: float
    prefix: str = "dispatch-bench"
    period_us: int = PERIOD_US
    hierarchy: Hierarchy | None = None
    groups: dict[int, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 < self.cores <= (os.cpu_count() or 1):
            raise QuotaError(f"a quota of {self.cores:g} cores is not possible on this machine")
        if not MIN_PERIOD_US <= self.period_us <= MAX_PERIOD_US:
            raise QuotaError(
                f"a quota period of {self.period_us / 1000:g} ms is not possible: the kernel "
                f"takes {MIN_PERIOD_US // 1000}–{MAX_PERIOD_US // 1000} ms"
            )
        self.hierarchy = self.hierarchy or find_hierarchy()

    @property
    def quota_us(self) -> int:
        """CPU microseconds allowed per period."""
        return round(self.cores * self.period_us)

    def group(self, index: int) -> Path:
        """The group of process ``index``, created with the quota on first use."""
        if index in self.groups:
            return self.groups[index]
        assert self.hierarchy is not None
        path = self.hierarchy.root / f"{self.prefix}-{index}"
        path.mkdir(exist_ok=True)
        if self.hierarchy.version == 1:
            (path / "cpu.cfs_period_us").write_text(str(self.period_us))
            (path / "cpu.cfs_quota_us").write_text(str(self.quota_us))
        else:
            self._enable_v2_controller()
            (path / "cpu.max").write_text(f"{self.quota_us} {self.period_us}")
        self.groups[index] = path
        return path

    def _enable_v2_controller(self) -> None:
        assert self.hierarchy is not None
        control = self.hierarchy.root / "cgroup.subtree_control"
        if "cpu" not in control.read_text().split():
            control.write_text("+cpu")

    def add(self, index: int, pid: int) -> None:
        """Hold process ``pid`` (all its threads) to the quota of group ``index``."""
        (self.group(index) / "cgroup.procs").write_text(str(pid))

    def describe(self, whose: str) -> str:
        """``cores`` for ``whose``, the period and where the groups are, for a report."""
        assert self.hierarchy is not None
        where = self.hierarchy.root / f"{self.prefix}-<i>"
        return (
            f"{self.cores:g} core {whose}, granted every {self.period_us / 1000:g} ms "
            f"(cgroup v{self.hierarchy.version}, {where})"
        )

    def limit_of(self, index: int) -> float:
        """The cores group ``index`` is allowed, read back from the kernel."""
        path = self.group(index)
        assert self.hierarchy is not None
        if self.hierarchy.version == 1:
            quota = int((path / "cpu.cfs_quota_us").read_text())
            period = int((path / "cpu.cfs_period_us").read_text())
        else:
            quota_text, period_text = (path / "cpu.max").read_text().split()
            quota, period = int(quota_text), int(period_text)
        return quota / period

    def throttling(self, index: int) -> dict[str, float]:
        """How often and how long group ``index`` was held back by its quota so far."""
        stat: dict[str, int] = {}
        with contextlib.suppress(OSError):
            for line in (self.group(index) / "cpu.stat").read_text().splitlines():
                name, _, value = line.partition(" ")
                with contextlib.suppress(ValueError):
                    stat[name] = int(value)
        if "throttled_usec" in stat:  # v2
            seconds = stat["throttled_usec"] / 1e6
        else:
            seconds = stat.get("throttled_time", 0) / 1e9
        return {
            "periods": stat.get("nr_periods", 0),
            "throttled_periods": stat.get("nr_throttled", 0),
            "throttled_s": round(seconds, 3),
        }

    def remove(self) -> None:
        """Remove every group, moving any process still in one back to the root."""
        assert self.hierarchy is not None
        root_procs = self.hierarchy.root / "cgroup.procs"
        for path in self.groups.values():
            with contextlib.suppress(OSError):
                for pid in (path / "cgroup.procs").read_text().split():
                    with contextlib.suppress(OSError):
                        root_procs.write_text(pid)
            try:
                path.rmdir()
            except FileNotFoundError:
                pass
            except OSError as exc:
                if exc.errno != errno.EBUSY:
                    raise
        self.groups.clear()


@contextlib.contextmanager
def cpu_quotas(
    cores: float, prefix: str = "dispatch-bench", *, period_ms: float = PERIOD_US / 1000
) -> Iterator[CpuQuotas | None]:
    """Quotas of ``cores`` per process, granted every ``period_ms``, until the block ends (None
    when ``cores`` is 0: no quota asked for)."""
    if cores == 0:
        yield None
        return
    quotas = CpuQuotas(cores, prefix, round(period_ms * 1000))
    try:
        yield quotas
    finally:
        quotas.remove()
