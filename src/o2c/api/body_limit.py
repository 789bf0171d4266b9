"""A cap on the size of every request body: larger is a 413 problem, read no further.

Without it a client could make the server hold any body in memory: routes read bodies whole
(a JSON command is parsed from its bytes, a statement file is read before it is parsed). A
body that announces its length is refused before a byte of it is read; one sent in chunks is
refused as soon as it passes the limit. Commands are small, so the general limit is small;
statement uploads have a larger one of their own (``O2C_MAX_BODY_BYTES``,
``O2C_MAX_STATEMENT_BYTES``).
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from o2c.api.problems import ProblemResponse, problem

CODE = "content-too-large"


class BodyTooLarge(StarletteHTTPException):
    """Raised while a body is read, when it has passed its limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _detail(limit))
        self.limit = limit


def _detail(limit: int) -> str:
    return f"the request body may have at most {limit} bytes"


def _too_large(request: Request, limit: int) -> ProblemResponse:
    return problem(413, CODE, _detail(limit), request, limit=limit)


class BodyLimit:
    """ASGI middleware: the body of a request may have at most its route's limit of bytes.

    ``larger`` gives the limit of a ``(method, path)`` that takes more than ``default``.
    """

    def __init__(self, app: ASGIApp, default: int, larger: Mapping[tuple[str, str], int]) -> None:
        self.app = app
        self.default = default
        self.larger = dict(larger)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get((scope["method"], scope["path"]), self.default)
        announced = _content_length(scope)
        if announced is not None and announced > limit:
            await _too_large(Request(scope), limit)(scope, receive, send)
            return
        received = 0

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counting, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length before we see it
    return None


def install(app: FastAPI, default: int, larger: Mapping[tuple[str, str], int]) -> None:
    """Cap bodies at ``default`` bytes, those of a ``(method, path)`` in ``larger`` at its own
    limit. Installed before any other middleware, so it runs innermost: its answers pass
    through the others (metrics, security headers) like any route's."""
    app.add_middleware(BodyLimit, default=default, larger=larger)

    @app.exception_handler(BodyTooLarge)
    async def _body_too_large(request: Request, exc: BodyTooLarge) -> ProblemResponse:
        return _too_large(request, exc.limit)
