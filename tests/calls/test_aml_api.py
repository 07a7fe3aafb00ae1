"""AML through the API: every vector, matching before and after the call, HMAC, refusals."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.calls.models import AmlMessage, AmlRefused
from dispatch.calls.service import latest_aml_for_call
from dispatch.core.database import session_factory
from dispatch.core.settings import Settings
from tests.calls.conftest import GATEWAY, events, get_call, new_call, published
from tests.calls.test_aml_parser import UNDECIDED
from tests.fixtures.api import Api, running_api
from tests.fixtures.databases import fingerprint

pytestmark = pytest.mark.asyncio

FORM = {"Content-Type": "application/x-www-form-urlencoded", **GATEWAY}
TEXT = {"Content-Type": "text/plain", **GATEWAY}


def sms_v1(lat: str = "+41.31112", lon: str = "+69.27975", **extra: str) -> str:
    """A valid AML v1 SMS in Tashkent positioned now, with its ``ml`` (total length)."""
    top = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    fields = {"lt": lat, "lg": lon, "rd": "12", "top": top, "lc": "68", "pm": "G", **extra}
    prefix = 'A"ML=1;' + ";".join(f"{k}={v}" for k, v in fields.items()) + ";ml="
    (length,) = [n for n in range(len(prefix), len(prefix) + 5) if n == len(prefix) + len(str(n))]
    return f"{prefix}{length}"


def form(number: str = "%2B998901234567", **extra: str) -> str:
    """An HTTPS AML form for ``number`` positioned now."""
    millis = int(datetime.now(UTC).timestamp() * 1000)
    fields = {
        "v": "1",
        "device_number": number,
        "location_latitude": "39.65420",
        "location_longitude": "66.95970",
        "location_time": str(millis),
        "location_accuracy": "8.5",
        "location_source": "GPS",
        "location_certainty": "83",
        "device_imei": "354773072099116",
        **extra,
    }
    return "&".join(f"{k}={v}" for k, v in fields.items())


async def post_sms(api: Api, text: str, sender: str | None = None) -> Any:
    params = {"sender": sender} if sender else None
    return await api.post("/api/v1/aml/sms", content=text.encode(), headers=TEXT, params=params)


async def test_every_vector_through_the_api(
    api: Api, engine: AsyncEngine, aml_vectors: list[dict[str, Any]]
) -> None:
    refused = 0
    for vector in aml_vectors:
        valid = vector["expect_valid"]
        if valid is None:
            valid = UNDECIDED[vector["name"]][0]
        if vector["kind"] == "https_form_urlencoded":
            response = await api.post(
                "/api/v1/aml/https", content=vector["message"].encode(), headers=FORM
            )
        else:
            response = await post_sms(api, vector["message"])
        if valid:
            assert response.status_code == 201, (vector["name"], response.text)
            body = response.json()
            assert body["call_id"] is None  # no call of that number exists
            assert set(body) >= {
                "call_id", "lat", "lon", "radius_m", "positioned_at", "confidence",
                "method", "imsi", "imei", "mcc", "mnc",
            }  # fmt: skip
            expect = vector.get("expect", {})
            if "latitude" in expect and body["has_position"]:
                assert body["lat"] == expect["latitude"]
        else:
            refused += 1
            assert response.status_code == 422, (vector["name"], response.text)
            body = response.json()
            assert body["code"] == "aml_refused"
            assert body["detail"].startswith(f"the AML message was refused: {body['field']}: ")
    async with engine.connect() as connection:
        kept = await connection.scalar(select(func.count()).select_from(AmlRefused))
        accepted = await connection.scalar(select(func.count()).select_from(AmlMessage))
    assert kept == refused == 9
    assert accepted == len(aml_vectors) - refused


async def test_aml_after_the_call_is_proposed_on_the_call(api: Api) -> None:
    bus, subscription = published(api, "call.location_proposed")
    call = await new_call(
        api, caller_number="+998901234567", location={"lat": 41.0, "lon": 69.0, "radius_m": 900}
    )
    aml = await post_sms(api, sms_v1(), sender="998 90 123 45 67")
    assert aml.status_code == 201, aml.text
    assert aml.json()["call_id"] == call["id"]
    shown = await get_call(api, call["id"])
    assert shown["location"] == {"lat": 41.0, "lon": 69.0, "radius_m": 900, "source": "network"}
    proposal = shown["aml"]
    assert proposal["lat"] == 41.31112
    assert proposal["lon"] == 69.27975
    assert proposal["radius_m"] == 12
    assert proposal["method"] == "gps"
    assert 0 <= proposal["age_seconds"] < 120
    (event,) = events(subscription)
    bus.unsubscribe(subscription)
    assert event.payload["call_id"] == call["id"]
    assert event.payload["lat"] == 41.31112


async def test_aml_before_the_call_waits_and_attaches(api: Api, engine: AsyncEngine) -> None:
    aml = await api.post("/api/v1/aml/https", content=form().encode(), headers=FORM)
    assert aml.status_code == 201, aml.text
    assert aml.json()["call_id"] is None
    assert aml.json()["method"] == "gps"
    assert aml.json()["imei"] == "354773072099116"
    other = await new_call(api, caller_number="+998909999999")
    assert other["aml"] is None
    call = await new_call(api, caller_number="901234567")
    assert call["aml"]["aml_id"] == aml.json()["id"]
    assert call["aml"]["lat"] == 39.6542
    # a later AML of the same phone (matched by IMEI even from another number) is the latest
    newer = await api.post(
        "/api/v1/aml/https",
        content=form(number="", location_latitude="39.65500").encode(),
        headers=FORM,
    )
    assert newer.json()["call_id"] == call["id"]
    assert (await get_call(api, call["id"]))["aml"]["lat"] == 39.655
    async with session_factory(engine)() as session:
        latest = await latest_aml_for_call(session, uuid.UUID(call["id"]))
        assert latest is not None
        assert latest.lat == 39.655
        assert await latest_aml_for_call(session, uuid.UUID(other["id"])) is None


async def test_aml_matches_a_withheld_number_by_imei(api: Api) -> None:
    call = await new_call(api, caller_number=None, imei="354773072099116")
    aml = await api.post("/api/v1/aml/https", content=form().encode(), headers=FORM)
    assert aml.json()["call_id"] == call["id"]
    assert (await get_call(api, call["id"]))["aml"]["aml_id"] == aml.json()["id"]


async def test_an_old_aml_is_not_attached_to_a_new_call(api: Api, engine: AsyncEngine) -> None:
    aml = await api.post("/api/v1/aml/https", content=form().encode(), headers=FORM)
    async with engine.begin() as connection:
        await connection.execute(
            update(AmlMessage)
            .where(AmlMessage.id == uuid.UUID(aml.json()["id"]))
            .values(received_at=datetime.now(UTC) - timedelta(minutes=11))
        )
    call = await new_call(api, caller_number="+998901234567")
    assert call["aml"] is None


async def test_no_location_aml_is_kept_but_proposes_nothing(api: Api) -> None:
    call = await new_call(api, caller_number="+998901234567")
    text = 'A"ML=1;lt=+00.00000;lg=+000.00000;rd=N;top=20130717141935;lc=90;pm=N;ml=74'
    assert len(text) == 74
    response = await post_sms(api, text, sender="+998901234567")
    assert response.status_code == 201, response.text
    assert response.json()["has_position"] is False
    assert response.json()["lat"] is None
    assert response.json()["method"] == "none"
    assert (await get_call(api, call["id"]))["aml"]["lat"] is None


async def test_hmac_is_checked_when_a_key_is_configured(
    settings: Settings, engine: AsyncEngine, aml_vectors: list[dict[str, Any]]
) -> None:
    (signed,) = [v for v in aml_vectors if v["name"] == "amllib_https_hmac"]
    keyed = settings.model_copy(update={"aml_hmac_key": SecretStr("AML")})
    async with running_api(keyed) as api:
        good = await api.post("/api/v1/aml/https", content=signed["message"].encode(), headers=FORM)
        assert good.status_code == 201, good.text
        assert good.json()["authenticated"] is True
        tampered = signed["message"].replace("0.85732", "0.85733")
        bad = await api.post("/api/v1/aml/https", content=tampered.encode(), headers=FORM)
        assert bad.status_code == 422
        assert bad.json()["field"] == "hmac"
        assert "hmac" in bad.json()["detail"]
        unsigned = await api.post("/api/v1/aml/https", content=form().encode(), headers=FORM)
        assert unsigned.status_code == 422
        assert "hmac: missing" in unsigned.json()["detail"]
    wrong_key = settings.model_copy(update={"aml_hmac_key": SecretStr("not-the-key")})
    async with running_api(wrong_key) as api:
        refused = await api.post(
            "/api/v1/aml/https", content=signed["message"].encode(), headers=FORM
        )
        assert refused.status_code == 422
        listed = await api.get("/api/v1/aml/refused", user="supervisor1")
    assert listed.json()["total"] == 3
    assert [item["field"] for item in listed.json()["items"]] == ["hmac", "hmac", "hmac"]
    assert listed.json()["items"][0]["body"] == signed["message"]


async def test_refused_aml_is_kept_and_nothing_else_changes(api: Api, engine: AsyncEngine) -> None:
    await new_call(api, caller_number="+998901234567")
    before = await fingerprint(engine)
    broken = 'A"ML=1;lt=+g4.7d397;lg=-0.18305;rd=50;pm=W'
    response = await post_sms(api, broken, sender="+998901234567")
    assert response.status_code == 422
    assert response.json()["field"] == "lt"
    assert "lt: latitude '+g4.7d397' is not a number" in response.json()["detail"]
    after = await fingerprint(engine)
    assert {name for name in after if after[name] != before[name]} == {"aml_refused"}
    listed = await api.get("/api/v1/aml/refused", user="admin")
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert item["id"] == response.json()["refused_id"]
    assert item["body"] == broken
    assert item["sender"] == "+998901234567"
    assert item["transport"] == "sms"
    assert item["received_by"] == "gateway1"
    assert "not a number" in item["reason"]
    binary = await api.post(
        "/api/v1/aml/sms",
        content=b"\xff\xfe",
        headers={"Content-Type": "application/octet-stream", **GATEWAY},
    )
    assert binary.status_code == 422
    assert (await api.get("/api/v1/aml/refused", user="admin")).json()["items"][0]["body"] == "fffe"


async def test_transport_errors_are_refused_without_storing(api: Api, engine: AsyncEngine) -> None:
    before = await fingerprint(engine)
    wrong_type = await api.post("/api/v1/aml/sms", json={"text": "x"}, headers=GATEWAY)
    assert wrong_type.status_code == 415
    assert "text/plain" in wrong_type.json()["detail"]
    wrong_form = await api.post("/api/v1/aml/https", content=b"v=1", headers=TEXT)
    assert wrong_form.status_code == 415
    too_big = await post_sms(api, 'A"ML=1;' + "x" * 9000)
    assert too_big.status_code == 413
    bad_sender = await post_sms(api, sms_v1(), sender="somebody")
    assert bad_sender.status_code == 422
    assert "sender" in bad_sender.json()["detail"]
    assert await fingerprint(engine) == before
