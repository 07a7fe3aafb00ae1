"""Health and metrics for the people and machines that keep the server running."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from dispatch.deps import RuntimeDep

router = APIRouter(tags=["ops"])


_HEALTH = {
    "type": "object",
    "required": ["status", "database"],
    "properties": {
        "status": {"type": "string"},
        "database": {"type": "string"},
        "mode": {"type": "string"},
    },
}


@router.get(
    "/healthz",
    responses={
        200: {"content": {"application/json": {"schema": _HEALTH}}},
        503: {
            "description": "the database does not answer",
            "content": {"application/json": {"schema": _HEALTH}},
        },
    },
)
async def healthz(runtime: RuntimeDep) -> JSONResponse:
    """200 when the database answers, 503 otherwise."""
    try:
        async with runtime.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        return JSONResponse(
            {"status": "unavailable", "database": f"error: {type(exc).__name__}"}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": "ok", "mode": runtime.settings.mode.value})


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus text exposition."""
    runtime.metrics.events_published.set(getattr(runtime.bus, "published", 0))
    return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)
