"""`coach serve`: the web app (pages + API) on uvicorn.

The knowledge index is opened (built on the first start, when missing or
stale) and the coach warmed *before* uvicorn listens, so the first rep
never waits for it and later starts are ready in seconds.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, cast

import typer

from app.cli.common import fail, settings_from_cli


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""

    @app.command("serve")
    def serve(
        host: Annotated[str | None, typer.Option(help="Interface to listen on (default 127.0.0.1, COACH_HOST).")] = None,
        port: Annotated[int | None, typer.Option(help="Port (default 8000, COACH_PORT).")] = None,
        data_dir: Annotated[Path | None, typer.Option(help="Data directory (COACH_DATA_DIR).")] = None,
        log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    ) -> None:
        """Start the web app: rep chat at http://HOST:PORT/, trainer console at /trainer, API docs at /docs."""
        import uvicorn

        from app.main import create_app
        from app.services.container import Services

        settings = settings_from_cli(host=host, port=port, data_dir=data_dir)
        services = Services(settings)
        started = time.perf_counter()
        try:
            from app.retrieval.embeddings import CoachEmbeddings
            from app.retrieval.knowledge_index import is_current, knowledge_inputs

            print(f"scenarios: {len(services.scenarios)} loaded", file=sys.stderr)
            embeddings = cast(CoachEmbeddings, services.embeddings)
            if not is_current(settings, embeddings, knowledge_inputs(settings)):
                print(
                    f"building the knowledge index in {settings.index_path} "
                    "(first start or playbooks changed; this takes a minute or two)...",
                    file=sys.stderr,
                )
            _ = services.retriever
            _ = services.roleplay
        except Exception as exc:  # a broken index or scenario file: one clear line, no traceback
            fail(f"cannot start: {exc}")
        if settings.host not in ("127.0.0.1", "localhost", "::1"):
            print(
                f"warning: listening on {settings.host} in local single-user mode: there is no login, "
                "so anyone who can reach this port can use the trainer console",
                file=sys.stderr,
            )
        print(f"ready in {time.perf_counter() - started:.1f}s: http://{settings.host}:{settings.port}/", file=sys.stderr)
        uvicorn.run(create_app(settings, services), host=settings.host, port=settings.port, log_level=log_level)
