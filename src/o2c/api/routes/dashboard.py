"""The credit manager's dashboard (``/dashboard``): a public, read-only page whose own script
reads the JSON API with the token the person gives; see ``o2c.dashboard``."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse

from o2c.api.problems import Problem
from o2c.dashboard import ASSETS, CONTENT_SECURITY_POLICY, page, static_file

router = APIRouter(prefix="/dashboard", include_in_schema=False)


def _answer(body: bytes, media_type: str) -> Response:
    response = Response(body, media_type=media_type)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    return response


@router.api_route("", methods=["GET", "HEAD"])
def portfolio() -> Response:
    """The portfolio page: aging, exposures, KPIs, worklist, bank exceptions."""
    return _answer(page(), "text/html; charset=utf-8")


@router.api_route("/", methods=["GET", "HEAD"])
def trailing_slash() -> RedirectResponse:
    """``/dashboard/`` → ``/dashboard``."""
    return RedirectResponse("/dashboard", status_code=308)


@router.api_route("/customers/{customer_id}", methods=["GET", "HEAD"])
def customer(customer_id: UUID) -> Response:
    """One customer: aging, open items, statement, audit history."""
    return _answer(page(), "text/html; charset=utf-8")


@router.api_route("/assets/{name}", methods=["GET", "HEAD"])
def asset(name: str) -> Response:
    """The page's script, style sheet and icon."""
    media_type = ASSETS.get(name)
    if media_type is None:
        raise Problem(404, "not-found", f"no dashboard asset {name!r}")
    return _answer(static_file(name).read_bytes(), media_type)
