"""Advanced Mobile Location (AML) messages: parsing and checking only, no I/O.

A phone calling 112 sends its position beside the call, as an SMS (text, or a binary "data"
SMS in GSM 7-bit packing) or as an HTTPS form post. Three shapes are read:

- SMS version 1 (ETSI TS 103 625 / EENA): ``A"ML=1;lt=..;lg=..;rd=..;top=..;lc=..;pm=..;
  si=..;ei=..;mcc=..;mnc=..;ml=..``. Strict: the header first, every attribute a ``key=value``
  pair, no unknown or repeated key, ``ml`` equal to the message's length when present.
- SMS version 2 (Android ELS "beta"): ``A"ML=2;en=..;et=..;lo=lat,lon,acc;lt=..;lc=..;
  lz=alt,vacc;ls=..;ei=..;nc=..;hc=..;lg=..``. Lenient about keys it does not know (the format
  is experimental); ``lt`` is the time of positioning in seconds relative to ``et``.
- HTTPS (EENA/ELS form, ``application/x-www-form-urlencoded``): ``v``, ``device_number``,
  ``location_latitude``, ... Unknown fields are ignored, empty ones count as absent. When a key
  is configured, ``hmac`` (hex HMAC-SHA1, or SHA-256 by its length) over the body without the
  ``hmac`` pair must match.

Every refusal is an :class:`AmlError` naming the attribute at fault (``lt``, ``hmac``, ...).
A message saying "no location" (``pm=N``, or no latitude/longitude) is valid but has no
position (:attr:`ParsedAml.has_position`); the server then proposes no location.

Positioning methods become one vocabulary: ``gps`` (G, GNSS), ``wifi`` (W), ``cell`` (C),
``fused`` (F), ``unknown`` (U), ``none`` (N).

The reference vectors (``shared/data/aml/aml_test_vectors.json``), checked one by one in
``tests/calls/test_aml_parser.py``, come out as expected:

- valid: ``gridgears_valid_wifi`` (wifi), ``gridgears_valid_no_location`` (lat/lon 0.0 as sent,
  method none, rd=N: radius null, so no position), ``gridgears_no_latitude`` (no position),
  ``gridgears_no_positioning_method``, ``gridgears_no_imsi``, ``gridgears_no_time_of_positioning``
  (those fields null), ``amllib_v1_text_gnss`` (unsigned latitude), ``amllib_v2_text_android_els``
  (version 2), ``amllib_v1_data_sms_7bit_packed`` (hex of the packed data SMS),
  ``amllib_https_v1_form``, ``amllib_https_hmac`` (authenticated with the key "AML");
- refused, naming: ``ml`` (wrong length), ``kl`` (unknown attribute), ``top`` (date only),
  ``pm`` (Z), ``lt`` (not a number), ``lc`` (99.9: not a whole percent), ``a`` (``a==``),
  ``attributes`` (empty ones);
- ``gridgears_no_header_lenient`` (either way allowed) is **refused**, naming ``A"ML``: without
  the header nothing says the text is AML, nor which version; strict like GridGears' default.
"""

from __future__ import annotations

import hashlib
import hmac as hmaclib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from dispatch.calls.gsm7 import decode_gsm7

HEADER = 'A"ML'
MAX_MESSAGE_CHARS = 4_000

METHOD_CODES = {"G": "gps", "W": "wifi", "C": "cell", "F": "fused", "U": "unknown", "N": "none"}
HTTPS_SOURCES = {"gps": "gps", "gnss": "gps", "wifi": "wifi", "cell": "cell", "fused": "fused"}
V1_KEYS = frozenset({HEADER, "lt", "lg", "rd", "top", "lc", "pm", "si", "ei", "mcc", "mnc", "ml"})
V2_KEYS = frozenset({HEADER, "en", "et", "lo", "lt", "lc", "lz", "ls", "ei", "nc", "hc", "lg"})
YEAR_2100 = 4_102_444_800
# HTTPS fields kept as they came ("extra"), beside the ones read into ParsedAml.
HTTPS_EXTRA = re.compile(r"emergency_number|source|location_(altitude|floor|vertical_accuracy)")
HTTPS_DEVICE = re.compile(r"device_(model|os|languages)|cell_(home_mcc|home_mnc|id)")

_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})+$")


class AmlError(ValueError):
    """The message is refused; ``field`` is the attribute at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


@dataclass(frozen=True)
class ParsedAml:
    """What an AML message says, in one shape whatever its transport and version."""

    transport: str
    version: int | None
    latitude: float | None = None
    longitude: float | None = None
    radius_m: float | None = None
    positioned_at: datetime | None = None
    confidence: int | None = None
    method: str | None = None
    imsi: str | None = None
    imei: str | None = None
    mcc: str | None = None
    mnc: str | None = None
    number: str | None = None
    message_length: int | None = None
    authenticated: bool | None = None
    text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_position(self) -> bool:
        """True when the message carries a usable position (not "no location")."""
        return self.latitude is not None and self.longitude is not None and self.method != "none"


# --- SMS -------------------------------------------------------------------------------------


def parse_sms_body(body: bytes, *, binary: bool = False) -> ParsedAml:
    """An SMS as the gateway posts it: text, hex of a data SMS, or (``binary``) its raw bytes."""
    if binary:
        return parse_sms(_unpack(body))
    try:
        text = body.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise AmlError("body", "the SMS text is not UTF-8") from exc
    if not text.startswith(HEADER) and _HEX.match(text):
        return parse_sms(_unpack(bytes.fromhex(text)))
    return parse_sms(text)


def _unpack(data: bytes) -> str:
    if not data:
        raise AmlError("body", "the data SMS is empty")
    return decode_gsm7(data)


def parse_sms(text: str) -> ParsedAml:
    """A text AML SMS (version 1 or 2)."""
    if not text:
        raise AmlError("body", "the message is empty")
    if len(text) > MAX_MESSAGE_CHARS:
        raise AmlError("body", f"the message is over {MAX_MESSAGE_CHARS} characters")
    if "\x00" in text:
        raise AmlError("body", "the message contains a NUL character")
    pairs = _pairs(text)
    if pairs[0][0] != HEADER:
        raise AmlError(HEADER, 'the message must start with the header A"ML=<version>')
    version = pairs[0][1]
    if version == "1":
        return _sms_v1(text, dict(pairs))
    if version == "2":
        return _sms_v2(text, dict(pairs))
    raise AmlError(HEADER, f"version {version!r} is not known (1 and 2 are)")


def _pairs(text: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for position, part in enumerate(text.split(";"), start=1):
        if not part.strip():
            raise AmlError("attributes", f"attribute {position} is empty")
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value or "=" in value:
            raise AmlError(key or "attributes", f"{part!r} is not a key=value pair")
        if key in seen:
            raise AmlError(key, "appears twice")
        seen.add(key)
        pairs.append((key, value))
    return pairs


def _sms_v1(text: str, values: dict[str, str]) -> ParsedAml:
    unknown = [key for key in values if key not in V1_KEYS]
    if unknown:
        raise AmlError(unknown[0], "is not an attribute of AML version 1")
    length = _whole(values, "ml", "message length", 0, 10_000)
    if length is not None and length != len(text):
        raise AmlError("ml", f"says the message is {length} characters; it is {len(text)}")
    code = values.get("pm")
    if code is not None and code.upper() not in METHOD_CODES:
        raise AmlError("pm", f"positioning method {code!r} is not one of G, W, C, F, U, N")
    radius = None if values.get("rd", "").upper() == "N" else _decimal(values, "rd", "radius")
    if radius is not None and radius < 0:
        raise AmlError("rd", "the radius cannot be negative")
    return ParsedAml(
        transport="sms",
        version=1,
        latitude=_coordinate(values, "lt", "latitude", 90),
        longitude=_coordinate(values, "lg", "longitude", 180),
        radius_m=radius,
        positioned_at=_top(values.get("top")),
        confidence=_whole(values, "lc", "level of confidence", 0, 100),
        method=METHOD_CODES[code.upper()] if code else None,
        imsi=_digits(values, "si", "IMSI", 5, 15),
        imei=_digits(values, "ei", "IMEI", 14, 16),
        mcc=_digits(values, "mcc", "mobile country code", 3, 3),
        mnc=_digits(values, "mnc", "mobile network code", 2, 3),
        message_length=length,
        text=text,
    )


def _sms_v2(text: str, values: dict[str, str]) -> ParsedAml:
    lat = lon = radius = None
    if "lo" in values:
        parts = [p.strip() for p in values["lo"].split(",")]
        if len(parts) != 3:
            raise AmlError("lo", "must be latitude,longitude,accuracy")
        lat = _coordinate({"lo": parts[0]}, "lo", "latitude", 90)
        lon = _coordinate({"lo": parts[1]}, "lo", "longitude", 180)
        radius = _decimal({"lo": parts[2]}, "lo", "accuracy")
        if radius is not None and radius < 0:
            raise AmlError("lo", "the accuracy cannot be negative")
        radius = radius or None  # an accuracy of 0 means unknown
    code = values.get("ls")
    if code is not None and code.upper() not in METHOD_CODES:
        raise AmlError("ls", f"positioning source {code!r} is not one of G, W, C, F, U, N")
    started = _whole(values, "et", "time of the call", 0, YEAR_2100)
    offset = _whole(values, "lt", "time of positioning", -YEAR_2100, YEAR_2100)
    extra: dict[str, Any] = {}
    if started is not None:
        extra["call_started_at"] = datetime.fromtimestamp(started, UTC).isoformat()
    if "lz" in values:
        heights = [p.strip() for p in values["lz"].split(",")]
        if len(heights) != 2:
            raise AmlError("lz", "must be altitude,vertical accuracy")
        extra["altitude_m"] = _decimal({"lz": heights[0]}, "lz", "altitude")
        extra["vertical_accuracy_m"] = _decimal({"lz": heights[1]}, "lz", "vertical accuracy")
    network = _digits(values, "nc", "network MCC+MNC", 5, 6)
    home = _digits(values, "hc", "home MCC+MNC", 5, 6)
    if home:
        extra["home_mcc"], extra["home_mnc"] = home[:3], home[3:]
    for key, name in (("en", "emergency_number"), ("lg", "languages")):
        if key in values:
            extra[name] = values[key]
    ignored = sorted(values.keys() - V2_KEYS)
    if ignored:
        extra["ignored"] = ignored
    return ParsedAml(
        transport="sms",
        version=2,
        latitude=lat,
        longitude=lon,
        radius_m=radius,
        positioned_at=(
            datetime.fromtimestamp(started + offset, UTC)
            if started is not None and offset is not None
            else None
        ),
        confidence=_whole(values, "lc", "level of confidence", 0, 100),
        method=METHOD_CODES[code.upper()] if code else None,
        imei=_digits(values, "ei", "IMEI", 14, 16),
        mcc=network[:3] if network else None,
        mnc=network[3:] if network else None,
        text=text,
        extra=extra,
    )


# --- HTTPS -----------------------------------------------------------------------------------


def parse_https(body: str, *, hmac_key: bytes | None = None) -> ParsedAml:
    """An HTTPS AML form; with ``hmac_key`` its ``hmac`` must match (``authenticated``)."""
    if len(body) > MAX_MESSAGE_CHARS:
        raise AmlError("body", f"the form is over {MAX_MESSAGE_CHARS} characters")
    try:
        pairs = parse_qsl(body, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise AmlError("body", "is not an application/x-www-form-urlencoded form") from exc
    values: dict[str, str] = {}
    for key, value in pairs:
        if "\x00" in key or "\x00" in value:
            raise AmlError(key.replace("\x00", "") or "body", "contains a NUL character")
        if key in values:
            raise AmlError(key, "appears twice")
        if value.strip():
            values[key] = value.strip()
    authenticated = None
    if hmac_key is not None:
        _check_hmac(body, values.get("hmac"), hmac_key)
        authenticated = True
    version = _whole(values, "v", "version", 1, 99)
    if version is None:
        raise AmlError("v", "the version is missing")
    lat = _coordinate(values, "location_latitude", "latitude", 90)
    lon = _coordinate(values, "location_longitude", "longitude", 180)
    if (lat is None) != (lon is None):
        missing = "location_longitude" if lon is None else "location_latitude"
        raise AmlError(missing, "a position needs both latitude and longitude")
    radius = _decimal(values, "location_accuracy", "accuracy")
    if radius is not None and radius < 0:
        raise AmlError("location_accuracy", "the accuracy cannot be negative")
    millis = _whole(values, "location_time", "time of positioning (ms)", 0, YEAR_2100 * 1000)
    source = values.get("location_source")
    confidence = _whole(values, "location_certainty", "certainty", 0, 100)
    if confidence is None and "location_confidence" in values:
        fraction = _decimal(values, "location_confidence", "confidence")
        if fraction is None or not 0 <= fraction <= 1:
            raise AmlError("location_confidence", "must be between 0 and 1")
        confidence = round(fraction * 100)
    extra: dict[str, Any] = {
        name: value
        for name, value in values.items()
        if HTTPS_EXTRA.fullmatch(name) or HTTPS_DEVICE.fullmatch(name)
    }
    network = values.get("cell_network_mcc") is not None
    return ParsedAml(
        transport="https",
        version=version,
        latitude=lat,
        longitude=lon,
        radius_m=radius or None,
        positioned_at=(
            datetime.fromtimestamp(0, UTC) + timedelta(milliseconds=millis)
            if millis is not None
            else None
        ),
        confidence=confidence,
        method=HTTPS_SOURCES.get(source.lower(), "unknown") if source else None,
        imsi=_digits(values, "device_imsi", "IMSI", 5, 15),
        imei=_digits(values, "device_imei", "IMEI", 14, 16),
        mcc=_digits(values, "cell_network_mcc" if network else "cell_home_mcc", "MCC", 3, 3),
        mnc=_digits(values, "cell_network_mnc" if network else "cell_home_mnc", "MNC", 2, 3),
        number=values.get("device_number"),
        authenticated=authenticated,
        text=body,
        extra=extra,
    )


def _check_hmac(body: str, given: str | None, key: bytes) -> None:
    if given is None:
        raise AmlError("hmac", "missing; this centre requires signed AML messages")
    signed = "&".join(part for part in body.split("&") if not part.startswith("hmac="))
    algorithm = {40: hashlib.sha1, 64: hashlib.sha256}.get(len(given))
    if algorithm is None:
        raise AmlError("hmac", "must be the hex HMAC-SHA1 (40) or HMAC-SHA256 (64 characters)")
    expected = hmaclib.new(key, signed.encode(), algorithm).hexdigest()
    if not hmaclib.compare_digest(expected, given.lower()):
        raise AmlError("hmac", "does not match the message; it was changed or signed otherwise")


# --- field readers ---------------------------------------------------------------------------


def _decimal(values: dict[str, str], key: str, name: str) -> float | None:
    raw = values.get(key)
    if raw is None:
        return None
    if not _NUMBER.match(raw):
        raise AmlError(key, f"{name} {raw!r} is not a number")
    return float(raw)


def _coordinate(values: dict[str, str], key: str, name: str, limit: int) -> float | None:
    number = _decimal(values, key, name)
    if number is not None and not -limit <= number <= limit:
        raise AmlError(key, f"{name} {number} is outside -{limit}..{limit}")
    return number


def _whole(values: dict[str, str], key: str, name: str, low: int, high: int) -> int | None:
    raw = values.get(key)
    if raw is None:
        return None
    if not re.fullmatch(r"[+-]?\d+", raw):
        raise AmlError(key, f"{name} {raw!r} is not a whole number")
    number = int(raw)
    if not low <= number <= high:
        raise AmlError(key, f"{name} {number} is outside {low}..{high}")
    return number


def _digits(values: dict[str, str], key: str, name: str, low: int, high: int) -> str | None:
    raw = values.get(key)
    if raw is None:
        return None
    if not raw.isdigit() or not low <= len(raw) <= high:
        size = f"{low}" if low == high else f"{low} to {high}"
        raise AmlError(key, f"{name} {raw!r} must be {size} digits")
    return raw


def _top(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    if not re.fullmatch(r"\d{14}", raw):
        raise AmlError("top", f"time of positioning {raw!r} must be YYYYMMDDhhmmss (UTC)")
    try:
        return datetime.strptime(raw, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError as exc:
        raise AmlError("top", f"time of positioning {raw!r} is not a real date") from exc
