"""Who calls when, about what: a day's arrival profile, surges, scenario mix, CSV replay (pure).

Arrivals are a non-homogeneous Poisson process drawn by thinning (Lewis & Shedler): candidate
arrivals at the peak rate, each kept with probability rate(t) / peak. Everything is driven by a
``random.Random`` so a seed reproduces a day exactly.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

# Relative call volume by hour of day (0..23): quiet night, a morning and an evening peak.
DAY_PROFILE: tuple[float, ...] = (
    0.35, 0.25, 0.2, 0.18, 0.2, 0.3, 0.5, 0.8, 1.0, 0.95, 0.85, 0.8,
    0.8, 0.8, 0.8, 0.85, 0.9, 0.95, 1.0, 1.0, 0.9, 0.75, 0.6, 0.45,
)  # fmt: skip

DEFAULT_INCIDENTS: Mapping[str, float] = {
    "medical.illness": 0.22,
    "medical.injury_fall": 0.1,
    "medical.chest_pain": 0.06,
    "road.accident_injuries": 0.12,
    "road.accident_no_injuries": 0.08,
    "crime.theft": 0.1,
    "crime.public_disorder": 0.07,
    "violence.domestic": 0.06,
    "fire.residential": 0.07,
    "gas.smell_indoors": 0.07,
    "rescue.lift": 0.05,
}
DEFAULT_LANGUAGES: Mapping[str, float] = {"uz": 0.7, "ru": 0.25, "kaa": 0.05}
DEFAULT_CHANNELS: Mapping[str, float] = {"voice": 1.0}

# What the caller says, per incident family, for the recording (Uzbek and Russian).
SCRIPT_TEXT: Mapping[str, Mapping[str, str]] = {
    "medical": {"uz": "Yordam bering, odam yomon.", "ru": "Помогите, человеку плохо."},
    "road": {"uz": "Yo'lda avariya, yaradorlar bor.", "ru": "Авария, есть пострадавшие."},
    "crime": {"uz": "Bu yerda o'g'irlik bo'ldi.", "ru": "Здесь произошла кража."},
    "violence": {"uz": "Uyda janjal, yordam kerak.", "ru": "Дома драка, нужна помощь."},
    "fire": {"uz": "Uyda yong'in, tutun chiqyapti.", "ru": "В доме пожар, идёт дым."},
    "gas": {"uz": "Xonadonda gaz hidi kelyapti.", "ru": "В квартире пахнет газом."},
    "rescue": {"uz": "Liftda odamlar qolib ketdi.", "ru": "В лифте застряли люди."},
}  # fmt: skip


@dataclass(frozen=True)
class Surge:
    """A mass incident: ``calls`` extra calls about one place within ``minutes`` from ``at_s``.

    Without ``centre`` every call of the surge comes from one place drawn in a district; with
    ``centre`` (lat, lon) each caller stands at a point of their own within ``radius_m`` of it
    (a crowd around one point of a city, each handset's AML a little apart)."""

    at_s: float
    calls: int
    minutes: float = 10.0
    incident: str = "fire.building"
    centre: tuple[float, float] | None = None
    radius_m: float = 1000.0


@dataclass(frozen=True)
class Scenario:
    """One caller: when (seconds from the start), about what, how, and how patient."""

    at_s: float
    incident: str
    language: str
    channel: str
    patience_s: float
    handle_s: float
    drops: bool
    surge: int | None = None

    @property
    def text(self) -> str:
        """What the caller says (for the recording)."""
        family = SCRIPT_TEXT.get(self.incident.split(".")[0], SCRIPT_TEXT["medical"])
        return family.get(self.language, family["ru"])


@dataclass
class Mix:
    """The configurable parts of a day: volume, mix, patience, handle times, drops."""

    calls_per_hour: float = 120.0  # at the profile's peak (1.0)
    incidents: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_INCIDENTS))
    languages: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_LANGUAGES))
    channels: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_CHANNELS))
    patience_mean_s: float = 90.0  # exponential
    handle_mean_s: float = 120.0  # lognormal with this mean
    handle_sigma: float = 0.5
    drop_probability: float = 0.03
    profile: Sequence[float] = DAY_PROFILE


def rate_at(mix: Mix, hour_of_day: float) -> float:
    """Calls per hour at a time of day (hours, may exceed 24), linear between hour marks."""
    profile = mix.profile
    h = hour_of_day % 24.0
    low = int(h)
    frac = h - low
    level = profile[low] * (1 - frac) + profile[(low + 1) % 24] * frac
    return mix.calls_per_hour * level


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _scenario(rng: random.Random, mix: Mix, at_s: float, incident: str | None = None) -> Scenario:
    sigma = mix.handle_sigma
    mu = math.log(mix.handle_mean_s) - sigma * sigma / 2
    return Scenario(
        at_s=at_s,
        incident=incident or _pick(rng, mix.incidents),
        language=_pick(rng, mix.languages),
        channel=_pick(rng, mix.channels),
        patience_s=rng.expovariate(1.0 / mix.patience_mean_s),
        handle_s=rng.lognormvariate(mu, sigma),
        drops=rng.random() < mix.drop_probability,
    )


def arrivals(
    mix: Mix,
    *,
    start_hour: float,
    hours: float,
    seed: int,
    surges: Sequence[Surge] = (),
) -> list[Scenario]:
    """The day's callers in arrival order (seconds from the start), reproducible by ``seed``."""
    rng = random.Random(seed)  # noqa: S311 (a simulation, not secrets)
    peak = max(mix.calls_per_hour * max(mix.profile), 1e-9) / 3600.0
    horizon = hours * 3600.0
    out: list[Scenario] = []
    t = 0.0
    while True:
        t += rng.expovariate(peak)
        if t >= horizon:
            break
        if rng.random() * peak <= rate_at(mix, start_hour + t / 3600.0) / 3600.0:
            out.append(_scenario(rng, mix, t))
    for number, surge in enumerate(surges):
        for _ in range(surge.calls):
            at = surge.at_s + rng.uniform(0.0, surge.minutes * 60.0)
            if at < horizon:
                scenario = _scenario(rng, mix, at, surge.incident)
                out.append(
                    Scenario(**{**scenario.__dict__, "surge": number})  # same place, see day.py
                )
    out.sort(key=lambda s: s.at_s)
    return out


_TYPES = {"EMS": "medical.illness", "Fire": "fire.residential", "Traffic": "road.accident_injuries"}
_SF_TYPES = {
    "Medical Incident": "medical.illness",
    "Structure Fire": "fire.building",
    "Alarms": "fire.residential",
    "Traffic Collision": "road.accident_injuries",
    "Gas Leak (Natural and LP Gases)": "gas.smell_indoors",
}


def replay(path: Path, mix: Mix, *, hours: float, seed: int) -> list[Scenario]:
    """Arrival times (seconds after the file's first record) and incident mix from a real call
    log in ``../shared/data/calls/`` (Montgomery 911 ``timeStamp``/``title`` or SF fire
    ``AvailableDtTm``/``CallType``); languages, patience and handle times are drawn as usual."""
    rng = random.Random(seed)  # noqa: S311 (a simulation, not secrets)
    records: list[tuple[datetime, str]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row.get("timeStamp"):
                stamp = datetime.fromisoformat(row["timeStamp"])
                incident = _TYPES.get(row.get("title", "").split(":")[0], "medical.illness")
            elif row.get("AvailableDtTm"):
                stamp = datetime.strptime(row["AvailableDtTm"], "%m/%d/%Y %I:%M:%S %p")
                incident = _SF_TYPES.get(row.get("CallType", ""), "other.other")
            else:
                continue
            records.append((stamp, incident))
    records.sort()
    if not records:
        return []
    first = records[0][0]
    out = []
    for stamp, incident in records:
        at = (stamp - first).total_seconds()
        if at >= hours * 3600.0:
            break
        out.append(_scenario(rng, mix, at, incident if incident != "other.other" else None))
    return out
