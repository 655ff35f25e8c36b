"""Deny by default in password mode: no page or API answers without a signed credential.

The dependencies (:mod:`app.deps`) decide who the user is and what their role allows; this gate
only makes sure a route that forgot to ask (the scenario catalog, a cited passage of the
company's library) is not open to anyone who reaches the port. It checks the signature of the
cookie or bearer token only (no database); the public paths are the login itself, static files,
health probes, ``/metrics`` (its own token), the chat platforms' signed callbacks and the API docs.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.login import session_principal
from app.auth.tokens import Signer
from app.config import Settings
from app.web.i18n import translate

PUBLIC_PREFIXES = ("/login", "/api/v1/auth/", "/static/", "/healthz", "/readyz", "/metrics",
                   "/slack/", "/wecom/", "/docs", "/openapi.json", "/favicon")  # fmt: skip


def wants_json(request: Request) -> bool:
    """API paths, and scripts asking for JSON, get 401; browsers (and curl on a page) the login page."""
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or ("application/json" in accept and "text/html" not in accept)


def login_required_response(request: Request) -> Response:
    """401 JSON with ``WWW-Authenticate: Bearer`` for the API; 303 to ``/login?next=…`` for pages."""
    if wants_json(request):
        lang = str(getattr(request.state, "lang", "zh"))
        return JSONResponse({"detail": translate("login_required", lang)}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    next_part = f"?next={quote(target, safe='/')}" if request.method == "GET" and target != "/" else ""
    return RedirectResponse(f"/login{next_part}", status_code=303)


def has_credential(request: Request, settings: Settings) -> bool:
    """A validly signed, unexpired bearer token or session cookie (the account is checked later)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return Signer(settings).read_token(value.strip()) is not None
    return session_principal(request, settings) is not None


class AuthGateMiddleware:
    """Answers :func:`login_required_response` to a request without a credential on a non-public path."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not str(scope.get("path", "")).startswith(PUBLIC_PREFIXES):
            request = Request(scope, receive)
            if not has_credential(request, self.settings):
                await login_required_response(request)(scope, receive, send)
                return
        await self.app(scope, receive, send)
