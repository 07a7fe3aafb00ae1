"""Units are named in each UI language (issue 19): the sample units from their service's and
region's own names, an admin's units as the admin names them; ``name`` stays what the card
and outside systems read."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch import migrations
from dispatch.agencies import units_service as units
from dispatch.agencies.units_models import Unit
from dispatch.core.actor import SYSTEM
from dispatch.core.bus import InProcessBus
from dispatch.core.database import session_factory, unit_of_work
from tests.fixtures.api import Api

NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
AMBULANCE_BUKHARA = {
    "en": "103 — Bukhara region ambulance",
    "uz": "103 — Tez tibbiy yordam, Buxoro viloyati",
    "ru": "103 — Скорая медицинская помощь, Бухарская область",
}
URGUT = {
    "uz": "Urgut tumani tez tibbiy yordam stansiyasi",
    "ru": "Станция скорой помощи Ургутского района",
    "en": "Urgut district ambulance station",
}


@pytest.mark.asyncio
async def test_sample_units_are_named_in_uzbek_russian_and_english(api: Api) -> None:
    listed = {u["code"]: u for u in (await api.get("/api/v1/units", user="operator1")).json()}
    assert all(set(u["names"]) == {"uz", "ru", "en"} for u in listed.values())
    assert listed["UZ-BU-103"]["names"] == AMBULANCE_BUKHARA
    assert listed["UZ-BU-103"]["name"] == AMBULANCE_BUKHARA["en"]  # as before
    # The region's names are the boundary data's own (Tashkent city as it writes it).
    assert listed["UZ-TK-102"]["names"]["ru"] == "102 — Полиция, г. Ташкент"
    assert listed["UZ-TK-102"]["names"]["uz"] == "102 — Politsiya, Toshkent sh."
    one = await api.get("/api/v1/units/UZ-QR-101", user="supervisor1")
    assert one.json()["names"]["ru"] == (
        "101 — Пожарно-спасательная служба, Республика Каракалпакстан"
    )


@pytest.mark.asyncio
async def test_an_admin_names_a_unit_in_each_language(api: Api) -> None:
    body = {"code": "UZ-SA-103-urgut", "service_code": "103", "name": URGUT["en"]}
    created = await api.post("/api/v1/units", user="admin", json={**body, "names": URGUT})
    assert created.status_code == 201, created.text
    assert created.json()["names"] == URGUT
    plain = await api.post("/api/v1/units", user="admin", json={**body, "code": "UZ-SA-103-x"})
    assert plain.json()["names"] == {}  # the consoles show its name

    renamed = {**URGUT, "ru": "Ургутская подстанция скорой помощи"}
    changed = await api.patch(
        "/api/v1/units/UZ-SA-103-urgut", user="admin", json={"names": renamed}
    )
    assert changed.json()["names"] == renamed
    assert changed.json()["name"] == URGUT["en"]
    # A new name alone: the old names named what the unit was called before.
    alone = await api.patch("/api/v1/units/UZ-SA-103-urgut", user="admin", json={"name": "Urgut"})
    assert alone.json()["names"] == {}
    audit = await api.get("/api/v1/audit?target_type=unit&target_id=UZ-SA-103-urgut", user="admin")
    details = [e["detail"] for e in audit.json()["items"]]
    assert details[0] == {"name": "Urgut", "names": {}}
    assert details[1] == {"names": renamed}
    assert details[2]["names"] == URGUT
    for bad in ({"names": {"kaa": "x"}}, {"names": {"ru": ""}}, {"names": {"uz": "x" * 201}}):
        refused = await api.patch("/api/v1/units/UZ-SA-103-urgut", user="admin", json=bad)
        assert refused.status_code == 422, bad


@pytest.mark.asyncio
async def test_the_seed_names_the_sample_units_stored_before_names_but_no_renamed_one(
    api: Api, engine: AsyncEngine
) -> None:
    renamed = "Buxoro viloyati IIB navbatchilik qismi"
    async with unit_of_work(session_factory(engine), InProcessBus()) as session:
        await session.execute(update(Unit).values(names={}))
        await session.execute(update(Unit).where(Unit.code == "UZ-BU-102").values(name=renamed))
    async with unit_of_work(session_factory(engine), InProcessBus()) as session:
        assert await units.seed_sample_units(session, SYSTEM, now=NOW) == 0
    listed = {u["code"]: u for u in (await api.get("/api/v1/units", user="admin")).json()}
    assert listed["UZ-BU-103"]["names"] == AMBULANCE_BUKHARA
    assert listed["UZ-BU-102"]["names"] == {}
    assert listed["UZ-BU-102"]["name"] == renamed


def test_units_stored_before_the_migration_keep_their_name_and_have_no_names(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
    migrations.upgrade(url, "0015")
    with sqlite3.connect(tmp_path / "before.db") as db:
        db.execute(
            "INSERT INTO services (code, names, active, created_at, updated_at)"
            " VALUES ('103', '{}', 1, '2026-12-05 08:00:00', '2026-12-05 08:00:00')"
        )
        db.execute(
            "INSERT INTO units (code, service_code, name, active, sample, created_at,"
            " updated_at) VALUES ('UZ-SA-103', '103', '103 — Samarkand region ambulance', 1, 1,"
            " '2026-12-05 08:00:00', '2026-12-05 08:00:00')"
        )
    migrations.upgrade(url)
    with sqlite3.connect(tmp_path / "before.db") as db:
        rows = db.execute("SELECT code, name, names FROM units").fetchall()
    assert rows == [("UZ-SA-103", "103 — Samarkand region ambulance", "{}")]
