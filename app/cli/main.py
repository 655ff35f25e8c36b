"""Entry point of the ``coach`` command.

Each sub-command lives in its own module with a ``register(app)`` function;
modules import their heavy dependencies inside the command bodies so that
``coach --help`` stays instant.
"""

from __future__ import annotations

import typer

from app.cli import calibrate, db, ingest, knowledge, roleplay, scenarios, score, serve, users


def build_cli() -> typer.Typer:
    """Assemble the Typer application."""
    cli = typer.Typer(
        name="coach",
        help="Key Account Coach (大客户销售陪练): offline sales role-play and reply scoring.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    for module in (ingest, knowledge, scenarios, score, roleplay, serve, db, calibrate, users):
        module.register(cli)

    @cli.command("version")
    def version() -> None:
        """Print the version."""
        from app import __version__

        print(__version__)

    return cli


def main() -> None:
    """Run the CLI."""
    build_cli()()


if __name__ == "__main__":
    main()
