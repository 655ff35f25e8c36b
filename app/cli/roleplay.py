"""`coach roleplay SCENARIO`: an interactive practice session in the terminal.

A channel adapter like the web chat: stdin is the input channel, a rich console the output
channel (:mod:`app.channels.terminal`), and the practice goes through the same
:class:`~app.channels.gateway.Conversations` and practice service, so the session is stored in
the database and shows in history. In local mode the terminal login is the local user.

Shows the customer's line, reads the rep's reply, shows the score card, and ends with the
scorecard. ``/quit`` (or end of input) stops early and still prints the scorecard, so the command
also works with piped stdin. Exit codes: 0 on a finished or quit session, 2 for an unknown
scenario.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
import uuid
from typing import TYPE_CHECKING, Annotated, cast

import typer

from app.cli.common import ENGINE_HELP, fail, settings_from_cli

if TYPE_CHECKING:
    from app.domain import Difficulty

QUIT = {"/quit", "/exit", "/q"}


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "terminal"


async def _play(scenario: str, seed: int | None, lang: str, engine: str | None, difficulty: Difficulty | None) -> int:
    from rich.console import Console

    from app.channels.base import IncomingMessage
    from app.channels.gateway import Conversations
    from app.channels.terminal import TerminalChannel
    from app.db.repository import LOCAL_USER, Repository
    from app.services.container import Services

    console = Console()
    services = Services(settings_from_cli(engine=engine))
    if not services.database.is_current():
        services.database.migrate()  # the terminal is a single process; a server would have done it
    if scenario not in services.scenarios:
        return 2
    from app.services.engines import EngineUnavailableError

    try:
        _ = services.roleplay
    except EngineUnavailableError as exc:
        fail(str(exc), 2)
    conversations = Conversations(services.practice)
    with services.database.session() as db:
        local = Repository(db).get_or_create_user(LOCAL_USER, "本地用户", role="trainer")
    out = TerminalChannel(console, lang)
    conversation = f"{_login()}-{uuid.uuid4().hex[:12]}"

    def message(text: str) -> IncomingMessage:
        return IncomingMessage("terminal", _login(), conversation, text)

    sc = services.scenarios.get(scenario)
    zh = lang != "en"
    console.print(f"[bold]{sc.title.get(lang)}[/] · {sc.persona.name}（{sc.persona.company} {sc.persona.role}）")
    console.print("[dim]" + ("输入你的回复，/quit 结束。" if zh else "Type your reply; /quit to stop.") + "[/]")
    ps = await conversations.start(
        message(scenario), scenario, out, lang=lang, seed=seed, default_user=local, difficulty=difficulty
    )
    if ps is None:
        return 2
    while True:
        console.print(f"[bold]{'你' if zh else 'You'}：[/]", end="")
        line = sys.stdin.readline()
        text = line.strip()
        if not line or text in QUIT:
            await conversations.end(message(""), out, default_user=local)
            break
        result = await conversations.handle(message(text), out, default_user=local)
        if result is not None and result.done:
            break
    services.close()
    return 0


def roleplay(
    scenario: Annotated[str, typer.Argument(help="Scenario id, e.g. price-objection.")],
    seed: Annotated[int | None, typer.Option("--seed", help="Replay a session: same seed, same customer.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the coach: zh or en.")] = "zh",
    engine: Annotated[str | None, typer.Option("--engine", help=ENGINE_HELP)] = None,
    difficulty: Annotated[
        str | None, typer.Option("--difficulty", help="easy, normal or hard (default: your assignment's, else normal).")
    ] = None,
) -> None:
    """Practise a scenario against a simulated customer (角色扮演练习). Type /quit to stop."""
    if engine is not None and engine not in ("embedded", "llm", "auto"):
        fail(f"--engine must be embedded, llm or auto, not {engine!r}", 2)
    if difficulty is not None and difficulty not in ("easy", "normal", "hard"):
        fail(f"--difficulty must be easy, normal or hard, not {difficulty!r}", 2)
    code = asyncio.run(_play(scenario, seed, lang, engine, cast("Difficulty | None", difficulty)))
    if code == 2:
        fail(f"unknown scenario '{scenario}'; see `coach scenarios` for the ids", 2)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("roleplay")(roleplay)
