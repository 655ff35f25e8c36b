"""`coach db upgrade` / `coach db current`: schema migrations as their own step.

Several server workers must not each migrate at start (they would race on the schema), so a
deployment runs ``coach db upgrade`` once, then starts the workers. ``coach serve`` with one
worker still migrates by itself, so the two-command quick start keeps working.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import fail, settings_from_cli

DataDirOpt = Annotated[Path | None, typer.Option("--data-dir", help="Data directory (COACH_DATA_DIR).")]


def register(app: typer.Typer) -> None:
    """Add the ``db`` command group to the CLI."""
    db = typer.Typer(help="Database schema: upgrade to this version, show the current revision.", no_args_is_help=True)

    @db.command("upgrade")
    def upgrade(data_dir: DataDirOpt = None) -> None:
        """Bring the database schema up to this version (safe to run again)."""
        from app.db.engine import Database
        from app.db.migrate import current_revision

        settings = settings_from_cli(data_dir=data_dir)
        database = Database.from_settings(settings)
        try:
            database.migrate()
            print(f"database at revision {current_revision(database.engine)}: {_shown(settings.sqlalchemy_url)}")
        except Exception as exc:  # one clear line: a corrupt file, a read-only disk, a wrong URL
            fail(f"cannot upgrade the database: {str(exc).splitlines()[0]}")
        finally:
            database.dispose()

    @db.command("current")
    def current(data_dir: DataDirOpt = None) -> None:
        """Print the schema revision of the database and whether it is up to date."""
        from app.db.engine import Database
        from app.db.migrate import current_revision, head_revision

        settings = settings_from_cli(data_dir=data_dir)
        database = Database.from_settings(settings)
        try:
            rev, head = current_revision(database.engine), head_revision()
        except Exception as exc:
            fail(f"cannot read the database: {str(exc).splitlines()[0]}")
        finally:
            database.dispose()
        print(f"{rev or '(empty)'} (latest {head}){'' if rev == head else ' - run `coach db upgrade`'}")

    app.add_typer(db, name="db")


def _shown(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
