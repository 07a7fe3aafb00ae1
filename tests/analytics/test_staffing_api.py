"""Erlang C over HTTP for supervisors and analysts."""

from __future__ import annotations

import pytest

from tests.fixtures.api import Api

pytestmark = [
    pytest.mark.asyncio,
    # Erlang C is arithmetic: the same on both backends.
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

URL = "/api/v1/analytics/staffing"


async def test_staffing_matches_the_published_rows(api: Api) -> None:
    row = await api.get(
        f"{URL}?calls_per_hour=200&handle_seconds=180&target_seconds=20&agents=14",
        user="supervisor1",
    )
    assert row.status_code == 200, row.text
    body = row.json()
    assert round(body["p_wait"], 3) == 0.174
    assert round(body["asa_seconds"], 2) == 7.84
    assert round(body["service_level"], 3) == 0.888
    needed = await api.get(
        f"{URL}?calls_per_hour=720&handle_seconds=240&target_seconds=15&service_level=0.8",
        user="analyst1",
    )
    assert needed.json()["agents"] == 55


async def test_too_few_agents_give_no_finite_answer_time(api: Api) -> None:
    response = await api.get(
        f"{URL}?calls_per_hour=720&handle_seconds=240&target_seconds=15&agents=40", user="analyst1"
    )
    assert response.json()["asa_seconds"] is None
    assert response.json()["p_wait"] == 1.0


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("calls_per_hour=10&handle_seconds=60&target_seconds=20", "exactly one"),
        (
            "calls_per_hour=10&handle_seconds=60&target_seconds=20&agents=2&service_level=0.8",
            "exactly one",
        ),
        ("calls_per_hour=10&handle_seconds=0&target_seconds=20&agents=2", "handle_seconds"),
        ("calls_per_hour=10&handle_seconds=60&target_seconds=20&service_level=1", "service_level"),
        ("calls_per_hour=10&handle_seconds=60&target_seconds=20&agents=1000000", "agents"),
    ],
)
async def test_bad_staffing_questions_are_explained(api: Api, query: str, fragment: str) -> None:
    response = await api.get(f"{URL}?{query}", user="supervisor1")
    assert response.status_code == 422
    assert fragment in response.json()["detail"]
