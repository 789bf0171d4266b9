"""Liveness, readiness and metrics (no authentication)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from o2c.api.deps import container

router = APIRouter(tags=["operations"])

MAX_READY_LAG = 10_000


@router.get("/healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: databases reachable, projection lag")
def readyz(request: Request) -> JSONResponse:
    """Ready when the event store and read store answer and the projections keep up."""
    c = container(request)
    checks: dict[str, Any] = {}
    ok = True
    try:
        checks["event_store"] = {"ok": True, "position": c.store.last_position()}
    except Exception as exc:  # readiness reports, never raises
        ok = False
        checks["event_store"] = {"ok": False, "error": type(exc).__name__}
    if c.read is not None:
        try:
            with c.read.read_store.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            applied = c.read.engine.position()
            lag = max(0, checks.get("event_store", {}).get("position", applied) - applied)
            checks["read_store"] = {"ok": True, "applied_position": applied, "lag": lag}
            if lag > MAX_READY_LAG:
                ok = False
        except Exception as exc:  # readiness reports, never raises
            ok = False
            checks["read_store"] = {"ok": False, "error": type(exc).__name__}
    checks["mode"] = "embedded" if c.settings.embedded else "kafka"
    return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)


@router.get("/metrics", summary="Prometheus metrics")
def metrics(request: Request) -> Response:
    """Prometheus text format."""
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
