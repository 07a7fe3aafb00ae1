"""Health and metrics for the people and machines that keep the server running."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from dispatch.deps import RuntimeDep

router = APIRouter(tags=["ops"])


@router.get("/healthz")
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


@router.get("/metrics")
async def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus text exposition."""
    runtime.metrics.events_published.set(getattr(runtime.bus, "published", 0))
    return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)
