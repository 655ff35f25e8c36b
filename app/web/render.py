"""Template rendering with the language, the translator and formatting helpers.

Autoescaping is on for every ``.html`` template: rep and customer text is
always inserted as text, and data for scripts goes through ``tojson``
(which escapes ``<``, ``>`` and ``&``), so ``<script>`` typed by a rep can
never run.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from app.domain import CRITERIA
from app.web.i18n import pick_lang, translate

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
LANG_COOKIE = "coach_lang"


def make_templates() -> Jinja2Templates:
    """The Jinja2 environment of the pages."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.globals["CRITERIA"] = CRITERIA
    templates.env.filters["dt"] = _fmt_dt
    return templates


def _fmt_dt(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    """Render a page with ``lang`` and ``t`` available."""
    lang = str(getattr(request.state, "lang", "zh"))
    templates: Jinja2Templates = request.app.state.templates
    ctx = {"lang": lang, "t": lambda key: translate(key, lang), **(context or {})}
    return templates.TemplateResponse(request, name, ctx, status_code=status)


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    """The friendly error page."""
    return render(request, "error.html", {"status": status, "message": message}, status=status)


class LanguageMiddleware(BaseHTTPMiddleware):
    """Sets ``request.state.lang`` from ``?lang=``, the cookie or the settings; ``?lang=`` is remembered.

    Also adds the basic security headers (no MIME sniffing, no framing).
    """

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        query = request.query_params.get("lang")
        default = request.app.state.settings.language
        request.state.lang = pick_lang(query, request.cookies.get(LANG_COOKIE), default)
        response = await call_next(request)
        # Cheap hardening for every response (pages and API alike).
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if query in ("zh", "en"):
            response.set_cookie(LANG_COOKIE, query, max_age=365 * 86400, samesite="lax", httponly=True)
        return response
