"""`coach roleplay SCENARIO`: an interactive practice session in the terminal.

Shows the customer's line, reads the rep's reply, shows the score chip, the
criteria, feedback, a better reply and citations, and ends with the
scorecard.  ``/quit`` (or end of input) stops early and still prints the
scorecard, so the command also works with piped stdin.  Exit codes: 0 on a
finished or quit session, 2 for an unknown scenario.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli.common import fail, settings_from_cli

if TYPE_CHECKING:
    from app.domain import Scorecard

QUIT = {"/quit", "/exit", "/q"}


def render_scorecard(card: Scorecard, lang: str, console: Any) -> None:
    """The scorecard as a table plus the summary."""
    from rich.panel import Panel
    from rich.table import Table

    from app.coach.wording import lang_key
    from app.coach.wording import table as words

    names = words(lang, "criteria")
    zh = lang_key(lang) == "zh"
    table = Table(title="成绩单" if zh else "Scorecard", show_header=True, header_style="bold")
    table.add_column("评分项" if zh else "Criterion")
    table.add_column("平均" if zh else "Average", justify="right")
    for c in card.criteria:
        table.add_row(names.get(c.id, c.id), "—" if c.score is None else str(c.score))
    console.print(table)
    lines = [card.summary]
    if card.best is not None and card.best.score is not None:
        lines.append(("最佳回复" if zh else "Best reply") + f"（{card.best.score.score}）：{card.best.text}")
    if card.weakest is not None and card.weakest.score is not None and card.weakest is not card.best:
        lines.append(("最弱回复" if zh else "Weakest reply") + f"（{card.weakest.score.score}）：{card.weakest.text}")
    console.print(Panel("\n".join(lines), title=f"{card.average} · {card.band}/5"))


def roleplay(
    scenario: Annotated[str, typer.Argument(help="Scenario id, e.g. price-objection.")],
    seed: Annotated[int | None, typer.Option("--seed", help="Replay a session: same seed, same customer.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the coach: zh or en.")] = "zh",
) -> None:
    """Practise a scenario against a simulated customer (角色扮演练习). Type /quit to stop."""
    from rich.console import Console

    from app.cli.score import render_score
    from app.coach.errors import EmptyReplyError, ReplyTooLongError
    from app.scenarios.loader import UnknownScenarioError
    from app.services.container import Services

    console = Console()
    services = Services(settings_from_cli())
    try:
        session = services.roleplay.start(scenario, seed=seed, lang=lang)
    except UnknownScenarioError as exc:
        fail(f"{exc}; see `coach scenarios` for the ids", 2)
    zh = lang != "en"
    sc = services.scenarios.get(scenario)
    console.print(f"[bold]{sc.title.get(lang)}[/] · {sc.persona.name}（{sc.persona.company} {sc.persona.role}）")
    console.print("[dim]" + ("输入你的回复，/quit 结束。" if zh else "Type your reply; /quit to stop.") + "[/]")
    console.print(f"[bold cyan]{'客户' if zh else 'Customer'}：[/]{session.transcript[0].text}")
    while not session.done:
        console.print(f"[bold]{'你' if zh else 'You'}：[/]", end="")
        line = sys.stdin.readline()
        if not line:
            break
        text = line.strip()
        if text in QUIT:
            break
        try:
            result = services.roleplay.reply(session, text)
        except EmptyReplyError:
            console.print("[yellow]" + ("回复不能为空。" if zh else "The reply is empty.") + "[/]")
            continue
        except ReplyTooLongError as exc:
            console.print(f"[yellow]{exc}[/]")
            continue
        render_score(result.score, console=console)
        session = result.session
        console.print(f"[bold cyan]{'客户' if zh else 'Customer'}：[/]{result.customer}")
    render_scorecard(services.roleplay.scorecard(session), lang, console)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("roleplay")(roleplay)
