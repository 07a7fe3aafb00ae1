"""Files on cards: an operator adds one (multipart), a caller's MMS files reach the call's card
whether the card exists already or is opened later; the card carries references, not files."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import cardschema
from dispatch.core.settings import Settings
from tests.attachments import files
from tests.attachments.conftest import audited, mms, stored
from tests.feeds.conftest import routed_card, service_key
from tests.fixtures.api import Api, running_api
from tests.fixtures.waiting import eventually

SAMARQAND = {"lat": 39.6542, "lon": 66.9597, "address": "Registon ko‘chasi 1"}
pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


async def new_card(api: Api, user: str = "operator1", **fields: Any) -> dict[str, Any]:
    response = await api.post("/api/v1/cards", user=user, json=fields)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def card(api: Api, card_id: str, user: str = "operator1") -> dict[str, Any]:
    response = await api.get(f"/api/v1/cards/{card_id}", user=user)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def upload(
    api: Api,
    card_id: str,
    content: bytes,
    media_type: str,
    name: str = "scene.png",
    user: str = "operator1",
) -> Any:
    return await api.post(
        f"/api/v1/cards/{card_id}/attachments",
        user=user,
        files={"file": (name, content, media_type)},
    )


async def test_an_operator_adds_a_photo_and_the_card_references_it(
    api: Api, engine: AsyncEngine
) -> None:
    opened = await new_card(api)
    photo = files.png(4, 4)
    response = await upload(api, opened["id"], photo, "image/png", "Voqea joyi.png")
    assert response.status_code == 201, response.text
    added = response.json()
    assert added["card_id"] == opened["id"]
    assert added["source"] == "operator"
    assert added["created_by"] == "operator1"

    now = await card(api, opened["id"])
    assert now["version"] == opened["version"] + 1
    [reference] = now["attachments"]
    assert reference["id"] == added["id"]
    assert reference["media_type"] == "image/png"
    assert reference["size_bytes"] == len(photo)
    assert reference["sha256"] == hashlib.sha256(photo).hexdigest()
    assert reference["source"] == "operator"
    assert reference["file_name"] == "Voqea joyi.png"
    assert reference["received_at"].endswith("+05:00")
    xml = await api.get(f"/api/v1/cards/{opened['id']}.xml", user="operator1")
    cardschema.validate(xml.content)
    assert b"Voqea joyi.png" in xml.content
    [entry] = await audited(engine, "card.attachment")
    assert entry["target_id"] == opened["id"]
    # on a card: analysts, who read cards, read it too
    served = await api.get(f"/api/v1/attachments/{added['id']}", user="analyst1")
    assert served.status_code == 200
    assert served.content == photo


async def test_a_refused_upload_stores_nothing_and_changes_no_card(
    api: Api, engine: AsyncEngine, settings: Settings
) -> None:
    opened = await new_card(api)
    cases = [
        (files.HTML, "image/png", 415, "attachment_type_mismatch"),
        (files.PDF, "application/pdf", 415, "attachment_type_refused"),
        (b"", "image/png", 422, "attachment_empty"),
    ]
    for content, media_type, status, code in cases:
        response = await upload(api, opened["id"], content, media_type)
        assert response.status_code == status, response.text
        assert response.json()["code"] == code
        assert response.json()["detail"]
    other = await upload(api, opened["id"], files.JPEG, "image/jpeg", user="operator2")
    assert other.status_code == 403
    unknown = await upload(api, "00000000-0000-4000-8000-000000000000", files.JPEG, "image/jpeg")
    assert unknown.status_code == 404
    assert await stored(engine) == []
    assert (await card(api, opened["id"]))["version"] == opened["version"]

    async with running_api(settings.model_copy(update={"attachment_max_bytes": 50})) as small:
        too_large = await upload(small, opened["id"], files.png(20, 20), "image/png")
    assert too_large.status_code == 413
    assert too_large.json()["code"] == "attachment_too_large"
    assert await stored(engine) == []


async def test_a_callers_files_reach_the_card_opened_later(api: Api, engine: AsyncEngine) -> None:
    call = await mms(api, files.item(files.JPEG, "image/jpeg", "olov.jpg"))
    opened = await new_card(api, call_id=call["id"])
    # The files stored before the card are on it when it is created (no listener needed).
    assert [item["file_name"] for item in opened["attachments"]] == ["olov.jpg"]

    async def referenced(count: int) -> list[dict[str, Any]] | None:
        found = list((await card(api, opened["id"])).get("attachments", []))
        return found if len(found) == count else None

    [reference] = await eventually(lambda: referenced(1), what="the photo on the card")
    assert reference["source"] == "caller"
    assert reference["file_name"] == "olov.jpg"
    assert reference["id"] == call["attachments"][0]["id"]
    [row] = await stored(engine)
    assert str(row["card_id"]).replace("-", "") == opened["id"].replace("-", "")

    # a later message of the same conversation brings its file to the same card
    await mms(api, files.item(files.MP4, "video/mp4", "video.mp4"), expect=200)
    found = await eventually(lambda: referenced(2), what="the video on the card")
    assert [item["file_name"] for item in found] == ["olov.jpg", "video.mp4"]
    assert (await card(api, opened["id"], user="analyst1"))["attachments"] == found


async def test_a_service_reads_only_the_files_of_cards_routed_to_it(api: Api) -> None:
    routed = await routed_card(api, ["103"], location=SAMARQAND)
    response = await upload(api, str(routed["id"]), files.JPEG, "image/jpeg", "jarohat.jpg")
    assert response.status_code == 201, response.text
    url = f"/api/v1/attachments/{response.json()['id']}"
    ambulance = await service_key(api, "103")
    police = await service_key(api, "102")
    served = await api.get(url, headers=ambulance)
    assert served.status_code == 200, served.text
    assert served.content == files.JPEG
    assert served.headers["x-content-type-options"] == "nosniff"
    assert (await api.get(url, headers=police)).status_code == 404
    # a caller's file not (yet) on a card is no service's
    call = await mms(api, files.item(files.GIF, "image/gif", "g.gif"))
    own = await api.get(f"/api/v1/attachments/{call['attachments'][0]['id']}", headers=ambulance)
    assert own.status_code == 404


async def test_a_sensitive_cards_files_reach_only_the_police_and_the_crisis_line(api: Api) -> None:
    routed = await routed_card(
        api,
        ["102", "103"],
        location=SAMARQAND,
        incident={"type": "violence.domestic", "victims": 1},
    )
    response = await upload(api, str(routed["id"]), files.JPEG, "image/jpeg", "jarohat.jpg")
    assert response.status_code == 201, response.text
    url = f"/api/v1/attachments/{response.json()['id']}"
    police = await api.get(url, headers=await service_key(api, "102"))
    assert police.status_code == 200, police.text
    ambulance = await api.get(url, headers=await service_key(api, "103"))
    assert ambulance.status_code == 404
