"""Uzbekistan's public holidays (days off), left out of the call forecast's history.

Fixed days by the Labour Code (art. 132): New Year, Women's Day, Navruz, Remembrance Day,
Independence Day, Teachers' Day, Constitution Day. The two Hayits follow the lunar calendar
and are declared each year by the Muslim Board; the dates below are the declared ones
(2024, 2025) and the expected ones (2026, 2027). Days a supervisor marks as surges are kept in
the database (``analytics_surge_days``), not here.
"""

from __future__ import annotations

from datetime import date

FIXED: tuple[tuple[int, int, str], ...] = (
    (1, 1, "Yangi yil"),
    (3, 8, "Xalqaro xotin-qizlar kuni"),
    (3, 21, "Navro'z"),
    (5, 9, "Xotira va qadrlash kuni"),
    (9, 1, "Mustaqillik kuni"),
    (10, 1, "O'qituvchi va murabbiylar kuni"),
    (12, 8, "Konstitutsiya kuni"),
)
MOVABLE: dict[date, str] = {
    date(2024, 4, 10): "Ramazon hayiti",
    date(2024, 6, 16): "Qurbon hayiti",
    date(2025, 3, 30): "Ramazon hayiti",
    date(2025, 6, 6): "Qurbon hayiti",
    date(2026, 3, 20): "Ramazon hayiti",
    date(2026, 5, 27): "Qurbon hayiti",
    date(2027, 3, 10): "Ramazon hayiti",
    date(2027, 5, 16): "Qurbon hayiti",
}


def holiday(day: date) -> str | None:
    """The holiday's name on ``day``, or None."""
    for month, number, name in FIXED:
        if (day.month, day.day) == (month, number):
            return name
    return MOVABLE.get(day)
