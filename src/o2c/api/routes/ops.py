"""Liveness, readiness and metrics (no authentication)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from o2c.api.deps import container
from o2c.api.health import MAX_READY_LAG, read_side_health

router = APIRouter(tags=["operations"])

__all__ = ["MAX_READY_LAG", "router"]


@router.get("/healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: stores reachable, projection lag, Kafka path")
def readyz(request: Request) -> JSONResponse:
    """Ready when the event store and read store answer and the read models keep up.

    In Kafka mode the checks also show the relay's position against the log head, each journal
    partition's end against the projector group's stored offset (and the position it applied),
    and whether the broker answered.
    """
    health = read_side_health(container(request), request.app.state)
    return JSONResponse(
        {"ready": health.ready, "checks": health.checks},
        status_code=200 if health.ready else 503,
    )


@router.get("/metrics", summary="Prometheus metrics")
def metrics(request: Request) -> Response:
    """Prometheus text format; the read-side gauges are measured for this scrape."""
    registry = request.app.state.metrics
    registry.observe(read_side_health(container(request), request.app.state))
    return Response(registry.render(), media_type=CONTENT_TYPE_LATEST)
