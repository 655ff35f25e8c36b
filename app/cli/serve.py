"""`coach serve`: the web app (pages + API) on uvicorn, in one process or several workers.

Before uvicorn listens, this process checks the data directory and the database (one clear line
on failure: corrupt, zero-byte, read-only, full disk), takes the data-directory lock (a second
server on the same SQLite data is refused), migrates the schema (one worker, or ``--migrate``;
otherwise it must already be current: ``coach db upgrade``), and builds the knowledge index when
missing or stale. With one worker the coach is warmed here, so the first rep never waits; with
``--workers N`` uvicorn imports :func:`app.main.app_factory` in each worker, which reads the same
settings from the environment and warms before accepting requests.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.auth.settings import LOOPBACK
from app.cli.common import fail, settings_from_cli

if TYPE_CHECKING:
    from app.services.container import Services


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""

    @app.command("serve")
    def serve(
        host: Annotated[str | None, typer.Option(help="Interface to listen on (default 127.0.0.1, COACH_HOST).")] = None,
        port: Annotated[int | None, typer.Option(help="Port (default 8000, COACH_PORT).")] = None,
        data_dir: Annotated[Path | None, typer.Option(help="Data directory (COACH_DATA_DIR).")] = None,
        workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (several need `coach db upgrade` first, or --migrate).")] = 1,
        migrate: Annotated[bool, typer.Option("--migrate", help="Upgrade the database schema before starting the workers.")] = False,
        log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
        shutdown_grace: Annotated[int, typer.Option(help="Seconds in-flight replies get to finish on shutdown.")] = 15,
    ) -> None:
        """Start the web app: rep chat at http://HOST:PORT/, trainer console at /trainer, API docs at /docs."""
        import uvicorn

        from app.auth.settings import serve_problem
        from app.db.preflight import StartupError, acquire_data_dir_lock, preflight
        from app.main import create_app
        from app.observability.logs import configure_logging
        from app.services.container import Services

        settings = settings_from_cli(host=host, port=port, data_dir=data_dir)
        problem = serve_problem(settings)  # no login beyond loopback, or a placeholder secret key
        if problem is not None:
            fail(f"cannot start: {problem}")
        # The workers read their settings from the environment: pass on what the options changed.
        for name, value in (("COACH_HOST", host), ("COACH_PORT", port), ("COACH_DATA_DIR", data_dir)):
            if value is not None:
                os.environ[name] = str(Path(value).resolve()) if isinstance(value, Path) else str(value)
        services = Services(settings)
        started = time.perf_counter()
        try:
            preflight(settings)
            lock = acquire_data_dir_lock(settings)
            if workers == 1 or migrate:
                services.database.migrate()
            elif not services.database.is_current():
                raise StartupError("the database schema is not current: run `coach db upgrade` first, or pass --migrate")
            print(f"scenarios: {len(services.scenarios)} loaded", file=sys.stderr)
            _build_index(services)
            if workers == 1:
                services.warm()
        except StartupError as exc:
            fail(f"cannot start: {exc}")
        except Exception as exc:  # a broken index or scenario file: one clear line, no traceback
            fail(f"cannot start: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
        if settings.host not in LOOPBACK and set(settings.allowed_hosts) <= {"127.0.0.1", "localhost", "::1", "testserver"}:
            print(
                "note: only requests addressed to localhost are answered; set COACH_ALLOWED_HOSTS "
                '(e.g. \'["coach.example.com"]\') to the name reps use',
                file=sys.stderr,
            )
        print(
            f"ready in {time.perf_counter() - started:.1f}s ({workers} worker{'s' if workers > 1 else ''}): "
            f"http://{settings.host}:{settings.port}/",
            file=sys.stderr,
        )
        configure_logging(settings.log_format, log_level)
        if workers > 1 and settings.rate_limit and not settings.redis_url:
            print("warning: COACH_RATE_LIMIT is counted per worker without COACH_REDIS_URL", file=sys.stderr)
        if workers > 1:  # each worker writes its metrics here; GET /metrics adds them up
            metrics_dir = settings.data_dir / ".metrics"
            shutil.rmtree(metrics_dir, ignore_errors=True)
            metrics_dir.mkdir(parents=True, exist_ok=True)
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir.resolve())
        try:
            if workers == 1:
                uvicorn.run(
                    create_app(services, migrate=False), host=settings.host, port=settings.port,
                    log_level=log_level, log_config=None, timeout_graceful_shutdown=int(shutdown_grace),
                )  # fmt: skip
            else:
                services.close()
                uvicorn.run(
                    "app.main:app_factory", factory=True, workers=workers, host=settings.host, port=settings.port,
                    log_level=log_level, log_config=None, timeout_graceful_shutdown=int(shutdown_grace),
                )  # fmt: skip
        finally:
            lock.release()


def _build_index(services: Services) -> None:
    """Open the knowledge index, building it first when it is missing or stale (once, here)."""
    from app.retrieval.knowledge_index import is_current, knowledge_inputs

    settings = services.settings
    if not is_current(settings, services.embeddings, knowledge_inputs(settings)):
        print(
            f"building the knowledge index in {settings.index_path} "
            "(first start or playbooks changed; this takes a minute or two)...",
            file=sys.stderr,
        )
    _ = services.retriever
