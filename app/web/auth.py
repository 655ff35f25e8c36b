"""Sign-in for password mode: the login page, logout, the API token endpoint, and their wiring.

:func:`install_auth` is the one line ``create_app`` adds. In both modes it registers the Jinja
globals the templates use (``csrf_field()``, ``signed_in()``: empty and false in local mode) and
the answers to "not signed in" (pages: 303 to ``/login``; API: 401 JSON) and to a missing CSRF
token (403). In password mode it first refuses a weak ``COACH_SECRET_KEY``, then adds the
routes and the deny-by-default gate (:mod:`app.auth.gate`); local mode has no login and no
token endpoint, exactly as before accounts.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import OAuth2PasswordRequestForm
from jinja2 import pass_context
from markupsafe import Markup
from pydantic import BaseModel
from starlette.middleware import Middleware

from app.auth.gate import AuthGateMiddleware, login_required_response
from app.auth.login import (
    CSRF_FIELD,
    BadCredentialsError,
    CsrfError,
    LoginRequiredError,
    client_ip,
    session_principal,
    sign_in,
)
from app.auth.settings import secret_key_problem
from app.auth.throttle import TooManyAttemptsError
from app.auth.tokens import SESSION_COOKIE, Signer, password_fingerprint
from app.db.repository import Repository
from app.deps import CurrentUser, DatabaseDep, SettingsDep
from app.web.i18n import translate
from app.web.render import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class TokenOut(BaseModel):
    """An OAuth2 bearer token: send ``Authorization: Bearer <access_token>``."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(request: Request, next_url: str, error: str | None = None, status: int = 200) -> HTMLResponse:
    return render(request, "login.html", {"next": next_url, "error": error}, status=status)


@pages.get("/login", response_class=HTMLResponse, response_model=None)
def login_form(
    request: Request, settings: SettingsDep, database: DatabaseDep, next: str | None = None
) -> HTMLResponse | RedirectResponse:
    """The sign-in page; straight on when the cookie still names a usable account (a disabled one,
    or one whose password changed, sees the form: otherwise the two redirects would loop)."""
    principal = session_principal(request, settings)
    if principal is not None:
        with database.session() as db:
            user = Repository(db).user(principal.user_id)
        if user is not None and not user.disabled and password_fingerprint(user.password_hash) == principal.fingerprint:
            return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, safe_next(next))


@pages.post("/login", response_model=None)
def login(
    request: Request,
    settings: SettingsDep,
    database: DatabaseDep,
    name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form()] = "/",
) -> HTMLResponse | RedirectResponse:
    """Check the password, set the signed session cookie, go on to ``next``."""
    lang = str(getattr(request.state, "lang", "zh"))
    target = safe_next(next)
    try:
        user = sign_in(database, name.strip(), password, client_ip(request))
    except TooManyAttemptsError as exc:
        page = _login_page(request, target, translate("login_throttled", lang), status=429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except BadCredentialsError:
        return _login_page(request, target, translate("login_failed", lang), status=401)
    signer = Signer(settings)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, signer.session_cookie(user), max_age=signer.session_max_age, path="/",
        httponly=True, samesite="lax", secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


@pages.post("/logout")
def logout(request: Request, user: CurrentUser) -> RedirectResponse:
    """Forget the session cookie (the form carries the CSRF token, so no other site can sign you out)."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response


@api.post("/token", response_model=TokenOut, responses={401: {"description": "Wrong name or password"},
                                                        429: {"description": "Too many failed sign-ins (Retry-After)"}})  # fmt: skip
def token(
    request: Request,
    settings: SettingsDep,
    database: DatabaseDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> TokenOut | JSONResponse:
    """Exchange a name and password (OAuth2 password form) for a signed, expiring bearer token."""
    lang = str(getattr(request.state, "lang", "zh"))
    try:
        user = sign_in(database, form.username.strip(), form.password, client_ip(request))
    except TooManyAttemptsError as exc:
        return JSONResponse({"detail": translate("login_throttled", lang)}, status_code=429,
                            headers={"Retry-After": str(exc.retry_after)})  # fmt: skip
    except BadCredentialsError:
        return JSONResponse({"detail": translate("login_failed", lang)}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    signer = Signer(settings)
    return TokenOut(access_token=signer.api_token(user), expires_in=signer.token_max_age)


def _csrf_token(request: Any) -> str | None:
    """The session's CSRF token: set by the user dependency, or read from the cookie."""
    if request is None:
        return None
    token = getattr(request.state, "csrf_token", None)
    if token is None and request.app.state.settings.auth == "password":
        principal = session_principal(request, request.app.state.settings)
        token = principal.csrf if principal is not None else None
    return str(token) if token else None


@pass_context
def csrf_field(ctx: Any) -> Markup:
    """``{{ csrf_field() }}`` in every POST form: the hidden token input (nothing in local mode)."""
    token = _csrf_token(ctx.get("request"))
    if token is None:
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)


@pass_context
def signed_in(ctx: Any) -> bool:
    """Whether to show the logout button (a session cookie in password mode)."""
    return _csrf_token(ctx.get("request")) is not None


async def _on_login_required(request: Request, exc: Exception) -> Response:
    return login_required_response(request)


async def _on_csrf(request: Request, exc: Exception) -> Response:
    from app.api.errors import error_response

    return error_response(request, 403, translate("csrf_failed", str(getattr(request.state, "lang", "zh"))))


def install_auth(app: FastAPI) -> None:
    """Wire accounts into the app (see the module docstring); a weak secret key refuses to start."""
    settings = app.state.settings
    problem = secret_key_problem(settings)
    if problem is not None:
        raise RuntimeError(problem)
    app.state.templates.env.globals["csrf_field"] = csrf_field
    app.state.templates.env.globals["signed_in"] = signed_in
    app.add_exception_handler(LoginRequiredError, _on_login_required)
    app.add_exception_handler(CsrfError, _on_csrf)
    if settings.auth == "password":
        app.include_router(pages)
        app.include_router(api)
        # Innermost (appended, not add_middleware): its answers still get the security headers,
        # the request id and the language of the middlewares around it.
        app.user_middleware.append(Middleware(AuthGateMiddleware, settings=settings))
