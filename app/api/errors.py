"""Errors as JSON ``{"detail": message}`` with the status codes of the API contract, and no silent 500.

Page routes get the same mapping rendered as the HTML error page, so a wrong link in the browser
shows a friendly page rather than raw JSON.

"No silent 500": an unhandled exception is logged (logger ``app.api``, traceback and request id)
and answered ``{"detail", "request_id"}``, the id also in ``X-Request-ID`` (on every response,
see :mod:`app.api.middleware`), so a user's report leads to the log line. Error bodies are made
JSON-safe before rendering: a validation error echoes the input, and an input holding NaN or a lone
surrogate would otherwise crash the error handler itself. A number too big for the database
(SQLite's OverflowError, PostgreSQL's DataError) is the client's error: 422, not 500.

:func:`install_error_handlers` also installs the middleware and the OpenAPI corrections of
:mod:`app.api.openapi_docs`, so the served schema documents exactly these answers.
"""

from __future__ import annotations

import logging
import math

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import JsonValue
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.middleware import REQUEST_ID_HEADER, BodyLimitMiddleware, RequestIdMiddleware, request_id_of
from app.api.openapi_docs import install_openapi
from app.scenarios.loader import ScenarioError, UnknownScenarioError
from app.services.errors import (
    NothingToScoreError,
    ScoringFailedError,
    SessionBusyError,
    SessionClosedError,
    SessionNotFoundError,
)

log = logging.getLogger("app.api")

#: Messages of this module, ``(zh, en)``, like the interface strings in ``app/web/data/strings.yaml``.
API_STRINGS: dict[str, tuple[str, str]] = {
    "internal_error": ("服务器内部错误，请稍后重试；如果一再出现，请把请求编号告诉管理员。", "Internal server error; try again, and if it persists give the administrator the request id."),
    "request_id": ("请求编号", "Request id"),
    "cross_site": ("已拒绝：这个请求来自其他网站。请在本系统的页面里操作。", "Refused: this request came from another site. Use this application's own pages."),
    "body_too_large": ("请求内容太大（上限 {limit} 字节）。", "The request body is too large (limit: {limit} bytes)."),
    "out_of_range": ("请求里的数字超出范围。", "A number in the request is out of range."),
    "score_timeout": ("评分超时（超过 {budget} 秒），请缩短回复或上下文后重试。", "Scoring took longer than {budget} s; try a shorter reply or context."),
}  # fmt: skip

#: How much of an invalid input a 422 echoes (the request may carry 256 KiB of it).
_ECHO_CHARS, _ECHO_ITEMS, _ECHO_DEPTH = 200, 50, 8


def api_text(key: str, lang: str) -> str:
    """The message ``key`` in ``lang`` (Chinese fallback), like :func:`app.web.i18n.translate`."""
    zh, en = API_STRINGS[key]
    return en if lang == "en" else zh


def _lang(request: Request) -> str:
    return str(getattr(request.state, "lang", "zh"))


def _wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path in ("/healthz", "/readyz"):
        return True
    return "text/html" not in request.headers.get("accept", "")


def safe_text(text: str) -> str:
    """``text`` with any lone surrogate escaped (``\\ud800``), so it can be encoded as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def json_safe(value: object, depth: int = 0) -> JsonValue:
    """An echoed input as JSON that always renders: NaN/Infinity as strings, text escaped and cut,
    containers cut at :data:`_ECHO_ITEMS` entries and :data:`_ECHO_DEPTH` levels."""
    if isinstance(value, str):
        return safe_text(value if len(value) <= _ECHO_CHARS else value[:_ECHO_CHARS] + "…")
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth >= _ECHO_DEPTH:
        return "…"
    if isinstance(value, dict):
        items = list(value.items())[:_ECHO_ITEMS]
        return {safe_text(str(k))[:_ECHO_CHARS]: json_safe(v, depth + 1) for k, v in items}
    if isinstance(value, list | tuple):
        return [json_safe(v, depth + 1) for v in value[:_ECHO_ITEMS]]
    return json_safe(str(value))


def error_response(request: Request, status: int, message: str, extra: dict[str, JsonValue] | None = None) -> Response:
    """JSON for API clients, the error page for browsers; 5xx carry the request id in the body too."""
    message = safe_text(message)
    body: dict[str, JsonValue] = {"detail": message, **(extra or {})}
    if status >= 500:
        rid = request_id_of(request)
        body["request_id"] = rid
        message = f"{message} ({api_text('request_id', _lang(request))}: {rid})"
    if _wants_json(request):
        response: Response = JSONResponse(body, status_code=status)
    else:
        from app.web.render import render_error

        response = render_error(request, status, message)
    if status >= 500:
        response.headers[REQUEST_ID_HEADER] = request_id_of(request)  # the 500 handler runs outside the middleware
    return response


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
        parts.append(f"{loc}: {e.get('msg')}" if loc else str(e.get("msg")))
    return "; ".join(parts) or "invalid request"


def validation_errors(exc: RequestValidationError) -> list[JsonValue]:
    """The ``errors`` list of a 422 (see ``ValidationErrorOut``), safe to render whatever the input was."""
    return [
        {
            "type": str(e.get("type", "")),
            "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
            "msg": safe_text(str(e.get("msg", ""))),
            "input": json_safe(e.get("input")),
        }
        for e in exc.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors to HTTP statuses; add request ids, the body limit and the error docs."""
    from app.coach.errors import EmptyReplyError, ReplyTooLongError, SessionDoneError

    simple: list[tuple[type[Exception], int]] = [
        (UnknownScenarioError, 404),
        (SessionNotFoundError, 404),
        (EmptyReplyError, 422),
        (ReplyTooLongError, 413),
        (ScenarioError, 422),
        (SessionClosedError, 409),
        (SessionDoneError, 409),
        (NothingToScoreError, 409),
        (SessionBusyError, 409),
        (ScoringFailedError, 500),
    ]
    for exc_type, status in simple:

        async def handler(request: Request, exc: Exception, status: int = status) -> Response:
            if status >= 500:
                log.error("request %s failed: %s", request_id_of(request), exc, exc_info=exc)
            return error_response(request, status, str(exc))

        app.add_exception_handler(exc_type, handler)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(request, 422, _validation_message(exc), {"errors": validation_errors(exc)})

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        response = error_response(request, exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    async def on_out_of_range(request: Request, exc: Exception) -> Response:
        log.warning("request %s: value out of range for the database: %s", request_id_of(request), exc)
        return error_response(request, 422, api_text("out_of_range", _lang(request)))

    async def on_unhandled(request: Request, exc: Exception) -> Response:
        log.error("request %s %s %s failed", request_id_of(request), request.method, request.url.path, exc_info=exc)
        return error_response(request, 500, api_text("internal_error", _lang(request)))

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(OverflowError, on_out_of_range)
    app.add_exception_handler(DataError, on_out_of_range)
    app.add_exception_handler(Exception, on_unhandled)
    settings = app.state.settings
    app.add_middleware(
        BodyLimitMiddleware,
        limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_bytes,
        upload_prefixes=("/api/v1/library/", "/trainer/library"),
    )
    app.add_middleware(RequestIdMiddleware)
    install_openapi(app, settings)
