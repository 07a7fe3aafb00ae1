"""Value rules of the call card, kept identical to the XSD facets (a test compares them)."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from cardschema.errors import CardDataError

# Each pattern is written in the common subset of XSD and Python regular expressions and is
# used with re.fullmatch, because XSD patterns are implicitly anchored at both ends.
CARD_NUMBER_PATTERN = r"112-[0-9]{8}-[0-9]{6}"
LANGUAGE_PATTERN = r"[a-z]{2,3}"
PHONE_PATTERN = r"\+?[0-9*#]{1,20}"
USER_ID_PATTERN = r"[^ \t\n\r]{1,64}"
CODE_PATTERN = r"[0-9A-Za-z][0-9A-Za-z_.:\-]{0,63}"
SERVICE_CODE_PATTERN = r"[0-9A-Za-z][0-9A-Za-z_.\-]{0,31}"
INCIDENT_TYPE_PATTERN = r"[a-z][a-z0-9_.]{1,63}"
HAZARD_PATTERN = r"[a-z][a-z0-9_]{0,63}"
FILE_NAME_PATTERN = r"[^/\\\t\n\r]{1,255}"
MEDIA_TYPE_PATTERN = r"[a-z][a-z0-9.+\-]{0,62}/[a-z0-9][a-z0-9.+\-]{0,62}"
SHA256_PATTERN = r"[0-9a-f]{64}"
UUID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Revision 1.3: the protocols walked on a card.
PROTOCOL_CODE_PATTERN = r"[a-z][a-z0-9_]{1,47}"
PROTOCOL_NODE_PATTERN = r"[a-z][a-z0-9_]{0,47}"
DETERMINANT_CODE_PATTERN = r"[A-Z]{2,8}-[0-9]{1,3}"
# Revision 1.4: the call-control record (a leg's id is a uuid.UUID, like every id on the card).
DIALLED_NUMBER_PATTERN = r"[+0-9*#]{1,32}"
TIMESTAMP_PATTERN = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+\-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)

SHORT_TEXT_MAX = 200
USER_ID_MAX = 64
TEXT_MAX = 1000
LONG_TEXT_MAX = 4000
POSITIONING_METHOD_MAX = 32
INT_MAX = 2**31 - 1  # xs:int
RADIUS_MAX_M = 20_000_000.0
MAX_CALLBACKS = 3
# Revision 1.2.
ADDRESS_PART_MAX = 32
PLATE_MAX = 20
FILE_NAME_MAX = 255
AGE_MAX = 130
BYTE_COUNT_MAX = 2**63 - 1  # xs:long
MAX_PERSONS = 50
MAX_VEHICLES = 20
MAX_ATTACHMENTS = 20
# Revision 1.3.
PROTOCOL_TEXT_MAX = 2000
OVERRIDE_REASON_MAX = 500
MAX_PROTOCOLS = 10
MAX_PROTOCOL_ANSWERS = 500
MAX_PROTOCOL_INSTRUCTIONS = 500
MAX_DETERMINANT_SERVICES = 16
# Revision 1.4.
CALL_CONTROL_REASON_MAX = 500
MAX_CALL_CONTROL_LEGS = 50
MAX_UTC_OFFSET = timedelta(hours=14)

# XML 1.0 cannot carry other characters, not even as character references.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)


def check_pattern(path: str, value: str, pattern: str, example: str) -> None:
    """Refuse ``value`` unless it matches ``pattern`` in full."""
    if re.fullmatch(pattern, value) is None:
        raise CardDataError(path, f"must match {pattern} (e.g. {example}), got {value!r}")


def check_optional_pattern(path: str, value: str | None, pattern: str, example: str) -> None:
    """Refuse ``value`` unless it is None or matches ``pattern`` in full."""
    if value is not None:
        check_pattern(path, value, pattern, example)


def check_text(path: str, value: str, max_length: int) -> None:
    """Refuse empty, over-long or non-XML text."""
    if not value:
        raise CardDataError(path, "must not be empty (leave it out when unknown)")
    if len(value) > max_length:
        raise CardDataError(path, f"must be at most {max_length} characters, got {len(value)}")
    bad = _NOT_XML_CHAR.search(value)
    if bad is not None:
        raise CardDataError(
            path, f"contains character U+{ord(bad.group()):04X}, which XML cannot carry"
        )


def check_optional_text(path: str, value: str | None, max_length: int) -> None:
    """Refuse ``value`` unless it is None or text that ``check_text`` accepts."""
    if value is not None:
        check_text(path, value, max_length)


def check_user(path: str, value: str) -> None:
    """Refuse a username that is empty, over-long or holds whitespace (``UserId``)."""
    check_text(path, value, USER_ID_MAX)
    check_pattern(path, value, USER_ID_PATTERN, "a.karimov")


def check_int(path: str, value: int, low: int, high: int = INT_MAX) -> None:
    """Refuse an integer outside low..high."""
    if not low <= value <= high:
        raise CardDataError(path, f"must be between {low} and {high}, got {value}")


def check_float(path: str, value: float, low: float, high: float) -> None:
    """Refuse a non-finite number or one outside low..high."""
    if not (math.isfinite(value) and low <= value <= high):
        raise CardDataError(
            path, f"must be between {_plain(low)} and {_plain(high)}, got {value!r}"
        )


def _plain(number: float) -> str:
    return format(number, "f").rstrip("0").rstrip(".")


def check_timestamp(path: str, value: datetime) -> None:
    """Refuse a naive datetime or an offset the XSD cannot express."""
    offset = value.utcoffset()
    if offset is None:
        raise CardDataError(
            path, "must be timezone-aware: give a UTC offset such as +05:00 (Asia/Tashkent)"
        )
    if offset % timedelta(minutes=1) or abs(offset) > MAX_UTC_OFFSET:
        raise CardDataError(path, f"UTC offset {offset} must be whole minutes, at most 14 hours")


def check_optional_timestamp(path: str, value: datetime | None) -> None:
    """Refuse ``value`` unless it is None or a timestamp that ``check_timestamp`` accepts."""
    if value is not None:
        check_timestamp(path, value)


def parse_timestamp(path: str, text: str) -> datetime:
    """Parse an XSD-style timestamp that must carry a UTC offset."""
    if _TIMESTAMP.fullmatch(text) is None:
        raise CardDataError(
            path,
            f"{text!r} is not a timestamp with a UTC offset (e.g. 2026-11-22T09:19:00+05:00)",
        )
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise CardDataError(path, f"{text!r} is not a real date and time: {exc}") from None
