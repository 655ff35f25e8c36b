"""Every request sees the scenarios as they are now, whichever worker saved them.

Trainer scenarios live in the database; each worker keeps them parsed in memory and asks the
database, once per request, whether anything changed (one tiny query). A pure ASGI middleware,
so streamed responses pass through untouched.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from app.services.container import Services

log = logging.getLogger(__name__)


class ScenarioRefreshMiddleware:
    """Calls ``services.scenarios.refresh()`` before each HTTP request (static files excepted)."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not str(scope.get("path", "")).startswith("/static/"):
            try:
                await run_in_threadpool(self.services.scenarios.refresh)
            except Exception:  # a database hiccup must not fail a request that may not need scenarios
                log.warning("could not refresh the scenarios; serving the ones loaded", exc_info=True)
        await self.app(scope, receive, send)
