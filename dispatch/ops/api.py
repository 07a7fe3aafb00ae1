"""Health and metrics for the people and machines that keep the server running."""

from __future__ import annotations

import os

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from dispatch.core.redis_bus import bus_health
from dispatch.deps import RuntimeDep

router = APIRouter(tags=["ops"])


_HEALTH = {
    "type": "object",
    "required": ["status", "database"],
    "properties": {
        "status": {"type": "string"},
        "database": {"type": "string"},
        "mode": {"type": "string"},
        "bus": {"type": "string", "enum": ["in-process", "redis", "degraded"]},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "process": {"type": "integer"},
        "leads": {"type": "array", "items": {"type": "string"}},
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
    """200 when the database answers (``status`` ``ok``, or ``degraded`` with its
    ``reasons`` when Redis is away: this process serves, but hears no other), 503 otherwise.
    ``leads``: the singletons this process runs now (``core/leadership``), ``process`` its pid,
    so that a load balancer's or an operator's look tells which process answered."""
    bus, reasons = bus_health(runtime.bus)
    common = {
        "bus": bus,
        "process": os.getpid(),
        "leads": runtime.leadership.leading() if runtime.leadership is not None else [],
    }
    try:
        async with runtime.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        reasons.insert(0, f"the database does not answer ({type(exc).__name__})")
        body = {"status": "unavailable", "database": f"error: {type(exc).__name__}"}
        return JSONResponse({**body, **common, "reasons": reasons}, status_code=503)
    return JSONResponse(
        {
            "status": "degraded" if reasons else "ok",
            "database": "ok",
            "mode": runtime.settings.mode.value,
            **common,
            "reasons": reasons,
        }
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus text exposition."""
    runtime.metrics.events_published.set(getattr(runtime.bus, "published", 0))
    return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)
