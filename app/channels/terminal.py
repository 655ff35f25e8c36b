"""The terminal's output channel: rich-formatted score cards and scorecards for `coach roleplay`.

``coach score`` prints single scores with the same :func:`render_score`, so a score looks the
same wherever the terminal shows it.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import TYPE_CHECKING

from app.channels.base import ScoreCard, WholeLineChannel
from app.domain import Scorecard, ScoreResult

if TYPE_CHECKING:
    from rich.console import Console

def render_score(result: ScoreResult, *, console: Console | None = None) -> None:
    """A readable card: score chip, criteria table, feedback, better reply, citations."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    from app.coach.wording import lang_key
    from app.coach.wording import table as words

    console = console or Console()
    key = lang_key(result.language)
    colour = {1: "red", 2: "dark_orange", 3: "yellow", 4: "green", 5: "bright_green"}[result.band]
    label = ("得分", "档", "评分项", "分数", "说明", "反馈", "更好的回复", "参考资料") if key == "zh" else (
        "Score", "band", "Criterion", "Score", "Comment", "Feedback", "Better reply", "Sources")
    console.print(f"[bold {colour}]{label[0]} {result.score}[/] · {label[1]} {result.band}/5")
    table = Table(show_header=True, header_style="bold")
    table.add_column(label[2])
    table.add_column(label[3], justify="right")
    table.add_column(label[4])
    for c in result.criteria:
        table.add_row(words(key, "criteria").get(c.id, c.id), "—" if c.score is None else str(c.score), c.comment)
    console.print(table)
    console.print(Panel(result.feedback, title=label[5]))
    console.print(Panel(result.better_reply, title=label[6], border_style="green"))
    for cite in result.citations:
        console.print(f"[dim]· {cite.source}[/] {cite.text[:120]}")


def render_scorecard(card: Scorecard, lang: str, console: Console) -> None:
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


class TerminalChannel(WholeLineChannel):
    """Prints the coach's side of a practice to a rich console."""

    def __init__(self, console: Console, lang: str = "zh") -> None:
        self.console = console
        self.lang = lang

    streams = True

    async def customer_stream(self, pieces: AsyncIterable[str]) -> None:
        """The customer's line as the model writes it (nothing is printed when nothing streams)."""
        label = "Customer" if self.lang == "en" else "客户"
        started = False
        async for piece in pieces:
            if not started:
                self.console.print(f"[bold cyan]{label}：[/]", end="")
                started = True
            self.console.print(piece, end="", markup=False, highlight=False)
        if started:
            self.console.print()

    async def customer_line(self, text: str) -> None:
        """The customer's line, labelled."""
        label = "Customer" if self.lang == "en" else "客户"
        self.console.print(f"[bold cyan]{label}：[/]{text}")

    async def score_card(self, card: ScoreCard) -> None:
        """The full score card."""
        render_score(card.score, console=self.console)

    async def scorecard(self, card: Scorecard) -> None:
        """The scorecard table and summary."""
        render_scorecard(card, self.lang, self.console)

    async def notice(self, key: str, text: str) -> None:
        """A notice in yellow."""
        self.console.print(f"[yellow]{text}[/]")
