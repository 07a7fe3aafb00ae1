"""The referral directory (issue 25, A2.01): searched by region and language (the region's own
entries before the national ones), kept by supervisors and admins with every change audited,
and a referral recorded on a card as its note."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.cards.conftest import new_call, new_card
from tests.fixtures.api import Api

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def entry(**fields: Any) -> dict[str, Any]:
    """A regional legal-aid office in Samarkand speaking Uzbek and Tajik."""
    return {
        "names": {
            "uz": "Samarqand yuridik klinikasi",
            "ru": "Самаркандская юридическая клиника",
            "en": "Samarkand legal clinic",
        },
        "kind": "legal",
        "regions": ["UZ-SA"],
        "phones": ["+998 66 000 00 00"],
        "hours": {
            "uz": "Du–Ju 9:00–18:00",
            "ru": "Пн–Пт 9:00–18:00",
            "en": "Mon–Fri 9:00–18:00",
        },
        "languages": ["uz", "tg"],
        "address": "Samarqand, Registon ko‘chasi",
        "notes": "Test entry",
        **fields,
    }


async def create(api: Api, user: str = "supervisor1", **fields: Any) -> dict[str, Any]:
    response = await api.post("/api/v1/referrals", user=user, json=entry(**fields))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def search(api: Api, user: str = "operator1", **params: str) -> list[dict[str, Any]]:
    response = await api.get("/api/v1/referrals", user=user, params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def audited(engine: AsyncEngine, action: str) -> list[dict[str, Any]]:
    """The audit entries of ``action`` by people (the seeding's are the system's)."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT actor, target_type, target_id, detail FROM audit_log "
                "WHERE action = :a AND actor != 'system' ORDER BY id"
            ),
            {"a": action},
        )
        return [
            {
                **row._mapping,
                "detail": json.loads(row.detail) if isinstance(row.detail, str) else row.detail,
            }
            for row in rows
        ]


async def test_the_seeded_directory_is_marked_unverified_and_serves_every_region(
    api: Api,
) -> None:
    everything = await search(api, limit="200")
    assert len(everything) >= 20
    # Every region has its own entry (the rehabilitation centres' branches) before national ones.
    for region in ("UZ-SA", "UZ-QR", "UZ-TK", "UZ-XO"):
        found = await search(api, region=region)
        assert found[0]["match"] == "region"
        assert region in found[0]["regions"]
        assert {f["match"] for f in found} == {"region", "national"}
    # No number is presented as real without a source: the entries without one say so.
    for item in everything:
        if not item["phones"]:
            assert "PHONE UNVERIFIED" in item["notes"], item["code"]
    # Karakalpak is spoken in Karakalpakstan's centre, not in Samarkand's.
    kaa_sa = await search(api, region="UZ-SA", language="kaa")
    assert all("kaa" in f["languages"] for f in kaa_sa)
    assert not any("UZ-SA" in f["regions"] for f in kaa_sa)
    assert any("UZ-QR" in f["regions"] for f in await search(api, region="UZ-QR", language="kaa"))


async def test_search_by_region_language_kind_and_words_ranks_the_region_first(
    api: Api,
) -> None:
    samarkand = await create(api)
    tashkent = await create(
        api,
        names={
            "uz": "Toshkent huquq markazi",
            "ru": "Ташкентский правовой центр",
            "en": "T",
        },
        regions=["UZ-TK"],
        languages=["ru"],
        address=None,
        phones=[],
    )
    national = await create(
        api,
        user="admin",
        names={
            "uz": "Aaa milliy yuridik liniya",
            "ru": "Национальная линия",
            "en": "N",
        },
        national=True,
        regions=[],
        languages=["uz", "ru", "tg"],
        address=None,
        phones=["1000"],
    )
    found = await search(api, region="UZ-SA", kind="legal", language="tg")
    ids = [f["id"] for f in found]
    # The region's own entry first, though the national one sorts first by name.
    assert ids == [samarkand["id"], national["id"]]
    assert [f["match"] for f in found] == ["region", "national"]
    assert tashkent["id"] not in [f["id"] for f in await search(api, region="UZ-SA")]
    # Language filters: Russian-only Tashkent is not found for Uzbek speakers.
    assert tashkent["id"] not in [f["id"] for f in await search(api, language="uz", kind="legal")]
    assert tashkent["id"] in [f["id"] for f in await search(api, language="ru", kind="legal")]
    # Words: every word, any case, any of the three names, o‘ written with any apostrophe.
    assert [f["id"] for f in await search(api, q="SAMARQAND klinika", kind="legal")] == [
        samarkand["id"]
    ]
    assert [f["id"] for f in await search(api, q="Registon ko'chasi")] == [samarkand["id"]]
    assert [f["id"] for f in await search(api, q="Самаркандская юридическая")] == [samarkand["id"]]
    assert [f["id"] for f in await search(api, q="660000000")] == [samarkand["id"]]
    assert await search(api, q="samarqand tashkent") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "Samarkand"}, "region"),
        ({"language": "Russian"}, "language"),
        ({"kind": "food"}, "kind"),
        ({"q": "x" * 101}, "q"),
    ],
)
async def test_a_bad_search_is_refused(api: Api, params: dict[str, str], field: str) -> None:
    response = await api.get("/api/v1/referrals", user="operator1", params=params)
    assert response.status_code == 422
    assert field in response.text


@pytest.mark.parametrize(
    "fields",
    [
        {"regions": ["UZ-ZZ"]},  # not a region of Uzbekistan
        {"regions": []},  # neither national nor a region
        {"national": True},  # national with regions listed
        {"kind": "food"},
        {"languages": []},
        {"phones": ["call us"]},
        {"names": {"uz": "x", "ru": "x"}},
    ],
)
async def test_a_bad_entry_is_refused_and_nothing_stored(
    api: Api, engine: AsyncEngine, fields: dict[str, Any]
) -> None:
    before = len(await search(api, limit="200", include_inactive="true"))
    response = await api.post("/api/v1/referrals", user="supervisor1", json=entry(**fields))
    assert response.status_code == 422, response.text
    assert response.json()["code"]
    assert len(await search(api, limit="200", include_inactive="true")) == before
    assert await audited(engine, "referral.create") == []


async def test_supervisors_change_and_retire_entries_audited(api: Api, engine: AsyncEngine) -> None:
    made = await create(api)
    url = f"/api/v1/referrals/{made['id']}"
    changed = await api.patch(url, user="supervisor1", json={"phones": ["1146"], "national": True})
    assert changed.status_code == 200, changed.text
    assert changed.json()["phones"] == ["1146"]
    assert changed.json()["national"] is True
    assert changed.json()["regions"] == []
    # Regions again make it regional; clearing a required field is refused.
    back = await api.patch(url, user="admin", json={"regions": ["UZ-SA", "UZ-NW"]})
    assert back.json()["national"] is False
    assert back.json()["regions"] == [
        "UZ-NW",
        "UZ-SA",
    ]
    refused = await api.patch(url, user="supervisor1", json={"names": None})
    assert refused.status_code == 422
    refused = await api.patch(url, user="supervisor1", json={"national": False, "regions": []})
    assert refused.status_code == 422
    # Operators, QA and analysts only read.
    for user in ("operator1", "qa1", "analyst1"):
        response = await api.patch(url, user=user, json={"active": False})
        assert response.status_code == 403
    retired = await api.request("DELETE", url, user="supervisor1")
    assert retired.status_code == 200
    assert retired.json()["active"] is False
    assert made["id"] not in [f["id"] for f in await search(api, region="UZ-SA")]
    assert made["id"] in [
        f["id"] for f in await search(api, user="qa1", region="UZ-SA", include_inactive="true")
    ]
    updates = await audited(engine, "referral.update")
    assert [(u["actor"], u["detail"]["changed"]) for u in updates] == [
        ("supervisor1", ["national", "phones", "regions"]),
        ("admin", ["national", "regions"]),
        ("supervisor1", ["active"]),
    ]
    assert (await audited(engine, "referral.create"))[0]["actor"] == "supervisor1"


async def test_a_referral_is_recorded_on_the_card_as_a_note_audited(
    api: Api, engine: AsyncEngine
) -> None:
    call = await new_call(api)
    card = await new_card(api, call_id=call["id"])
    made = await create(api)
    url = f"/api/v1/cards/{card['id']}/referrals"
    response = await api.post(
        url,
        user="operator1",
        json={"referral_id": made["id"], "note": "Will call on Monday"},
    )
    assert response.status_code == 201, response.text
    notes = response.json()["notes"]
    assert notes[-1]["text"] == (
        "Referral: Samarkand legal clinic — +998 66 000 00 00 (legal). Will call on Monday"
    )
    assert notes[-1]["author"] == "operator1"
    stored = await api.get(f"/api/v1/cards/{card['id']}", user="supervisor1")
    assert stored.json()["notes"][-1]["text"].startswith("Referral: Samarkand legal clinic")
    recorded = await audited(engine, "referral.record")
    assert recorded == [
        {
            "actor": "operator1",
            "target_type": "card",
            "target_id": card["id"],
            "detail": {
                "referral_id": made["id"],
                "name": "Samarkand legal clinic",
                "kind": "legal",
                "note": "Will call on Monday",
            },
        }
    ]
    assert len(await audited(engine, "card.note")) == 1


async def test_an_unknown_or_inactive_referral_is_refused_and_the_card_unchanged(
    api: Api, engine: AsyncEngine
) -> None:
    card = await new_card(api, call_id=(await new_call(api))["id"])
    made = await create(api)
    url = f"/api/v1/cards/{card['id']}/referrals"
    unknown = await api.post(
        url,
        user="operator1",
        json={"referral_id": "00000000-0000-4000-8000-000000000000"},
    )
    assert unknown.status_code == 404
    assert unknown.json()["detail_code"] == "referral_unknown"
    await api.request("DELETE", f"/api/v1/referrals/{made['id']}", user="supervisor1")
    inactive = await api.post(url, user="operator1", json={"referral_id": made["id"]})
    assert inactive.status_code == 409
    assert inactive.json()["detail_code"] == "referral_inactive"
    bad = await api.post(url, user="operator1", json={"referral_id": "x"})
    assert bad.status_code == 422
    too_long = await api.post(
        url, user="operator1", json={"referral_id": made["id"], "note": "x" * 1001}
    )
    assert too_long.status_code == 422
    analyst = await api.post(url, user="analyst1", json={"referral_id": made["id"]})
    assert analyst.status_code == 403
    after = await api.get(f"/api/v1/cards/{card['id']}", user="operator1")
    assert after.json()["version"] == card["version"]
    assert after.json()["notes"] == []
    assert await audited(engine, "referral.record") == []
