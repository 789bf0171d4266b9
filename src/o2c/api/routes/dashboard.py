"""The credit manager's dashboard (``/dashboard``): a public page whose own script reads the JSON
API, and sends the commands the person's roles allow, with the token the person gives; see
``o2c.dashboard``.

With an OpenID Connect issuer configured, ``/dashboard/login`` and ``/dashboard/callback`` run the
authorization-code flow (PKCE) for the page: the code is exchanged here, and the access token
reaches the page in a ``#token=`` fragment (fragments are never sent to a server, so it stays out
of access logs and ``Referer`` headers; the script moves it to ``sessionStorage`` and drops it
from the address bar).
"""

from __future__ import annotations

import logging
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from o2c.api.problems import Problem
from o2c.dashboard import ASSETS, CONTENT_SECURITY_POLICY, page, static_file
from o2c.identity.oidc import ProviderUnavailable
from o2c.identity.oidc_login import CodeFlow, LoginFailed

router = APIRouter(prefix="/dashboard", include_in_schema=False)
log = logging.getLogger(__name__)

# Holds "state.verifier" between the two legs of one login; only this server reads it.
LOGIN_COOKIE = "o2c_dashboard_login"
LOGIN_WINDOW = 600  # seconds a person has to sign in at the issuer


def _answer(body: bytes, media_type: str) -> Response:
    response = Response(body, media_type=media_type)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    return response


def _page(request: Request) -> Response:
    return _answer(page(_login(request) is not None), "text/html; charset=utf-8")


def _login(request: Request) -> CodeFlow | None:
    flow: CodeFlow | None = getattr(request.app.state, "oidc_login", None)
    return flow


@router.api_route("", methods=["GET", "HEAD"])
def portfolio(request: Request) -> Response:
    """The portfolio page: aging, KPIs, held orders, exposures, worklist, bank exceptions."""
    return _page(request)


@router.api_route("/", methods=["GET", "HEAD"])
def trailing_slash() -> RedirectResponse:
    """``/dashboard/`` → ``/dashboard``."""
    return RedirectResponse("/dashboard", status_code=308)


@router.api_route("/customers/{customer_id}", methods=["GET", "HEAD"])
def customer(request: Request, customer_id: UUID) -> Response:
    """One customer: aging, open items, statement, audit history."""
    return _page(request)


@router.api_route("/assets/{name}", methods=["GET", "HEAD"])
def asset(name: str) -> Response:
    """The page's script, style sheet and icon."""
    media_type = ASSETS.get(name)
    if media_type is None:
        raise Problem(404, "not-found", f"no dashboard asset {name!r}")
    return _answer(static_file(name).read_bytes(), media_type)


def _redirect_uri(request: Request) -> str:
    return str(request.url_for("oidc_callback"))


def _back_to_page(fragment: str) -> RedirectResponse:
    response = RedirectResponse(f"/dashboard#{fragment}", status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.delete_cookie(LOGIN_COOKIE, path="/dashboard")
    return response


@router.get("/login", name="oidc_login")
def login(request: Request) -> RedirectResponse:
    """Send the browser to the issuer's sign-in (authorization-code flow with PKCE)."""
    flow = _login(request)
    if flow is None:
        raise Problem(404, "not-found", "no OpenID Connect issuer is configured (O2C_OIDC_ISSUER)")
    try:
        start = flow.start(_redirect_uri(request))
    except ProviderUnavailable as err:
        raise Problem(503, "identity-provider-unavailable", str(err)) from err
    response = RedirectResponse(start.url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        LOGIN_COOKIE,
        f"{start.state}.{start.verifier}",
        max_age=LOGIN_WINDOW,
        path="/dashboard",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",  # the issuer's redirect back is a top-level GET navigation
    )
    return response


@router.get("/callback", name="oidc_callback")
def callback(
    request: Request,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> RedirectResponse:
    """The issuer's answer: exchange the code, hand the access token to the page."""
    flow = _login(request)
    if flow is None:
        raise Problem(404, "not-found", "no OpenID Connect issuer is configured (O2C_OIDC_ISSUER)")
    if error is not None:
        return _back_to_page("login-error=" + quote(f"the sign-in was refused ({error[:80]})"))
    remembered = request.cookies.get(LOGIN_COOKIE, "")
    expected, _, verifier = remembered.partition(".")
    if not code or not state or not verifier or state != expected:
        # Not the answer to a login this browser started (or it took too long): a forged
        # callback must not log anyone in.
        return _back_to_page("login-error=" + quote("the sign-in expired or was not started here"))
    try:
        token = flow.finish(code, verifier, _redirect_uri(request))
    except (LoginFailed, ProviderUnavailable) as err:
        log.warning("dashboard sign-in failed: %s", err)
        return _back_to_page("login-error=" + quote(str(err)))
    return _back_to_page("token=" + quote(token, safe=""))
