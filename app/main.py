"""The web application factory.

``create_app`` takes its settings and services so tests (and ``coach
serve``) build the app they need; nothing is read or loaded at import.
The database schema is migrated when the app starts (lifespan).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.config import Settings, load_settings
from app.services.container import Services

DESCRIPTION = """
大客户销售陪练 (Key Account Coach): role-play a key-account customer and get every
reply scored, explained and cited.

Errors are JSON `{"detail": message}`: an empty reply is **422**, a reply over
`COACH_MAX_MESSAGE_CHARS` is **413**, an unknown scenario or session is **404**,
a reply to a finished session is **409**. Every acknowledged message is committed
before the response.
"""


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the FastAPI app (API, pages, static files) for these settings and services."""
    from app.api import catalog, health, sessions, trainer
    from app.api.errors import install_error_handlers
    from app.db.engine import Database
    from app.services.sessions import PracticeService
    from app.web import pages
    from app.web import trainer as trainer_pages
    from app.web.render import STATIC_DIR, LanguageMiddleware, make_templates

    if settings is None:
        settings = services.settings if services is not None else load_settings()
    if services is None:
        services = Services(settings)
    database = Database.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database.migrate()
        yield
        database.dispose()

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
            {"name": "health", "description": "Liveness and readiness."},
        ],
    )
    app.state.settings = settings
    app.state.services = services
    app.state.database = database
    app.state.practice = PracticeService(services)
    app.state.templates = make_templates()
    install_error_handlers(app)
    app.add_middleware(LanguageMiddleware)
    for router in (health.router, sessions.router, catalog.router, trainer.router, pages.router, trainer_pages.router):
        app.include_router(router)
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
