"""A caller's photos and video through the gateway (MMS, e-mail): stored against the call,
served as downloads to those who may see them, refused files storing nothing."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch.core.settings import Settings
from tests.attachments import files
from tests.attachments.conftest import GATEWAY, audited, mms, stored
from tests.fixtures.api import Api, running_api

pytestmark = pytest.mark.asyncio
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def test_an_mms_photo_is_stored_against_the_call_and_served_as_a_download(
    api: Api, engine: AsyncEngine
) -> None:
    photo = files.png()
    call = await mms(api, files.item(photo, "image/png", "../../Ёнғин 1.png"))

    [receipt] = call["attachments"]
    assert receipt["code"] is None
    assert receipt["sha256"] == hashlib.sha256(photo).hexdigest()
    [row] = await stored(engine)
    assert str(row["id"]).replace("-", "") == receipt["id"].replace("-", "")
    assert row["media_type"] == "image/png"
    assert row["size"] == len(photo)
    assert row["filename"] == "Ёнғин 1.png"
    assert row["source"] == "caller"
    assert row["storage"] == "database"

    response = await api.get(f"/api/v1/attachments/{receipt['id']}", user="operator1")
    assert response.status_code == 200, response.text
    assert response.content == photo
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Ёнғин 1.png', safe='')}" in disposition
    assert 'filename="_____ 1.png"' in disposition
    assert response.headers["cache-control"] == "private, no-store"
    [read] = await audited(engine, "attachment.read")
    assert read["actor"] == "operator1"
    assert read["target_id"] == receipt["id"]
    [kept] = await audited(engine, "attachment.store")
    detail = kept["detail"] if isinstance(kept["detail"], dict) else json.loads(kept["detail"])
    assert detail["call_id"] == call["id"]
    assert detail["sha256"] == receipt["sha256"]


@SQLITE
async def test_refused_files_store_nothing_and_never_lose_the_message(
    api: Api, engine: AsyncEngine
) -> None:
    call = await mms(
        api,
        files.item(files.HTML, "image/jpeg", "fire.jpg"),
        files.item(files.PDF, "application/pdf", "doc.pdf"),
        {"media_type": "image/png", "filename": "x.png", "content_base64": "not base64!"},
        files.item(files.JPEG, "image/jpeg", "real.jpg"),
    )
    codes = [receipt["code"] for receipt in call["attachments"]]
    assert codes == [
        "attachment_type_mismatch",
        "attachment_type_refused",
        "attachment_not_base64",
        None,
    ]
    assert all(r["detail"] for r in call["attachments"][:3])
    [row] = await stored(engine)
    assert row["filename"] == "real.jpg"
    refused = await audited(engine, "attachment.refused")
    assert [entry["target_id"] for entry in refused] == [call["id"]] * 3
    messages = await api.get(f"/api/v1/calls/{call['id']}/messages", user="operator1")
    assert [m["text"] for m in messages.json()] == ["Yong‘in! Rasm yubordim"]


@SQLITE
async def test_a_file_over_the_limit_is_refused(settings: Settings, engine: AsyncEngine) -> None:
    small = settings.model_copy(update={"attachment_max_bytes": 100})
    async with running_api(small) as api:
        call = await mms(
            api,
            files.item(files.MP4 + b"\x00" * 100, "video/mp4", "big.mp4"),
            files.item(files.MP4, "video/mp4", "small.mp4"),
        )
    assert [r["code"] for r in call["attachments"]] == ["attachment_too_large", None]
    assert [row["filename"] for row in await stored(engine)] == ["small.mp4"]


@SQLITE
async def test_a_photo_alone_is_a_message_and_later_ones_join_the_conversation(
    api: Api, engine: AsyncEngine
) -> None:
    first = await mms(api, files.item(files.JPEG, "image/jpeg", "a.jpg"), text=None)
    later = await mms(api, files.item(files.MOV, "video/quicktime", "b.mov"), expect=200)
    assert later["id"] == first["id"]
    rows = await stored(engine)
    assert [row["filename"] for row in rows] == ["a.jpg", "b.mov"]
    assert {str(row["call_id"]).replace("-", "") for row in rows} == {first["id"].replace("-", "")}
    # a retry of a message (same message_id) stores its files once
    for _ in range(2):
        await mms(
            api,
            files.item(files.GIF, "image/gif", "c.gif"),
            message_id="mms-77",
            expect=200,
        )
    assert len(await stored(engine)) == 3


@SQLITE
async def test_only_text_messages_carry_files(api: Api, engine: AsyncEngine) -> None:
    body = {
        "channel": "voice",
        "caller_number": "+998901112233",
        "attachments": [files.item(files.JPEG, "image/jpeg")],
    }
    response = await api.post("/api/v1/calls", json=body, headers=GATEWAY)
    assert response.status_code == 422, response.text
    assert await stored(engine) == []


async def test_files_in_a_folder_are_read_by_a_new_app_and_checked(
    settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    folder = tmp_path / "attachments"
    with_folder = settings.model_copy(update={"attachments_dir": folder})
    video = files.THREE_GP + b"\x01" * 1000
    digest = hashlib.sha256(video).hexdigest()
    async with running_api(with_folder) as api:
        call = await mms(
            api,
            files.item(video, "video/3gpp", "clip.3gp"),
            files.item(video, "video/3gpp", "same.3gp"),
        )
    first, second = (receipt["id"] for receipt in call["attachments"])
    path = folder / digest[:2] / digest
    assert path.read_bytes() == video
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == [digest]
    rows = await stored(engine)
    assert [(row["storage"], bool(row["no_content"])) for row in rows] == [("directory", True)] * 2

    async with running_api(with_folder) as again:
        for attachment in (first, second):
            response = await again.get(f"/api/v1/attachments/{attachment}", user="supervisor1")
            assert response.status_code == 200, response.text
            assert response.content == video
            assert response.headers["content-type"] == "video/3gpp"
        path.write_bytes(video[:-1] + b"\x02")
        damaged = await again.get(f"/api/v1/attachments/{first}", user="supervisor1")
        assert damaged.status_code == 409
        assert damaged.json()["detail_code"] == "attachment_damaged"
        path.unlink()
        missing = await again.get(f"/api/v1/attachments/{first}", user="supervisor1")
        assert missing.status_code == 409
        assert missing.json()["detail_code"] == "attachment_missing"


async def test_files_in_the_database_are_read_by_a_new_app(settings: Settings) -> None:
    async with running_api(settings) as api:
        call = await mms(api, files.item(files.GIF, "image/gif", "g.gif"))
    async with running_api(settings) as again:
        response = await again.get(
            f"/api/v1/attachments/{call['attachments'][0]['id']}", user="qa1"
        )
    assert response.status_code == 200, response.text
    assert response.content == files.GIF


@SQLITE
async def test_who_may_read_a_callers_file(api: Api, engine: AsyncEngine) -> None:
    call = await mms(api, files.item(files.JPEG, "image/jpeg", "a.jpg"))
    url = f"/api/v1/attachments/{call['attachments'][0]['id']}"
    for user in ("operator1", "supervisor1", "qa1"):
        assert (await api.get(url, user=user)).status_code == 200
    # analysts read cards, not calls: a file not yet on a card is not theirs
    analyst = await api.get(url, user="analyst1")
    assert analyst.status_code == 403
    assert (await api.get(url, user="admin")).status_code == 403
    assert (await api.get(url, headers=GATEWAY)).status_code == 403
    assert (await api.get(url)).status_code == 401
    unknown = await api.get(f"/api/v1/attachments/{uuid.uuid4()}", user="operator1")
    assert unknown.status_code == 404
    assert len(await audited(engine, "attachment.read")) == 3


@SQLITE
async def test_an_emails_files_are_stored_like_an_mms(api: Api, engine: AsyncEngine) -> None:
    call = await mms(
        api,
        files.item(files.png(), "image/png", "map.png"),
        channel="email",
        caller_number=None,
        caller_address="caller@example.uz",
        subject="Yordam",
        conversation_id="thread-1",
    )
    assert [r["code"] for r in call["attachments"]] == [None]
    [row] = await stored(engine)
    assert row["filename"] == "map.png"
    assert str(row["call_id"]).replace("-", "") == call["id"].replace("-", "")
