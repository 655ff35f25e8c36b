"""``coach users add|list|disable|reset``: accounts for ``COACH_AUTH=password``, from the shell.

Passwords are read from standard input (``--password-stdin``), never from an option, so they
stay out of the shell history and the process list. Only the argon2 hash is stored.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from app.cli.common import fail, print_json, settings_from_cli

if TYPE_CHECKING:
    from app.db.engine import Database

Role = Literal["rep", "trainer", "admin"]


def _database() -> Database:
    from app.services.container import Services

    database = Services(settings_from_cli()).database
    if not database.is_current():
        database.migrate()  # one process; a server would have run `coach db upgrade`
    return database


def _read_password() -> str:
    """The password on standard input (its trailing newline dropped), or a clean exit."""
    from app.auth.passwords import MIN_PASSWORD_CHARS

    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD_CHARS:
        fail(f"the password needs at least {MIN_PASSWORD_CHARS} characters (密码至少 {MIN_PASSWORD_CHARS} 个字符)")
    return password


def register(app: typer.Typer) -> None:
    """Add the ``users`` command group to the CLI."""
    users = typer.Typer(help="Accounts: add, list, disable, reset a password, link a Slack or WeCom identity.",
                        no_args_is_help=True)  # fmt: skip
    app.add_typer(users, name="users")

    @users.command("add")
    def add(
        name: Annotated[str, typer.Argument(help="Login name (unique).")],
        role: Annotated[Role, typer.Option(help="rep, trainer or admin.")] = "rep",
        team: Annotated[str | None, typer.Option(help="Team: a trainer sees the sessions of their team.")] = None,
        display_name: Annotated[str | None, typer.Option(help="Name shown in the console (default: NAME).")] = None,
        password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    ) -> None:
        """Create an account (without --password-stdin it cannot sign in until `coach users reset`)."""
        from app.auth.passwords import hash_password
        from app.db.repository import Repository

        name = name.strip()
        if not name or len(name) > 100:
            fail("the name must be 1-100 characters")
        password_hash = hash_password(_read_password()) if password_stdin else None
        database = _database()
        with database.write() as db:
            repo = Repository(db)
            if repo.user_by_name(name) is not None:
                fail(f"user {name!r} already exists (用户已存在); use `coach users reset` to change the password")
            repo.add_user(name, (display_name or name)[:200], role, team, password_hash)
        print(f"added {name} ({role}{', team ' + team if team else ''})", file=sys.stderr)

    @users.command("list")
    def list_users(json_output: Annotated[bool, typer.Option("--json", help="JSON output.")] = False) -> None:
        """Everyone, with role, team, and whether they can sign in."""
        from app.db.repository import Repository

        with _database().session() as db:
            rows = [
                {"name": u.name, "display_name": u.display_name, "role": u.role, "team": u.team,
                 "disabled": u.disabled, "has_password": u.password_hash is not None}
                for u in sorted(Repository(db).users(), key=lambda u: u.name)
            ]  # fmt: skip
        if json_output:
            print_json(rows)
            return
        for r in rows:
            state = "disabled" if r["disabled"] else ("active" if r["has_password"] else "no password")
            print(f"{r['name']}\t{r['role']}\t{r['team'] or '-'}\t{state}\t{r['display_name']}")

    @users.command("disable")
    def disable(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
        """Refuse this account's sign-ins, cookies and tokens from now on (its history stays)."""
        _update(name, disabled=True)
        print(f"disabled {name}", file=sys.stderr)

    @users.command("enable")
    def enable(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
        """Allow a disabled account to sign in again."""
        _update(name, disabled=False)
        print(f"enabled {name}", file=sys.stderr)

    @users.command("link")
    def link(
        name: Annotated[str, typer.Argument(help="Login name.")],
        slack: Annotated[str | None, typer.Option("--slack", help="Slack user id, e.g. U0123ABCD.")] = None,
        wecom: Annotated[str | None, typer.Option("--wecom", help="WeCom userid.")] = None,
    ) -> None:
        """Link a Slack or WeCom identity to this account: practices there count as this rep's."""
        if (slack is None) == (wecom is None):
            fail("give exactly one of --slack ID or --wecom USERID", 2)
        channel, external_id = ("slack", slack) if slack is not None else ("wecom", wecom)
        assert external_id is not None
        _link(name, channel, external_id.strip())
        print(f"{channel} {external_id} → {name}", file=sys.stderr)

    @users.command("reset")
    def reset(
        name: Annotated[str, typer.Argument(help="Login name.")],
        password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the new password from stdin.")] = False,
    ) -> None:
        """Set a new password (signs the account out everywhere; a disabled account stays disabled)."""
        if not password_stdin:
            fail("pass the new password on stdin with --password-stdin")
        _update(name, password=_read_password())
        print(f"password reset for {name}", file=sys.stderr)


def _link(name: str, channel: str, external_id: str) -> None:
    """Point a chat identity at the account ``name`` (committed)."""
    from app.db.repository import Repository

    with _database().write() as db:
        repo = Repository(db)
        user = repo.user_by_name(name)
        if user is None:
            fail(f"no user {name!r} (没有这个用户)")
        repo.link_identity(channel, external_id, user.id)


def _update(name: str, *, disabled: bool | None = None, password: str | None = None) -> None:
    """Disable or enable an account, or give it a new password (committed)."""
    from app.auth.passwords import hash_password
    from app.db.repository import Repository

    password_hash = hash_password(password) if password is not None else None
    with _database().write() as db:
        user = Repository(db).user_by_name(name)
        if user is None:
            fail(f"no user {name!r} (没有这个用户)")
        if disabled is not None:
            user.disabled = disabled
        if password_hash is not None:
            user.password_hash = password_hash
