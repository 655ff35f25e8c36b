"""Browser-facing protections that do not depend on accounts: hosts, origins, security headers.

Found by probing a loopback-only install from outside:

* DNS rebinding: a page on ``evil.example`` that resolves to 127.0.0.1 was served (a foreign
  ``Host:``), so it could read every transcript and download the analytics CSV. Starlette's
  ``TrustedHostMiddleware`` now answers 400 to any host not in ``COACH_ALLOWED_HOSTS``.
* CSRF: any web page could auto-submit a form that saves a playable scenario. A state-changing
  request from a browser on another site is refused (403): ``Sec-Fetch-Site: cross-site``, or an
  ``Origin`` whose host differs from ``Host``. Clients that are not browsers (the CLI, curl,
  bots) send neither header and are unaffected. Tokens in forms arrive with accounts.
* No Content-Security-Policy: pages now load scripts only from this server (no inline script;
  JSON data blocks are not executed), are not framed, and send the usual headers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

#: Pages: scripts from this origin only; inline style attributes are used by the templates.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
#: The vendored Swagger UI starts itself with one inline script.
DOCS_CSP = PAGE_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Adds the security headers to every response, and the CSP to every page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if str(scope.get("path", "")).startswith("/docs") else PAGE_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", csp)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def cross_site(headers: Headers) -> bool:
    """True when a browser says this request comes from another site."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site == "cross-site"
    origin = headers.get("origin")
    if origin is None or origin == "null":
        return origin == "null"  # sandboxed frames and some redirects send "null"
    return urlsplit(origin).netloc.lower() != headers.get("host", "").lower()


class SameOriginMiddleware:
    """Refuses state-changing requests that a browser sends from another site (403)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in UNSAFE_METHODS and cross_site(Headers(scope=scope)):
            from app.api.errors import api_text, error_response

            request = Request(scope, receive)
            message = api_text("cross_site", str(getattr(request.state, "lang", "zh")))
            await error_response(request, 403, message)(scope, receive, send)
            return
        await self.app(scope, receive, send)
