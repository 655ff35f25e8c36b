"""Signing in by name and password, and reading a request's credential.

The password check is shared by the login page and ``POST /api/v1/auth/token``; the credential
check is what :func:`app.deps.get_current_user` runs in password mode. CSRF: a page form posted
with the session cookie must carry the cookie's token (``csrf_token`` field or ``X-CSRF-Token``
header). Bearer-token API calls are exempt (a browser never adds the header by itself), and so is
the JSON API under ``/api/`` called with the cookie by this app's own scripts: the cookie is
``SameSite=Lax`` (not sent on another site's POST) and :mod:`app.web.security` refuses
cross-site writes.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from app.auth.passwords import verify_password
from app.auth.throttle import LoginThrottle
from app.auth.tokens import SESSION_COOKIE, Principal, Signer
from app.config import Settings
from app.db.engine import Database
from app.db.models import User
from app.db.repository import Repository
from app.web.security import UNSAFE_METHODS

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequiredError(Exception):
    """No valid credential: pages redirect to /login, the API answers 401."""


class CsrfError(Exception):
    """A page form without the session's CSRF token: 403."""


class BadCredentialsError(Exception):
    """Wrong name or password, or a disabled account (one message for all: names stay secret)."""


def client_ip(request: Request) -> str:
    """The client address as uvicorn reports it (``--forwarded-allow-ips`` decides whom to trust)."""
    return request.client.host if request.client is not None else "unknown"


def sign_in(database: Database, name: str, password: str, ip: str) -> User:
    """The account ``name`` when ``password`` is right and it is enabled; throttled per name and ip.

    Raises :class:`app.auth.throttle.TooManyAttemptsError` before any check when locked out.
    """
    throttle = LoginThrottle(database)
    throttle.check(name, ip)
    with database.session() as db:
        user = Repository(db).user_by_name(name)
    ok = verify_password(password, user.password_hash if user is not None else None)
    if user is None or not ok or user.disabled:
        throttle.failed(name, ip)
        raise BadCredentialsError(name)
    throttle.succeeded(name, ip)
    return user


def session_principal(request: Request, settings: Settings) -> Principal | None:
    """The principal of the request's session cookie, if it has a valid one."""
    cookie = request.cookies.get(SESSION_COOKIE)
    return Signer(settings).read_session(cookie) if cookie else None


async def principal_of(request: Request, settings: Settings) -> Principal:
    """Who the request's bearer token or session cookie names (CSRF checked on page writes)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        principal = Signer(settings).read_token(value.strip())
        if principal is None:
            raise LoginRequiredError("invalid or expired token")
        return principal
    principal = session_principal(request, settings)
    if principal is None:
        raise LoginRequiredError("not signed in")
    request.state.csrf_token = principal.csrf
    if request.method in UNSAFE_METHODS and not request.url.path.startswith("/api/"):
        form = await request.form()
        given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
        if not isinstance(given, str) or not hmac.compare_digest(given.encode(), (principal.csrf or "").encode()):
            raise CsrfError("missing or wrong CSRF token")
    return principal
