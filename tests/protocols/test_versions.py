"""Protocol versions through the API (issue 24): methodologists draft, submit and approve (four
eyes); an approved version is immutable, a newer approved one retires it; nothing is approved
until a person approves it; bad definitions are refused and change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.api import Api
from tests.protocols.sample import sample, texts

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


async def draft(api: Api, data: dict[str, Any] | None = None, user: str = "methodologist1") -> Any:
    response = await api.post("/api/v1/protocols", user=user, json=data or sample())
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_version_goes_from_draft_through_review_to_approved_by_another(api: Api) -> None:
    made = await draft(api)
    assert (made["code"], made["version"], made["status"], made["approved"]) == (
        "test_arrest",
        1,
        "draft",
        False,
    )
    vid = made["id"]
    submitted = await api.post(f"/api/v1/protocol-versions/{vid}/submit", user="methodologist1")
    assert submitted.json()["status"] == "in_review"
    own = await api.post(
        f"/api/v1/protocol-versions/{vid}/review", user="methodologist1", json={"approve": True}
    )
    assert own.status_code == 403  # four eyes
    approved = await api.post(
        f"/api/v1/protocol-versions/{vid}/review", user="methodologist2", json={"approve": True}
    )
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["approved_by"]) == (
        "approved",
        "methodologist2",
    )
    # Immutable once approved.
    edited = await api.request(
        "PUT", f"/api/v1/protocol-versions/{vid}", user="methodologist1", json=sample()
    )
    assert edited.status_code == 409
    # The next version: a draft beside the approved one, which the consoles keep walking.
    changed = sample()
    changed["title"] = texts("Test arrest, second edition")
    second = await draft(api, changed)
    assert second["version"] == 2
    usable = (await api.get("/api/v1/protocols/test_arrest", user="operator1")).json()
    assert (usable["version"], usable["status"]) == (1, "approved")
    await api.post(f"/api/v1/protocol-versions/{second['id']}/submit", user="methodologist2")
    await api.post(
        f"/api/v1/protocol-versions/{second['id']}/review",
        user="methodologist1",
        json={"approve": True},
    )
    listed = (await api.get("/api/v1/protocols/test_arrest/versions", user="supervisor1")).json()
    assert [(v["version"], v["status"]) for v in listed] == [(2, "approved"), (1, "retired")]
    usable = (await api.get("/api/v1/protocols/test_arrest", user="operator1")).json()
    assert usable["definition"]["title"]["en"] == "Test arrest, second edition"


async def test_a_returned_version_needs_a_note_and_goes_back_to_draft(api: Api) -> None:
    made = await draft(api)
    await api.post(f"/api/v1/protocol-versions/{made['id']}/submit", user="methodologist1")
    silent = await api.post(
        f"/api/v1/protocol-versions/{made['id']}/review",
        user="methodologist2",
        json={"approve": False},
    )
    assert silent.status_code == 422
    returned = await api.post(
        f"/api/v1/protocol-versions/{made['id']}/review",
        user="methodologist2",
        json={"approve": False, "note": "the infant branch needs a physician's check"},
    )
    assert (returned.json()["status"], returned.json()["review_note"]) == (
        "draft",
        "the infant branch needs a physician's check",
    )
    again = await api.post("/api/v1/protocols", user="methodologist1", json=sample())
    assert again.status_code == 409  # one open version per protocol: edit that one


async def test_a_bad_definition_is_refused_naming_where_and_nothing_is_stored(api: Api) -> None:
    broken = sample()
    broken["nodes"][2]["next"] = [{"goto": "nowhere"}]
    refused = await api.post("/api/v1/protocols", user="methodologist1", json=broken)
    assert refused.status_code == 422
    assert "nowhere" in refused.json()["detail"]
    missing = await api.get("/api/v1/protocols/test_arrest", user="operator1")
    assert missing.status_code == 404
    made = await draft(api)
    renamed = sample("other_code")
    moved = await api.request(
        "PUT", f"/api/v1/protocol-versions/{made['id']}", user="methodologist1", json=renamed
    )
    assert moved.status_code == 422
    stored = await api.get(f"/api/v1/protocol-versions/{made['id']}", user="methodologist1")
    assert stored.json()["definition"]["code"] == "test_arrest"


async def test_only_methodologists_write_protocols(api: Api) -> None:
    for user in ("operator1", "supervisor1", "admin"):
        response = await api.post("/api/v1/protocols", user=user, json=sample())
        assert response.status_code == 403, user
