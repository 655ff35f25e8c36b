"""The web application factory.

``create_app(services)`` takes the composition root (:class:`app.services.container.Services`),
which holds the settings and builds every component; nothing is read or loaded at import.
``coach serve --workers N`` has uvicorn import :func:`app_factory` in each worker process. Schema
migrations are a separate step (``coach db upgrade``); ``create_app`` runs them only when asked
(single-process use: tests, ``coach serve`` with one worker).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.config import load_settings
from app.services.container import Services

DESCRIPTION = """
大客户销售陪练 (Key Account Coach): role-play a key-account customer and get every
reply scored, explained and cited.

Errors are JSON `{"detail": message}`: an empty reply is **422**, a reply over
`COACH_MAX_MESSAGE_CHARS` is **413**, an unknown scenario or session is **404**,
a reply to a finished session is **409**. Every acknowledged message is committed
before the response.
"""


def app_factory() -> FastAPI:
    """The app for one ``coach serve --workers N`` worker: settings from the environment.

    ``coach serve`` has migrated the database and built the knowledge index before starting the
    workers; each worker warms its own models before it accepts requests.
    """
    from app.observability.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_format)
    return create_app(Services(settings), migrate=False, warm=True)


def create_app(services: Services | None = None, *, migrate: bool = True, warm: bool = False) -> FastAPI:
    """Build the FastAPI app (API, pages, static files) over one composition root."""
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    from app.api import catalog, health, sessions, trainer
    from app.api import library as library_api
    from app.api import metrics as metrics_api
    from app.api.errors import install_error_handlers
    from app.api.refresh import ScenarioRefreshMiddleware
    from app.observability.metrics import MetricsMiddleware
    from app.web import library as library_pages
    from app.web import pages, scenario_form
    from app.web import trainer as trainer_pages
    from app.web.auth import install_auth
    from app.web.render import STATIC_DIR, LanguageMiddleware, make_templates
    from app.web.security import SameOriginMiddleware, SecurityHeadersMiddleware

    if services is None:
        services = Services(load_settings())
    settings = services.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            services.database.migrate()
        if warm:
            await run_in_threadpool(services.warm)
        yield
        services.close()

    app = FastAPI(
        title="Key Account Coach API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served below from vendored files: the product runs offline
        redoc_url=None,
        openapi_tags=[
            {"name": "sessions", "description": "Role-play sessions: start, reply, transcript, scorecard."},
            {"name": "scoring", "description": "Scenarios and one-off reply scoring (GUIDE §3)."},
            {"name": "trainer", "description": "Reviews, assignments, team analytics, scenario authoring."},
            {"name": "library", "description": "The company's knowledge library: upload, list, delete, indexing status."},
            {"name": "health", "description": "Liveness and readiness."},
        ],
    )
    app.state.settings = settings
    app.state.services = services
    app.state.templates = make_templates()
    install_error_handlers(app)
    app.add_middleware(LanguageMiddleware)
    app.add_middleware(ScenarioRefreshMiddleware, services=services)
    app.add_middleware(MetricsMiddleware)
    # Outermost last: a foreign Host or a cross-site write is refused before any work.
    app.add_middleware(SameOriginMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts))
    for router in (health.router, sessions.router, catalog.router, trainer.router, pages.router, trainer_pages.router):
        app.include_router(router)
    for router in (library_api.router, library_pages.router, metrics_api.router, scenario_form.router):
        app.include_router(router)
    if services.slack is not None:  # chat bots, only when configured (docs/channels.md)
        app.include_router(services.slack.router)
    if services.wecom is not None:
        app.include_router(services.wecom.router)
    install_auth(app)  # accounts: login page, API tokens, CSRF (app/web/auth.py)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        """Swagger UI from app/web/static/vendor/swagger-ui (no CDN)."""
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} – docs",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    return app
