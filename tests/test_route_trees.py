"""The suite keeps each route's dependency tree across apps (``tests/fixtures/routes_once``):
what it keeps must be what FastAPI would build for the next app, or the suite would test
something the product does not run."""

from __future__ import annotations

from typing import Any

import fastapi.routing
import pytest
from fastapi.dependencies.models import Dependant

from tests.fixtures.api import Api
from tests.fixtures.routes_once import NAME

pytestmark = pytest.mark.asyncio


def shape(dependant: Dependant) -> tuple[Any, ...]:
    """What a tree asks of a request, and of which functions, all the way down."""
    return (
        dependant.call,
        dependant.name,
        [p.name for p in dependant.path_params],
        [p.name for p in dependant.query_params],
        [p.name for p in dependant.header_params],
        [p.name for p in dependant.cookie_params],
        [p.name for p in dependant.body_params],
        [shape(sub) for sub in dependant.dependencies],
    )


async def test_a_kept_tree_is_what_fastapi_builds_afresh(api: Api) -> None:
    built_once = getattr(fastapi.routing, NAME)
    kept: dict[Any, Any] = built_once.kept
    answered = await api.get("/api/v1/cards", user="operator1")
    assert answered.status_code == 200, answered.text
    assert kept, "no tree was kept: the suite rebuilds every route for every app"
    for (path, call, dependencies), (dependant, body, embed) in list(kept.items()):
        fresh, fresh_body, fresh_embed = built_once.build(
            path=path, call=call, dependencies=dependencies
        )
        assert shape(dependant) == shape(fresh), path
        assert [f.name for f in body] == [f.name for f in fresh_body], path
        assert embed == fresh_embed, path
