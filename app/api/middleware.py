"""Request ids and the request-body limit, as pure ASGI middleware.

Why request ids: a 500 tells the user only "something went wrong"; the id in the answer (header
``X-Request-ID`` on every response, ``request_id`` in 5xx bodies) is what they quote, and it is
the id logged with the traceback. An incoming ``X-Request-ID`` (from a proxy) is kept when it is
a short, plain token, so one id follows the request through every log; anything else is
replaced, so a client cannot inject text into our logs.

Why a body limit: every string field has a ``max_length``, but pydantic only sees the body after
it was read and parsed whole. Bodies over ``COACH_MAX_BODY_BYTES`` are refused with 413 before
they are parsed, whether or not the client announced a ``Content-Length``.

Both are pure ASGI (no ``BaseHTTPMiddleware``), so streamed responses pass through untouched.
"""

from __future__ import annotations

import re
import uuid

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.context import REQUEST_ID

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def request_id_of(request: Request) -> str:
    """The id of this request (set by :class:`RequestIdMiddleware`; a fresh one outside it)."""
    state = request.scope.setdefault("state", {})
    rid = state.get("request_id")
    if not isinstance(rid, str):
        rid = state["request_id"] = uuid.uuid4().hex
    return rid


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            token = value.decode("latin-1")
            return token if _SANE_ID.fullmatch(token) else None
    return None


class RequestIdMiddleware:
    """Gives each HTTP request an id (kept in ``scope["state"]``) and echoes it as ``X-Request-ID``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        REQUEST_ID.set(rid)  # every log line of this request carries it (app/observability/logs.py)
        header = (REQUEST_ID_HEADER.lower().encode(), rid.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != header[0]]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyLimitMiddleware:
    """Answers 413 JSON to a request whose body exceeds ``limit`` bytes, before the app reads it.

    The body is read here (at most ``limit`` bytes are kept) and replayed to the app as one
    message; later ``receive`` calls go to the server, so disconnects are still seen.
    """

    def __init__(
        self, app: ASGIApp, limit: int, *, upload_limit: int | None = None, upload_prefixes: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit or limit
        self.upload_prefixes = upload_prefixes

    def _limit_for(self, scope: Scope) -> int:
        """Document uploads (the knowledge library) may be larger than API bodies."""
        path = str(scope.get("path", ""))
        return self.upload_limit if self.upload_prefixes and path.startswith(self.upload_prefixes) else self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in _METHODS_WITH_BODY:
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope)
        declared = self._declared_length(scope)
        if declared is not None and declared > limit:
            await self._too_large(scope, receive, send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away while sending
                await self.app(scope, _replay([], message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(scope, receive, send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body], None, receive), send)

    @staticmethod
    def _declared_length(scope: Scope) -> int | None:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        from app.api.errors import api_text, error_response  # errors imports this module

        request = Request(scope, receive)
        message = api_text("body_too_large", str(getattr(request.state, "lang", "zh"))).format(limit=limit)
        response = error_response(request, 413, message)
        response.headers["Connection"] = "close"  # the rest of the body is not read
        await response(scope, receive, send)


def _replay(messages: list[Message], last: Message | None, receive: Receive) -> Receive:
    pending = [*messages, *([last] if last is not None else [])]

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
