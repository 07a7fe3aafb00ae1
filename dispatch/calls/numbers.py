"""Caller identities in one comparable form, for matching AML and text conversations to calls.

Pure functions, no I/O. Uzbekistan's numbers are ``+998`` and nine digits; gateways and phones
write them in several ways (``+998901234567``, ``998901234567``, ``00998901234567``,
``90 123-45-67``, the old trunk form ``8 90 1234567``), which all become ``+998901234567``.
Numbers of other countries keep their international form; anything else stays as typed.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s().\-/]")
UZ_PREFIX = "998"
UZ_NATIONAL_DIGITS = 9


def normalise_number(raw: str | None) -> str | None:
    """``raw`` as ``+<country><number>`` where that can be known; None when nothing is left."""
    if raw is None:
        return None
    compact = _SEPARATORS.sub("", raw)
    if not compact:
        return None
    international = compact.startswith("+")
    digits = compact[1:] if international else compact
    if not digits.isdigit():
        return compact  # service codes such as *112# are compared as typed
    if international:
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith(UZ_PREFIX) and len(digits) == len(UZ_PREFIX) + UZ_NATIONAL_DIGITS:
        return "+" + digits
    if len(digits) == UZ_NATIONAL_DIGITS:
        return "+" + UZ_PREFIX + digits
    if len(digits) == UZ_NATIONAL_DIGITS + 1 and digits.startswith("8"):
        return "+" + UZ_PREFIX + digits[1:]
    return digits


def imei_key(raw: str | None) -> str | None:
    """The 14 digits that identify a handset, alike for an IMEI (15) and an IMEISV (16)."""
    if raw is None:
        return None
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) < 14:
        return None
    return digits[:14]


def address_key(raw: str | None) -> str | None:
    """An e-mail address compared without case or surrounding space."""
    if raw is None or not raw.strip():
        return None
    return raw.strip().lower()
