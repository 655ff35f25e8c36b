"""Errors as JSON ``{"detail": message}`` with the status codes of the API contract.

Page routes get the same mapping but rendered as an HTML error page, so a
wrong link in the browser shows a friendly page rather than raw JSON.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.scenarios.loader import ScenarioError, UnknownScenarioError
from app.services.sessions import (
    NothingToScoreError,
    ScoringFailedError,
    SessionClosedError,
    SessionNotFoundError,
)


def _wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path in ("/healthz", "/readyz"):
        return True
    return "text/html" not in request.headers.get("accept", "")


def error_response(request: Request, status: int, message: str, extra: dict[str, Any] | None = None) -> Response:
    """JSON for API clients, the error page for browsers."""
    if _wants_json(request):
        return JSONResponse({"detail": message, **(extra or {})}, status_code=status)
    from app.web.render import render_error

    return render_error(request, status, message)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
        parts.append(f"{loc}: {e.get('msg')}" if loc else str(e.get("msg")))
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors to HTTP statuses."""
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
        (ScoringFailedError, 500),
    ]
    for exc_type, status in simple:

        async def handler(request: Request, exc: Exception, status: int = status) -> Response:
            return error_response(request, status, str(exc))

        app.add_exception_handler(exc_type, handler)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(request, 422, _validation_message(exc), {"errors": jsonable_encoder(exc.errors())})

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(request, exc.status_code, str(exc.detail))

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
