"""The credit manager's dashboard: a static page and its script, served by the API itself.

The page holds no data: its script (``static/dashboard.js``) asks for a bearer token once (pasted,
from a ``#token=`` fragment, or from the OpenID Connect login), keeps it in the tab's
``sessionStorage`` and uses the JSON API with it: it reads, and it sends the commands the
person's roles allow (``GET /v1/me`` says which), each one request with that token.
Charts are SVG drawn by that script from the API's decimal strings, so the figures on the page
are the API's own. No build step, no CDN, no inline script: every asset is a file of this
package, served under ``/dashboard/assets/`` with a strict Content-Security-Policy.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

# Only 'self': no inline script or style, no other origin; the login form never submits
# (form-action 'none' keeps a pasted token out of any URL even if the script failed to load).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

# The files served under /dashboard/assets/, with their media types: nothing else is.
ASSETS = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}


def static_file(name: str) -> Traversable:
    """A file of ``static/`` (the page or one of ``ASSETS``)."""
    return files(__package__).joinpath("static", name)


def page(oidc_login: bool = False) -> bytes:
    """The page's HTML: the same shell for the portfolio and a customer (the script reads the
    path); with ``oidc_login`` its sign-in offers the OpenID Connect login too."""
    html = static_file("dashboard.html").read_bytes()
    if oidc_login:
        html = html.replace(b'<p id="oidc" hidden>', b'<p id="oidc">', 1)
    return html
