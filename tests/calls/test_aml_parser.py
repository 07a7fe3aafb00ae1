"""The AML parser against every reference vector, and number matching keys.

Each vector with ``expect_valid`` true or false must come out that way with every expected
value; for the ``null`` ones the choice made (documented in ``dispatch/calls/aml.py``) is
pinned in ``UNDECIDED`` so it cannot change unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dispatch.calls import aml
from dispatch.calls.numbers import address_key, imei_key, normalise_number

# The vectors' own names for positioning methods, in this parser's vocabulary.
METHODS = {"W (WIFI_SIGNAL)": "wifi", "N (NO_LOCATION)": "none", "G": "gps", "gps": "gps"}
# Vectors whose validity is left open, and what this parser decided (and the field refused).
UNDECIDED = {"gridgears_no_header_lenient": (False, 'A"ML')}
# The attribute each refused vector must name.
REFUSED_FIELD = {
    "gridgears_invalid_message_length": "ml",
    "gridgears_unknown_attribute": "kl",
    "gridgears_incorrect_date_format": "top",
    "gridgears_unknown_positioning_method": "pm",
    "gridgears_invalid_latitude": "lt",
    "gridgears_invalid_level_of_confidence": "lc",
    "gridgears_invalid_attribute_pair": "a",
    "gridgears_empty_attributes": "attributes",
}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _started(parsed: aml.ParsedAml) -> datetime:
    return datetime.fromisoformat(parsed.extra["call_started_at"])


# How each expected key of the vectors reads on a parsed message.
CHECKS: dict[str, Callable[[aml.ParsedAml, Any], bool]] = {
    "version": lambda p, v: p.version == v,
    "latitude": lambda p, v: p.latitude == v,
    "longitude": lambda p, v: p.longitude == v,
    "radius_m": lambda p, v: p.radius_m == v,
    "accuracy_m": lambda p, v: p.radius_m == v,
    "time_of_positioning_utc": lambda p, v: p.positioned_at == (_utc(v) if v else None),
    "level_of_confidence": lambda p, v: p.confidence == v,
    "positioning_method": lambda p, v: p.method == (METHODS[v] if v else None),
    "imsi": lambda p, v: p.imsi == v,
    "imei": lambda p, v: p.imei == v,
    "mcc": lambda p, v: p.mcc == v,
    "mnc": lambda p, v: p.mnc == v,
    "message_length": lambda p, v: p.message_length == v == len(p.text),
    "is_validated": lambda p, v: v is True and p.message_length == len(p.text),
    "emergency_number": lambda p, v: p.extra["emergency_number"] == v,
    "beginning_of_call_epoch_s": lambda p, v: _started(p) == datetime.fromtimestamp(v, UTC),
    "network_mcc_mnc": lambda p, v: f"{p.mcc}{p.mnc}" == v,
    "home_mcc_mnc": lambda p, v: p.extra["home_mcc"] + p.extra["home_mnc"] == v,
    "languages": lambda p, v: p.extra["languages"] == v,
    "altitude_m": lambda p, v: p.extra["altitude_m"] == v,
    "vertical_accuracy_m": lambda p, v: p.extra["vertical_accuracy_m"] == v,
    "time_of_positioning_offset_s": lambda p, v: (
        p.positioned_at == _started(p) + timedelta(seconds=v)
    ),
    "location_time_ms": lambda p, v: (
        p.positioned_at == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=v)
    ),
    "decoded_text": lambda p, v: p.text == v,
    "hmac_sha1_key": lambda p, v: p.authenticated is True,
    "is_authenticated": lambda p, v: p.authenticated is v,
}


def parse_vector(vector: dict[str, Any]) -> aml.ParsedAml:
    """Parse a vector the way its gateway would post it."""
    message: str = vector["message"]
    if vector["kind"] == "https_form_urlencoded":
        key = vector.get("expect", {}).get("hmac_sha1_key")
        return aml.parse_https(message, hmac_key=key.encode() if key else None)
    return aml.parse_sms_body(message.encode())


def test_every_vector_comes_out_as_expected(aml_vectors: list[dict[str, Any]]) -> None:
    assert len(aml_vectors) == 20
    for vector in aml_vectors:
        name, expected = vector["name"], vector["expect_valid"]
        field: str | None
        if expected is None:
            assert name in UNDECIDED, f"decide and document vector {name}"
            expected, field = UNDECIDED[name]
        else:
            field = REFUSED_FIELD.get(name)
        if not expected:
            with pytest.raises(aml.AmlError) as refused:
                parse_vector(vector)
            assert refused.value.field == field, (name, refused.value)
            assert str(refused.value).startswith(f"{field}: ")
            continue
        parsed = parse_vector(vector)
        for key, value in vector.get("expect", {}).items():
            assert key in CHECKS, f"no check for expected key {key} of {name}"
            assert CHECKS[key](parsed, value), (name, key, value, parsed)


def test_no_location_is_valid_but_proposes_no_position(aml_vectors: list[dict[str, Any]]) -> None:
    by_name = {vector["name"]: vector for vector in aml_vectors}
    assert not parse_vector(by_name["gridgears_valid_no_location"]).has_position
    assert not parse_vector(by_name["gridgears_no_latitude"]).has_position
    assert parse_vector(by_name["gridgears_valid_wifi"]).has_position


def test_the_data_sms_also_arrives_as_raw_bytes(aml_vectors: list[dict[str, Any]]) -> None:
    (vector,) = [v for v in aml_vectors if v["kind"] == "sms_data_hex_gsm7_packed"]
    parsed = aml.parse_sms_body(bytes.fromhex(vector["message"]), binary=True)
    assert parsed.text == vector["expect"]["decoded_text"]


def test_the_sample_files_agree_with_the_vectors(shared_data: Any) -> None:
    folder = shared_data / "aml"
    for line in (folder / "aml_sms_samples.txt").read_text("utf-8").splitlines():
        if line.strip():
            aml.parse_sms(line.strip())
    for line in (folder / "aml_sms_invalid_samples.txt").read_text("utf-8").splitlines():
        if line.strip():
            with pytest.raises(aml.AmlError):
                aml.parse_sms(line.strip())
    for line in (folder / "aml_https_samples.txt").read_text("utf-8").splitlines():
        if line.strip():
            assert aml.parse_https(line.strip()).has_position


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "body"),
        ('A"ML=3;lt=1', 'A"ML'),
        ('A"ML=1;lt=91;lg=0', "lt"),
        ('A"ML=1;lt=1;lt=2', "lt"),
        ('A"ML=1;lg=-181', "lg"),
        ('A"ML=1;rd=-5', "rd"),
        ('A"ML=1;top=20131317141935', "top"),
        ('A"ML=1;lc=101', "lc"),
        ('A"ML=1;ei=12345', "ei"),
        ('A"ML=1;mcc=23', "mcc"),
        ('A"ML=1;lt=1\x00', "body"),
        ('A"ML=2;lo=1,2', "lo"),
        ('A"ML=2;lo=1,2,-3', "lo"),
        ('A"ML=2;ls=Q', "ls"),
        ('A"ML=2;lz=1', "lz"),
        ('A"ML=2;nc=31', "nc"),
    ],
)
def test_broken_sms_names_the_attribute(text: str, field: str) -> None:
    with pytest.raises(aml.AmlError) as refused:
        aml.parse_sms_body(text.encode())
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("form", "key", "field"),
    [
        ("device_number=%2B998901234567", None, "v"),
        ("v=1&location_latitude=41.3", None, "location_longitude"),
        ("v=1&location_latitude=41.3&location_longitude=x", None, "location_longitude"),
        ("v=1&location_time=soon", None, "location_time"),
        ("v=1&location_certainty=120", None, "location_certainty"),
        ("v=1&location_confidence=7", None, "location_confidence"),
        ("v=1&device_imei=abc", None, "device_imei"),
        ("v=1&v=1", None, "v"),
        ("v=1&&x", None, "body"),
        ("v=1&location_accuracy=-1", None, "location_accuracy"),
        ("v=1&device_model=%00", None, "device_model"),
        ("v=1", b"AML", "hmac"),
        ("v=1&hmac=abc", b"AML", "hmac"),
        ("v=1&hmac=" + "0" * 40, b"AML", "hmac"),
    ],
)
def test_broken_https_names_the_field(form: str, key: bytes | None, field: str) -> None:
    with pytest.raises(aml.AmlError) as refused:
        aml.parse_https(form, hmac_key=key)
    assert refused.value.field == field


def test_hmac_sha256_and_position_of_the_hmac_field() -> None:
    import hashlib
    import hmac

    body = "v=1&device_number=%2B998901234567&location_latitude=41.3&location_longitude=69.2"
    signature = hmac.new(b"k", body.encode(), hashlib.sha256).hexdigest()
    assert aml.parse_https(f"hmac={signature}&{body}", hmac_key=b"k").authenticated is True
    assert aml.parse_https(body).authenticated is None  # no key configured: not checked


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("+998901234567", "+998901234567"),
        ("998901234567", "+998901234567"),
        ("00998901234567", "+998901234567"),
        ("901234567", "+998901234567"),
        ("90 123-45-67", "+998901234567"),
        ("8 (90) 123 45 67", "+998901234567"),
        ("+7 916 123 45 67", "+79161234567"),
        ("112", "112"),
        ("*112#", "*112#"),
        ("", None),
        (None, None),
    ],
)
def test_numbers_are_compared_in_one_form(raw: str | None, key: str | None) -> None:
    assert normalise_number(raw) == key


def test_imei_and_address_keys() -> None:
    assert imei_key("353472104343540") == imei_key("3534721043435401") == "35347210434354"
    assert imei_key("1234") is None
    assert imei_key(None) is None
    assert address_key("  Nodira@Example.UZ ") == "nodira@example.uz"
    assert address_key(" ") is None
