"""RFC 9457 problem details: every error leaves the API as ``application/problem+json``.

The ``type`` is stable and derived from the domain error's ``code``, so clients can branch on it.
Bad input is never a 500: validation errors, malformed JSON and domain rejections all map here.

An unexpected error is answered here too, as a 500 (or a 503 when the database is down), by a
middleware inside Starlette's outermost one: the latter answers and then re-raises, and the
server closes the client's keep-alive connection when an exception reaches it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from o2c.application.errors import BackendUnavailable
from o2c.commands.bank import INVALID_IBAN
from o2c.commands.base import AMOUNT_OUT_OF_RANGE, CONTROL_CHARACTER
from o2c.domain.errors import DomainError, InvalidInput, NotFound, RuleViolation

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://o2c.dev/problems/"
MEDIA_TYPE = "application/problem+json"


class ProblemResponse(JSONResponse):
    """A JSON response with the problem+json media type."""

    media_type = MEDIA_TYPE


class Problem(Exception):
    """Raised by routes for an HTTP-level problem (404 unknown id, 503 lagging read model …)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra
        self.headers = headers or {}


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    500: "Internal error",
    503: "Service unavailable",
}


def problem(
    status: int,
    code: str,
    detail: str,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    """Build a problem response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if request is not None:
        body["instance"] = str(request.url.path)
    body.update(extra)
    return ProblemResponse(body, status_code=status, headers=headers)


def status_of(error: DomainError) -> int:
    """HTTP status for a domain error by its kind."""
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, RuleViolation):
        return 409
    if isinstance(error, InvalidInput):
        return 422
    return 422


# Validation errors that have a problem type of their own. A request whose errors are all of one
# of these kinds gets that type; any other mix is "invalid-input".
_VALIDATION_CODES = {
    CONTROL_CHARACTER: "invalid-text",
    "string_unicode": "invalid-text",  # an unpaired surrogate ("\\ud800"): not encodable text
    AMOUNT_OUT_OF_RANGE: "invalid-amount",
    INVALID_IBAN: "invalid-iban",
}


def validation_code(errors: list[dict[str, Any]]) -> str:
    """The problem type slug for a list of validation errors."""
    codes = {_VALIDATION_CODES.get(e["type"], "invalid-input") for e in errors}
    return codes.pop() if len(codes) == 1 else "invalid-input"


def _errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        out.append(
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
        )
    return out


def install(app: FastAPI) -> None:
    """Register the exception handlers."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> ProblemResponse:
        return problem(status_of(exc), exc.code, exc.detail, request)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> ProblemResponse:
        headers = {"Retry-After": "1"} if exc.status == 503 else {}
        headers.update(exc.headers)
        return problem(exc.status, exc.code, exc.detail, request, headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = _errors(exc)
        return problem(
            422, validation_code(errors), "the request is not valid", request, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        code = {
            401: "unauthorized",
            403: "forbidden",
            404: "not-found",
            405: "method-not-allowed",
        }.get(exc.status_code, "http-error")
        return problem(
            exc.status_code, code, str(exc.detail), request, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(BackendUnavailable)
    async def _backend(request: Request, exc: BackendUnavailable) -> ProblemResponse:
        return problem(
            503,
            "backend-unavailable",
            "a backing service is unavailable",
            request,
            headers={"Retry-After": "2"},
        )

    app.add_middleware(UnexpectedErrors)
    # Still registered for errors raised outside the middleware above (in another middleware).
    app.add_exception_handler(Exception, unexpected)


def unexpected(request: Request, exc: Exception) -> ProblemResponse:
    """500 for a bug, 503 when the database is unreachable."""
    if _is_db_down(exc):
        return problem(
            503,
            "backend-unavailable",
            "the database is unavailable",
            request,
            headers={"Retry-After": "2"},
        )
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "internal-error", "an unexpected error occurred", request)


class UnexpectedErrors:
    """ASGI middleware: an exception no handler claimed becomes a problem response.

    It answers like any other error and so keeps the connection open; only an exception after
    the response started is left to propagate (the server then has to close the connection).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            if started:
                raise
            await unexpected(Request(scope), exc)(scope, receive, send)


def _is_db_down(exc: Exception) -> bool:
    from sqlalchemy.exc import OperationalError as SAOperationalError

    try:
        from eventsourcing.persistence import OperationalError as ESOperationalError
    except ImportError:  # pragma: no cover
        return isinstance(exc, SAOperationalError)
    return isinstance(exc, SAOperationalError | ESOperationalError)
