"""The regulations library (D2.02): versions with dates in force announced to the roles they
concern, each person's acknowledgement tracked (once, audited), those overdue first in their
own list (the reminder), the protocols, scripts and routing a version affects checked and
listed, and a new version superseding the one before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.api import Api
from tests.qa.conftest import check

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
URL = "/api/v1/regulations"
TITLE = {"uz": "112 buyrug‘i", "ru": "Приказ 112", "en": "Order 112"}


def regulation(**fields: Any) -> dict[str, Any]:
    """An order for operators affecting a protocol, the general script and a routing type."""
    body: dict[str, Any] = {
        "code": "order-2026-15",
        "kind": "order",
        "number": "15",
        "title": TITLE,
        "summary": {"uz": "Manzil", "ru": "Адрес", "en": "Landmarks are asked first"},
        "issued_on": "2026-11-20",
        "in_force_from": "2026-12-01",
        "url": "https://lex.uz/docs/0000000",
        "roles": ["operator"],
        "affects": {
            "protocols": ["cardiac_arrest"],
            "scripts": ["general"],
            "routing": ["fire.building"],
        },
        "acknowledge_within_days": 3,
    }
    body.update(fields)
    return body


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"affects": {"protocols": ["no_such_protocol"]}}, "affects.protocols"),
        ({"affects": {"scripts": ["fire.nothing"]}}, "affects.scripts"),
        ({"affects": {"routing": ["fire.nothing"]}}, "affects.routing"),
        ({"attachment_id": "00000000-0000-4000-8000-000000000000"}, "no attachment"),
    ],
)
async def test_a_regulation_names_only_what_exists(
    api: Api, change: dict[str, Any], says: str
) -> None:
    refused = check(await api.post(URL, user="supervisor1", json=regulation(**change)), 422)
    assert says in refused["detail"]
    assert check(await api.get(URL, user="operator1"), 200) == []


@pytest.mark.parametrize(
    "change",
    [
        {"in_force_from": "2026-11-01"},  # before it was issued
        {"in_force_to": "2026-11-30"},  # ends before it starts
        {"roles": []},
        {"url": "http://lex.uz/x"},
    ],
)
async def test_a_malformed_regulation_is_refused(api: Api, change: dict[str, Any]) -> None:
    check(await api.post(URL, user="trainer1", json=regulation(**change)), 422)
    assert check(await api.get(URL, user="operator1"), 200) == []


async def test_every_operator_acknowledges_and_the_overdue_are_reminded(
    api: Api, engine: AsyncEngine
) -> None:
    published = check(await api.post(URL, user="supervisor1", json=regulation()), 201)
    assert (published["code"], published["version"], published["superseded"]) == (
        "order-2026-15",
        1,
        False,
    )
    assert published["affects"] == {
        "protocols": ["cardiac_arrest"],
        "scripts": ["general"],
        "routing": ["fire.building"],
    }
    operators = {p["username"] for p in published["pending"]}
    assert {"operator1", "operator2"} <= operators
    assert {p["role"] for p in published["pending"]} == {"operator"}
    assert published["concerned"] == len(operators)
    one = f"{URL}/{published['id']}"
    read = check(await api.post(f"{one}/acknowledge", user="operator1"), 200)
    assert read["acknowledged"] == 1
    assert check(await api.post(f"{one}/acknowledge", user="operator1"), 200)["acknowledged"] == 1
    refused = check(await api.post(f"{one}/acknowledge", user="qa1"), 403)
    assert refused["detail_code"] == "regulation_not_concerned"
    state = check(await api.get(one, user="trainer1"), 200)
    assert [p["username"] for p in state["done"]] == ["operator1"]
    assert "operator1" not in {p["username"] for p in state["pending"]}
    # Three days to acknowledge; published four days ago, operator2 is overdue.
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE training_regulations SET published_at = :at"),
            {"at": datetime.now(UTC) - timedelta(days=4)},
        )
    [late] = check(await api.get(f"{URL}/mine", user="operator2"), 200)
    assert (late["overdue"], late["acknowledged_at"]) == (True, None)
    [done] = check(await api.get(f"{URL}/mine", user="operator1"), 200)
    assert done["overdue"] is False
    assert done["acknowledged_at"] is not None
    assert check(await api.get(f"{URL}/mine", user="qa1"), 200) == []
    async with engine.connect() as connection:
        audited = (
            await connection.execute(
                text(
                    "SELECT actor, action FROM audit_log WHERE target_type = "
                    "'training_regulation' ORDER BY id"
                )
            )
        ).all()
    assert [tuple(r) for r in audited] == [
        ("supervisor1", "regulation.publish"),
        ("operator1", "regulation.acknowledge"),
    ]
    # A new version supersedes it: everyone acknowledges again; the old one stays readable.
    second = check(
        await api.post(URL, user="trainer1", json=regulation(in_force_from="2027-01-01")), 201
    )
    assert (second["version"], second["acknowledged"]) == (2, 0)
    [now] = check(await api.get(f"{URL}/mine", user="operator1"), 200)
    assert (now["regulation"]["version"], now["acknowledged_at"]) == (2, None)
    listed = check(await api.get(f"{URL}?code=order-2026-15", user="analyst1"), 200)
    assert [(r["version"], r["superseded"], r["acknowledged"]) for r in listed] == [
        (2, False, 0),
        (1, True, 1),
    ]
    assert (await api.get(one, user="operator1")).status_code == 403
