"""The FastAPI application factory."""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

import o2c
import o2c.api.routes
from o2c.api import problems
from o2c.api.auth import generate_admin_token
from o2c.api.metrics import Metrics
from o2c.bootstrap import Container

DESCRIPTION = """
Event-sourced order-to-cash (accounts receivable) API.

* Auth: `Authorization: Bearer <token>`; roles clerk, credit, auditor, admin.
* Errors: `application/problem+json` (RFC 9457) with a stable `type`.
* Every POST accepts `Idempotency-Key`; every command response carries `position`, every query
  accepts `min_position` (read-your-writes, bounded wait).
* Money travels as decimal strings (`"1250.00"`), dates as ISO dates.
"""


def _lag(container: Container) -> int:
    if container.read is None:
        return 0
    try:
        return max(0, container.store.last_position() - int(container.read.engine.position()))
    except Exception:  # a metric must never fail the scrape
        return -1


def create_app(container: Container, tokens: dict[str, str] | None = None) -> FastAPI:
    """Build the app around a container; ``tokens`` default to the configured ones."""
    app = FastAPI(title="o2c", version=o2c.__version__, description=DESCRIPTION)
    app.state.container = container
    app.state.tokens = dict(tokens if tokens is not None else container.settings.api_tokens)
    if not app.state.tokens:
        app.state.generated_admin_token = generate_admin_token()
        app.state.tokens[app.state.generated_admin_token] = "admin"
    app.state.metrics = Metrics(container.store.last_position, lambda: _lag(container))
    problems.install(app)
    for info in sorted(pkgutil.iter_modules(o2c.api.routes.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"o2c.api.routes.{info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)

    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        app.state.metrics.latency.labels(request.method, path, str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response

    return app
