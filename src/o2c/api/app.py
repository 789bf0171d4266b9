"""The FastAPI application factory."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

import o2c
from o2c.api import body_limit, problems
from o2c.api.auth import Authenticator, generate_admin_token
from o2c.api.metrics import Metrics
from o2c.api.routes import (
    audit,
    bank,
    billing,
    collections,
    company,
    customers,
    dashboard,
    deliveries,
    einvoices,
    exports,
    gl,
    invoice_pdfs,
    invoices,
    letters,
    me,
    ops,
    orders,
    payments,
    periods,
    portfolio,
    schemas,
    tax_report,
    webhooks,
)
from o2c.api.routes.bank import STATEMENTS_PATH
from o2c.bootstrap import Container
from o2c.config import Settings
from o2c.identity.api_keys import ApiKey, ApiKeyring, parse_keys
from o2c.identity.oidc import OidcVerifier
from o2c.identity.oidc_login import CodeFlow

# Every router, in the order the OpenAPI document lists them (a test keeps each module of
# ``o2c.api.routes`` that has a router in this list).
ROUTERS = (
    audit.router,
    bank.router,
    billing.router,
    collections.router,
    company.router,
    customers.router,
    dashboard.router,
    deliveries.router,
    einvoices.router,
    exports.router,
    gl.router,
    invoice_pdfs.router,
    invoices.router,
    letters.router,
    me.router,
    ops.router,
    orders.router,
    payments.router,
    periods.router,
    portfolio.router,
    schemas.router,
    tax_report.router,
    webhooks.router,
)

DESCRIPTION = """
Event-sourced order-to-cash (accounts receivable) API.

* Auth: `Authorization: Bearer <token>`: an API key, or an OpenID Connect access token when
  `O2C_OIDC_ISSUER` is set; roles clerk, credit, auditor, admin. Every recorded fact names the
  person (token subject) or the key's holder.
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


def build_authenticator(settings: Settings, keys: tuple[ApiKey, ...]) -> Authenticator:
    """The API keys and, with ``O2C_OIDC_ISSUER`` set, the issuer whose tokens are accepted."""
    oidc = None
    if settings.oidc_issuer:
        oidc = OidcVerifier(settings.oidc_issuer, settings.oidc_audience, settings.oidc_roles_claim)
    return Authenticator(ApiKeyring(keys), oidc)


def build_login(settings: Settings, oidc: OidcVerifier | None) -> CodeFlow | None:
    """The dashboard's OpenID Connect login, when an issuer is configured."""
    client_id = settings.oidc_client_id or settings.oidc_audience
    if oidc is None or client_id is None:
        return None
    secret = settings.oidc_client_secret
    return CodeFlow(oidc.metadata, client_id, secret.get_secret_value() if secret else None)


def create_app(container: Container, tokens: dict[str, str] | None = None) -> FastAPI:
    """Build the app around a container; ``tokens`` (``{token: "role[:holder]"}``) default to
    the configured keys. With neither a key nor an issuer, one admin key is generated."""
    # Swagger UI's assets are served by the app itself: the machines o2c runs on may have no
    # route to a CDN.
    app = FastAPIOffline(
        title="o2c", version=o2c.__version__, description=DESCRIPTION, redoc_url=None
    )
    app.state.container = container
    settings = container.settings
    keys = parse_keys(tokens) if tokens is not None else settings.api_tokens
    if not keys and not settings.oidc_issuer:
        app.state.generated_admin_token = generate_admin_token()
        keys = (ApiKey(app.state.generated_admin_token, "admin", "generated-admin"),)
    app.state.authenticator = build_authenticator(settings, keys)
    app.state.oidc_login = build_login(settings, app.state.authenticator.oidc)
    app.state.metrics = Metrics(container.store.last_position, lambda: _lag(container))
    # First, so it runs inside every other middleware.
    body_limit.install(
        app,
        settings.max_body_bytes,
        {("POST", STATEMENTS_PATH): settings.max_statement_bytes},
    )
    problems.install(app)
    for router in ROUTERS:
        app.include_router(router)
    # What GET /v1/me tells a caller it may do: read from the routes' own role checks.
    app.state.command_roles = me.command_roles(ROUTERS)

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
        _secure(request, response)
        return response

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Correlation-Id"],
        )
    return app


def _secure(request: Request, response: Response) -> None:
    """The usual headers: no MIME sniffing, no caching of answers that may hold receivables
    (the docs page and its assets excepted), no framing, no referrer leaks."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if not request.url.path.startswith(("/docs", "/static-offline-docs")):
        response.headers["Cache-Control"] = "no-store"
